package docread

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

const sampleText = "一、总体要求\n深入贯彻党的十九届六中全会精神,坚持把优化营商环境作为“一号改革工程”。\n1.大力推进政务服务“网上办”。〔牵头单位:区政数局〕\n"

func encode(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding fixture: %v", err)
	}
	return b
}

func TestDecodeText(t *testing.T) {
	gbk := encode(t, simplifiedchinese.GB18030, sampleText)
	utf16le := encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), sampleText)
	utf16be := encode(t, xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM), sampleText)
	bomless16 := encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), sampleText)
	long := strings.Repeat(sampleText, 20)
	damaged := []byte(long)
	damaged[len(sampleText)+3] = 0xFF // one stray byte in ~2.8 KB of Chinese
	badly := []byte(strings.Repeat("营商环境\xff\xfe", 30))
	gbkPage := append([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body><p>`),
		append(encode(t, simplifiedchinese.GB18030, "优化营商环境"), []byte("</p></body></html>")...)...)
	// A page declared ISO-8859-1 (an old server default) but written in GBK.
	misdeclared := append([]byte(`<html><head><meta charset="iso-8859-1"></head><body><p>`),
		append(encode(t, simplifiedchinese.GB18030, "优化营商环境工作方案"), []byte("</p></body></html>")...)...)
	latin := append([]byte(`<html><head><meta charset="iso-8859-1"></head><body><p>`),
		append(encode(t, charmap.ISO8859_1, "Café déjà vu"), []byte("</p></body></html>")...)...)

	tests := []struct {
		name     string
		data     []byte
		html     bool
		wantEnc  string
		wantText string // substring of the decoded text
		wantErr  error
	}{
		{"utf-8", []byte(sampleText), false, "utf-8", "一号改革工程", nil},
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, sampleText...), false, "utf-8", "一、总体要求", nil},
		{"utf-16le BOM", utf16le, false, "utf-16le", "一号改革工程", nil},
		{"utf-16be BOM", utf16be, false, "utf-16be", "一号改革工程", nil},
		{"utf-16le without BOM", bomless16, false, "utf-16le", "一号改革工程", nil},
		{"gbk", gbk, false, "gb18030", "〔牵头单位:区政数局〕", nil},
		{"gb18030 BOM", append([]byte{0x84, 0x31, 0x95, 0x33}, gbk...), false, "gb18030", "一号改革工程", nil},
		{"truncated utf-8 tail", []byte(sampleText + "营")[:len(sampleText)+2], false, "utf-8", "一号改革工程", nil},
		{"utf-8 with a stray byte", damaged, false, "utf-8", "\uFFFD", nil},
		{"html meta gb2312", gbkPage, true, "gb18030", "优化营商环境", nil},
		{"html misdeclared latin-1", misdeclared, true, "gb18030", "优化营商环境工作方案", nil},
		{"html latin-1", latin, true, "windows-1252", "Café", nil},
		{"badly damaged utf-8", badly, false, "", "", ErrUnknownEncoding},
		{"binary", []byte("\x00\x01\x02PK garbage\x00"), false, "", "", ErrUnsupported},
		{"latin-1 without declaration", encode(t, charmap.ISO8859_1, "déjà vu ÿ"), false, "", "", ErrUnknownEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, enc, err := decodeText(tt.data, tt.html)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if enc != tt.wantEnc {
				t.Errorf("encoding = %q, want %q", enc, tt.wantEnc)
			}
			if !strings.Contains(text, tt.wantText) {
				t.Errorf("decoded text lacks %q:\n%s", tt.wantText, text)
			}
			if strings.HasPrefix(text, "\uFEFF") {
				t.Errorf("BOM left in text")
			}
		})
	}
}

func TestDecodeUTF8NotMistakenForGBK(t *testing.T) {
	// UTF-8 Chinese decodes as GB18030 without errors, producing mojibake;
	// damaged UTF-8 must therefore never be handed to GB18030.
	s := strings.Repeat("优化营商环境", 10)
	b := []byte(s)
	b[5] = 0xFF
	text, enc, err := decodeText(b, false)
	if err == nil && enc == encGB18030 {
		t.Fatalf("damaged UTF-8 decoded as GB18030: %q", text)
	}
}
