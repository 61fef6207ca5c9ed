package docread

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Encoding names reported in Doc.Encoding.
const (
	encUTF8    = "utf-8"
	encGB18030 = "gb18030"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encUTF32LE = "utf-32le"
	encUTF32BE = "utf-32be"
)

// decodeText turns the bytes of a text or HTML file into UTF-8. The order
// of evidence, strongest first:
//
//  1. a byte-order mark (UTF-8, UTF-16, UTF-32, GB18030);
//  2. UTF-16 without BOM, recognised by the zero bytes of its ASCII
//     characters falling on one parity only, and kept only when the
//     result reads as text;
//  3. valid UTF-8 (a multi-byte sequence cut off by truncation at the very
//     end is tolerated and dropped);
//  4. damaged UTF-8: at least 99% of the non-ASCII bytes form valid
//     sequences; the rest become U+FFFD rather than failing the file;
//  5. for HTML, a <meta charset> / content="…charset=…" declaration,
//     honoured when its decoding is clean;
//  6. GB18030 (a superset of GBK and GB2312), accepted when the result is
//     plausible Chinese text (at most one U+FFFD per thousand non-ASCII
//     characters, 90% of them Han or Chinese punctuation) and the bytes do
//     not look like damaged UTF-8;
//  7. a declared charset that decoded cleanly but did not look Chinese.
//
// Anything else is ErrUnknownEncoding. Binary data (NUL or many control
// bytes without a BOM) is ErrUnsupported.
func decodeText(data []byte, html bool) (text, enc string, err error) {
	if text, enc, ok := decodeBOM(data); ok {
		return text, enc, nil
	}
	if text, enc, ok := decodeBOMlessUTF16(data); ok {
		return text, enc, nil
	}
	if isBinary(data) {
		return "", "", fmt.Errorf("%w: binary data (control bytes), not a text, HTML or .docx document", ErrUnsupported)
	}
	if s, ok := validUTF8(data); ok {
		return s, encUTF8, nil
	}
	valid, invalid := utf8Share(data)
	if valid >= 99*invalid {
		return strings.ToValidUTF8(string(data), "\uFFFD"), encUTF8, nil
	}
	var declared string
	var declaredText string
	if html {
		if label := metaCharset(data); label != "" {
			if e, name := lookupCharset(label); e != nil && name != encUTF8 {
				if s, ok := decodeWith(e, data); ok && cleanDecoding(s) {
					if name == encGB18030 || plausibleChinese(s) {
						return s, name, nil
					}
					declared, declaredText = name, s
				}
			}
		}
	}
	// Damaged UTF-8 also decodes as GB18030 without errors (its lead and
	// continuation bytes are valid GBK), so GB18030 is only tried when
	// under 80% of the non-ASCII bytes happen to form UTF-8 sequences. Real
	// GBK text scores about a third; damaged UTF-8 scores above 90%.
	if valid < 4*invalid {
		if s, ok := decodeWith(simplifiedchinese.GB18030, data); ok && plausibleChinese(s) {
			return s, encGB18030, nil
		}
	}
	if declared != "" {
		return declaredText, declared, nil
	}
	pct := 100 * float64(invalid) / float64(valid+invalid)
	return "", "", fmt.Errorf("%w: not UTF-8 (%.0f%% of non-ASCII bytes invalid) and not GB18030/GBK Chinese text; re-save the file as UTF-8", ErrUnknownEncoding, pct)
}

// decodeBOM decodes data whose byte-order mark names its encoding. The
// UTF-32 marks are tested before UTF-16 because FF FE 00 00 starts with FF FE.
func decodeBOM(data []byte) (text, enc string, ok bool) {
	type bom struct {
		mark []byte
		enc  encoding.Encoding
		name string
	}
	boms := []bom{
		{[]byte{0xFF, 0xFE, 0, 0}, utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM), encUTF32LE},
		{[]byte{0, 0, 0xFE, 0xFF}, utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM), encUTF32BE},
		{[]byte{0xEF, 0xBB, 0xBF}, nil, encUTF8},
		{[]byte{0xFF, 0xFE}, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), encUTF16LE},
		{[]byte{0xFE, 0xFF}, xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), encUTF16BE},
		{[]byte{0x84, 0x31, 0x95, 0x33}, simplifiedchinese.GB18030, encGB18030},
	}
	for _, b := range boms {
		if !bytes.HasPrefix(data, b.mark) {
			continue
		}
		if b.enc == nil {
			return strings.ToValidUTF8(string(data[len(b.mark):]), "\uFFFD"), b.name, true
		}
		s, _ := decodeWith(b.enc, data)
		return strings.TrimPrefix(s, "\uFEFF"), b.name, true
	}
	return "", "", false
}

// decodeBOMlessUTF16 recognises UTF-16 saved without a BOM: in Chinese
// text the ASCII characters (digits, newlines, punctuation) have a zero
// high byte, which lands on odd offsets for little-endian and even offsets
// for big-endian, while ordinary text has no NUL bytes at all.
func decodeBOMlessUTF16(data []byte) (text, enc string, ok bool) {
	sample := data[:min(len(data), 4096)]
	if len(sample) < 4 {
		return "", "", false
	}
	var even, odd int
	for i, b := range sample {
		if b != 0 {
			continue
		}
		if i%2 == 0 {
			even++
		} else {
			odd++
		}
	}
	half := len(sample) / 2
	var e encoding.Encoding
	switch {
	case odd*50 >= half && even*2 <= odd:
		e, enc = xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), encUTF16LE
	case even*50 >= half && odd*2 <= even:
		e, enc = xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), encUTF16BE
	default:
		return "", "", false
	}
	s, okd := decodeWith(e, data)
	if !okd || !(plausibleChinese(s) || isPrintableASCII(s)) {
		return "", "", false
	}
	return s, enc, true
}

