package wxapi

import "unicode/utf8"

// MaxTextBytes is the Official Account limit on the Content of a text reply,
// in UTF-8 bytes. Longer replies are rejected by the platform, so cut them
// with TruncateBytes and send the rest another way.
const MaxTextBytes = 2048

// TruncateBytes splits s so that head is at most max bytes and never ends in
// the middle of a UTF-8 sequence; rest is the remainder, so head+rest == s.
// Invalid bytes are treated as one-byte runes and may be cut anywhere.
// A max of zero or less yields an empty head.
func TruncateBytes(s string, max int) (head string, rest string) {
	if max <= 0 {
		return "", s
	}
	if len(s) <= max {
		return s, ""
	}
	cut := runeCut(s, max)
	return s[:cut], s[cut:]
}

// runeCut returns the largest index <= max, with len(s) > max, that does not
// split a valid multi-byte sequence.
func runeCut(s string, max int) int {
	// The sequence straddling max, if any, starts at most UTFMax-1 bytes
	// before it.
	for i := max; i >= 0 && i > max-utf8.UTFMax; i-- {
		if !utf8.RuneStart(s[i]) {
			continue
		}
		if i == max {
			return max
		}
		if _, size := utf8.DecodeRuneInString(s[i:]); i+size > max {
			return i
		}
		return max
	}
	return max
}
