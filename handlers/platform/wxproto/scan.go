package wxproto

import "strings"

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
// decodeFlat's encoding/xml path wherever it reports true. The body is
// copied into a string once, and names and fields are slices of it.
func scanFlat(body []byte, lookup func(name string) *string) bool {
	type field struct {
		dst  *string
		text string
	}
	var buf [12]field
	fields := buf[:0]
	s, ok := strings.CutPrefix(skipSpace(string(body)), "<xml>")
	if !ok {
		return false
	}
	for {
		s = skipSpace(s)
		if rest, ok := strings.CutPrefix(s, "</xml>"); ok {
			if skipSpace(rest) != "" {
				return false
			}
			break
		}
		name, text, rest, ok := scanField(s)
		if !ok {
			return false
		}
		s = rest
		dst := lookup(name)
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
		*f.dst = f.text
	}
	return true
}

// scanField reads <Name>text</Name> or <Name><![CDATA[text]]></Name> from
// the start of s.
func scanField(s string) (name, text, rest string, ok bool) {
	if len(s) < 2 || s[0] != '<' {
		return "", "", "", false
	}
	end := strings.IndexByte(s, '>')
	if end < 0 || !plainName(s[1:end]) {
		return "", "", "", false
	}
	name, s = s[1:end], s[end+1:]
	if cdata, ok := strings.CutPrefix(s, "<![CDATA["); ok {
		end = strings.Index(cdata, "]]>")
		if end < 0 {
			return "", "", "", false
		}
		text, s = cdata[:end], cdata[end+3:]
	} else {
		end = strings.IndexByte(s, '<')
		if end < 0 {
			return "", "", "", false
		}
		// '&' starts a reference, ']' may start "]]>", which text must not hold.
		text, s = s[:end], s[end:]
		if strings.ContainsAny(text, "&]") {
			return "", "", "", false
		}
	}
	// An XML reader turns carriage returns into line feeds.
	if !xmlChars(text) || strings.IndexByte(text, '\r') >= 0 {
		return "", "", "", false
	}
	rest, ok = strings.CutPrefix(s, "</"+name+">")
	return name, text, rest, ok
}

// plainName is an element name of ASCII letters, digits and underscores
// that does not start with a digit, with no namespace prefix.
func plainName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func skipSpace(s string) string {
	return strings.TrimLeft(s, " \t\n")
}