// isBinary applies the usual heuristic (a NUL byte early on) plus a share
// of control bytes that no text file has.
func isBinary(data []byte) bool {
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	ctrl := 0
	for _, b := range data {
		if b < 0x20 && !isTextControl(b) || b == 0x7F {
			ctrl++
		}
	}
	return ctrl*100 > len(data)
}

// isTextControl reports the control bytes that real text files contain:
// tab, line and page breaks, and the DOS end-of-file and ANSI escape bytes.
func isTextControl(b byte) bool {
	switch b {
	case '\t', '\n', '\v', '\f', '\r', 0x1A, 0x1B:
		return true
	}
	return false
}

// validUTF8 accepts valid UTF-8, tolerating only an incomplete sequence at
// the very end, which is what cutting a file at a byte count produces.
func validUTF8(data []byte) (string, bool) {
	if utf8.Valid(data) {
		return string(data), true
	}
	for k := 1; k <= 3 && k < len(data); k++ {
		head, tail := data[:len(data)-k], data[len(data)-k:]
		if utf8.RuneStart(tail[0]) && tail[0] >= 0xC0 && !utf8.FullRune(tail) && utf8.Valid(head) {
			return string(head), true
		}
	}
	return "", false
}

// utf8Share counts the non-ASCII bytes that belong to valid UTF-8
// sequences and those that do not. ASCII is left out: it is valid in every
// candidate encoding, and an HTML page is mostly ASCII markup.
func utf8Share(data []byte) (valid, invalid int) {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			valid += size
		}
		i += size
	}
	return valid, invalid
}

// metaCharsetRe finds both <meta charset="gbk"> and
// <meta http-equiv="Content-Type" content="text/html; charset=gbk">.
var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// metaCharset returns the charset label declared near the start of an
// HTML page, "" if none. Only the head is scanned, as browsers do.
func metaCharset(data []byte) string {
	head := data[:min(len(data), 8192)]
	m := metaCharsetRe.FindSubmatch(head)
	if m == nil {
		return ""
	}
	return strings.ToLower(string(m[1]))
}

// lookupCharset maps a declared label to a decoder and the name reported
// in Doc.Encoding. GBK and GB2312 are decoded as GB18030, their superset,
// because pages declared as GB2312 routinely use GBK-only characters.
func lookupCharset(label string) (encoding.Encoding, string) {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, ""
	}
	name, err := htmlindex.Name(e)
	if err != nil {
		return nil, ""
	}
	switch name {
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030, encGB18030
	case "utf-8":
		return nil, encUTF8
	}
	return e, name
}

// decodeWith decodes data with e; the x/text decoders substitute U+FFFD
// for malformed input, so an error here means the decoder gave up.
func decodeWith(e encoding.Encoding, data []byte) (string, bool) {
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// cleanDecoding allows a replacement character per thousand non-ASCII
// characters (at least one), so that a file cut in the middle of its last
// character is still read.
func cleanDecoding(s string) bool {
	nonASCII, repl := 0, 0
	for _, r := range s {
		if r >= utf8.RuneSelf {
			nonASCII++
			if r == utf8.RuneError {
				repl++
			}
		}
	}
	return repl <= max(1, nonASCII/1000)
}

// plausibleChinese reports decoded text that reads as Chinese: nearly
// clean, and at least 90% of its non-ASCII characters are Han or the
// punctuation and symbols Chinese documents use. A wrong guess produces
// replacement characters, control characters or scattered rare symbols.
func plausibleChinese(s string) bool {
	if !cleanDecoding(s) || controlShare(s) > 0.01 {
		return false
	}
	nonASCII, common := 0, 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		nonASCII++
		if isChineseTextRune(r) {
			common++
		}
	}
	return nonASCII > 0 && common*10 >= nonASCII*9
}

// isChineseTextRune reports the characters of ordinary Chinese documents.
func isChineseTextRune(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r),
		r >= 0x3000 && r <= 0x303F, // CJK punctuation
		r >= 0xFF00 && r <= 0xFFEF, // full-width forms
		r >= 0x2000 && r <= 0x206F, // general punctuation: “”‘’—…
		r >= 0x2100 && r <= 0x22FF, // ℃ №, Roman numerals, arrows, ≤ ≥
		r >= 0x2460 && r <= 0x24FF, // ①②
		r >= 0x2500 && r <= 0x26FF, // box drawing, ■□◆★
		strings.ContainsRune("\u00a0§©®°±²³·×÷¥", r),
		r >= 0x0391 && r <= 0x03C9, // Greek in formulas
		r >= 0x3200 && r <= 0x33FF: // ㈠ ㎡
		return true
	}
	return false
}

// isPrintableASCII reports text without non-ASCII characters and without
// stray control characters.
func isPrintableASCII(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return controlShare(s) <= 0.01
}

// controlShare is the share of characters that are control characters
// other than line breaks and tabs.
func controlShare(s string) float64 {
	n, ctrl := 0, 0
	for _, r := range s {
		n++
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' && r != '\f' && r != '\v' {
			ctrl++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ctrl) / float64(n)
}
