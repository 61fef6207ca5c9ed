package wxproto

import (
	"bytes"
	"unicode/utf8"
)

// scanFlat decodes the shape every platform callback has, and nothing
// else: <xml>, then fields each written as <Name>text</Name> or
// <Name><![CDATA[text]]></Name>, then </xml>, with only spaces, tabs and
// newlines between them. It stores the fields through lookup and reports
// true, or reports false, having stored nothing, at the first byte it does
// not expect (a declaration, an attribute, a nested element, an entity, a
// carriage return, a duplicate, anything malformed), and decodeFlat then
// decodes the body with encoding/xml, which gives every error.
//
// encoding/xml takes most of a callback's parsing time for its generality;
// the callbacks themselves never use it. FuzzScanFlat holds scanFlat to
// decodeFlat's encoding/xml path wherever it reports true.
func scanFlat(body []byte, lookup func(name string) *string) bool {
	type field struct {
		dst  *string
		text []byte
	}
	var buf [12]field
	fields := buf[:0]
	s := skipSpace(body)
	s, ok := bytes.CutPrefix(s, []byte("<xml>"))
	if !ok {
		return false
	}
	for {
		s = skipSpace(s)
		if rest, ok := bytes.CutPrefix(s, []byte("</xml>")); ok {
			if len(skipSpace(rest)) > 0 {
				return false
			}
			break
		}
		name, text, rest, ok := scanField(s)
		if !ok {
			return false
		}
		s = rest
		dst := lookup(string(name))
		if dst == nil {
			continue
		}
		for _, f := range fields {
			if f.dst == dst {
				return false
			}
		}
		fields = append(fields, field{dst, text})
	}
	for _, f := range fields {
		*f.dst = string(f.text)
	}
	return true
}

// scanField reads <Name>text</Name> or <Name><![CDATA[text]]></Name> from
// the start of s.
func scanField(s []byte) (name, text, rest []byte, ok bool) {
	if len(s) < 2 || s[0] != '<' {
		return nil, nil, nil, false
	}
	end := bytes.IndexByte(s, '>')
	if end < 0 || !plainName(s[1:end]) {
		return nil, nil, nil, false
	}
	name, s = s[1:end], s[end+1:]
	if cdata, ok := bytes.CutPrefix(s, []byte("<![CDATA[")); ok {
		end = bytes.Index(cdata, []byte("]]>"))
		if end < 0 {
			return nil, nil, nil, false
		}
		text, s = cdata[:end], cdata[end+3:]
	} else {
		end = bytes.IndexByte(s, '<')
		if end < 0 {
			return nil, nil, nil, false
		}
		// '&' starts a reference, ']' may start "]]>", which text must not hold.
		text, s = s[:end], s[end:]
		if bytes.ContainsAny(text, "&]") {
			return nil, nil, nil, false
		}
	}
	if !plainText(text) || len(s) < len(name)+3 || s[0] != '<' || s[1] != '/' ||
		!bytes.Equal(s[2:2+len(name)], name) || s[2+len(name)] != '>' {
		return nil, nil, nil, false
	}
	return name, text, s[len(name)+3:], true
}

// plainName is an element name of ASCII letters, digits and underscores
// that does not start with a digit, with no namespace prefix.
func plainName(b []byte) bool {
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// plainText is valid UTF-8 of characters XML allows, without the carriage
// returns an XML reader turns into line feeds.
func plainText(b []byte) bool {
	for len(b) > 0 {
		if c := b[0]; c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 || r >= 0xFFFE && r <= 0xFFFF || r >= 0xD800 && r <= 0xDFFF {
			return false
		}
		b = b[size:]
	}
	return true
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}
