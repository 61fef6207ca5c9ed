package wxproto

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextReply builds the passive text reply. Every string is written as CDATA;
// "]]>" inside it is split across two sections, and characters that XML 1.0
// cannot carry at all (most C0 controls, invalid UTF-8) are dropped or
// replaced with U+FFFD, because the platform answers an unparsable reply
// with a generic error to the user.
func TextReply(to, from string, createTime int64, content string) []byte {
	var b bytes.Buffer
	b.Grow(160 + len(to) + len(from) + len(content))
	b.WriteString("<xml>")
	writeCDATAElement(&b, "ToUserName", to)
	writeCDATAElement(&b, "FromUserName", from)
	b.WriteString("<CreateTime>")
	b.WriteString(strconv.FormatInt(createTime, 10))
	b.WriteString("</CreateTime>")
	writeCDATAElement(&b, "MsgType", "text")
	writeCDATAElement(&b, "Content", content)
	b.WriteString("</xml>")
	return b.Bytes()
}

// EncryptedReply encrypts plaintextXML (for example a TextReply) and wraps it
// in the envelope the platforms expect from a safe-mode or WeCom callback,
// signed with token. timestamp must be decimal Unix seconds; it is usually
// the request's own timestamp.
func EncryptedReply(c *Cipher, token, timestamp, nonce string, plaintextXML []byte) ([]byte, error) {
	if c == nil {
		return nil, errors.New("wxproto: EncryptedReply needs a Cipher")
	}
	if _, err := parseUnixSeconds(timestamp); err != nil {
		return nil, err
	}
	enc, err := c.Encrypt(plaintextXML)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(160 + len(enc) + len(nonce))
	b.WriteString("<xml>")
	writeCDATAElement(&b, "Encrypt", enc)
	writeCDATAElement(&b, "MsgSignature", Sign(token, timestamp, nonce, enc))
	b.WriteString("<TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp>")
	writeCDATAElement(&b, "Nonce", nonce)
	b.WriteString("</xml>")
	return b.Bytes(), nil
}

func writeCDATAElement(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	writeCDATA(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// writeCDATA writes s as one or more CDATA sections that any XML parser
// reads back as s, minus characters XML cannot represent.
func writeCDATA(b *bytes.Buffer, s string) {
	b.WriteString("<![CDATA[")
	if cdataVerbatim(s) {
		b.WriteString(s) // the common case, without decoding rune by rune
	} else {
		writeCDATAContent(b, s)
	}
	b.WriteString("]]>")
}

// cdataVerbatim reports whether s can stand in one CDATA section as it is:
// XML characters only (xmlChars), without "]]>".
func cdataVerbatim(s string) bool {
	return xmlChars(s) && !strings.Contains(s, "]]>")
}

// xmlChars reports whether s is valid UTF-8 of characters in the XML 1.0
// Char production (isXMLChar), without decoding it rune by rune. Valid
// UTF-8 holds no surrogates, so the characters left to rule out are the C0
// controls other than tab, newline and return, and U+FFFE and U+FFFF.
func xmlChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return utf8.ValidString(s) && !strings.Contains(s, "\uFFFE") && !strings.Contains(s, "\uFFFF")
}

// writeCDATAContent writes what goes between the CDATA markers for any s.
func writeCDATAContent(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ']' && hasPrefixAt(s, i, "]]>"):
			// End the section between "]]" and ">" and reopen it.
			b.WriteString("]]]]><![CDATA[>")
			size = 3
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case isXMLChar(r):
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

func hasPrefixAt(s string, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && s[i:i+len(prefix)] == prefix
}

// isXMLChar reports whether r is in the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}
