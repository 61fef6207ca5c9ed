package docread

import (
	"archive/zip"
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
)

// makeZip builds an archive from name/content pairs, in order.
func makeZip(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wordXML wraps body markup in a WordprocessingML document.
func wordXML(body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"` +
		` xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"` +
		` xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"` +
		` xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:body>` +
		body + `<w:sectPr><w:pgSz w:w="11906"/></w:sectPr></w:body></w:document>`
}

// makeDocx builds a minimal .docx around body markup.
func makeDocx(t testing.TB, body string) []byte {
	t.Helper()
	return makeZip(t,
		"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml", wordXML(body))
}

func para(runs ...string) string {
	var b strings.Builder
	b.WriteString(`<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>`)
	for _, r := range runs {
		b.WriteString(`<w:r><w:rPr><w:b/></w:rPr>` + r + `</w:r>`)
	}
	b.WriteString(`</w:p>`)
	return b.String()
}

func wt(s string) string { return `<w:t xml:space="preserve">` + s + `</w:t>` }

func TestDocxParagraphs(t *testing.T) {
	table := `<w:tbl><w:tr><w:tc>` + para(wt("牵头单位")) + `</w:tc><w:tc>` + para(wt("区政数局")) + para(wt("区财政局")) + `</w:tc></w:tr></w:tbl>`
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"paragraphs and runs", para(wt("一、"), wt("总体要求")) + para(wt("正文")), []string{"一、总体要求", "正文"}},
		{"tab is a space", para(wt("组长"), `<w:tab/>`, wt("胡澜")), []string{"组长 胡澜"}},
		{"break splits the line", para(wt("第一行"), `<w:br/>`, wt("第二行")), []string{"第一行", "第二行"}},
		{"table cells are lines", table, []string{"牵头单位", "区政数局", "区财政局"}},
		{"entities decoded", para(wt("A&amp;B &lt;C&gt;")), []string{"A&B <C>"}},
		{"deleted text skipped", para(wt("保留"), `<w:delText>删除</w:delText>`), []string{"保留"}},
		{"field instructions skipped", para(`<w:instrText> HYPERLINK "x" </w:instrText>`, wt("链接")), []string{"链接"}},
		{"no-break hyphen", para(wt("2021"), `<w:noBreakHyphen/>`, wt("2025")), []string{"2021-2025"}},
		{"text box read once", `<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>` +
			para(wt("框内")) + `</w:txbxContent></wps:txbx><a:t>图形</a:t></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` +
			para(wt("框内")) + `</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>` + `<w:r>` + wt("框外") + `</w:r></w:p>`,
			[]string{"框内", "框外"}},
		{"full-width folded", para(wt("(一)ABC")), []string{"(一)ABC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Read("a.docx", makeDocx(t, tt.body), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Format != FormatDocx || doc.Encoding != "utf-8" {
				t.Errorf("format, encoding = %q, %q", doc.Format, doc.Encoding)
			}
			if !slices.Equal(doc.Lines, tt.want) {
				t.Errorf("lines = %q, want %q", doc.Lines, tt.want)
			}
		})
	}
}

func TestDocxUTF16(t *testing.T) {
	x := strings.Replace(wordXML(para(wt("优化营商环境"))), `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
	enc, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String(x)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Read("a.docx", makeZip(t, "word/document.xml", enc), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(doc.Lines, []string{"优化营商环境"}) || doc.Encoding != "utf-16le" {
		t.Errorf("lines = %q, encoding %q", doc.Lines, doc.Encoding)
	}
}

func TestDocxErrors(t *testing.T) {
	valid := makeDocx(t, para(wt("正文")))
	truncated := valid[:len(valid)/2]
	bomb := makeDocx(t, para(wt(strings.Repeat("营", 400_000)))) // ~1.2 MB of XML, a few KB zipped
	tests := []struct {
		name    string
		file    string
		data    []byte
		limit   int64
		wantErr error
		wantMsg string
	}{
		{"not a zip", "a.docx", []byte("这不是一个 zip 文件"), 1 << 20, ErrCorrupt, "not a zip archive"},
		{"truncated zip", "a.docx", truncated, 1 << 20, ErrCorrupt, "zip container"},
		{"no document part", "a.docx", makeZip(t, "word/other.xml", "<x/>"), 1 << 20, ErrCorrupt, "word/document.xml"},
		{"other zip", "book.xlsx", makeZip(t, "xl/workbook.xml", "<x/>"), 1 << 20, ErrUnsupported, "not a Word"},
		{"malformed XML", "a.docx", makeZip(t, "word/document.xml", wordXML(`<w:p><w:t>未闭合</w:p>`)), 1 << 20, ErrCorrupt, "not readable XML"},
		{"zip bomb", "a.docx", bomb, 16 << 10, ErrTooLarge, "zip bomb"},
		{"no text", "a.docx", makeDocx(t, para()), 1 << 20, ErrEmpty, "no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if int64(len(tt.data)) > tt.limit {
				t.Fatalf("fixture of %d bytes exceeds its limit %d", len(tt.data), tt.limit)
			}
			_, err := Read(tt.file, tt.data, tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestCappedReader(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		cap     int64
		wantErr bool
	}{
		{"under", 10, 20, false},
		{"exactly at the cap", 20, 20, false},
		{"over", 21, 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := out.ReadFrom(&cappedReader{r: bytes.NewReader(make([]byte, tt.size)), left: tt.cap})
			if gotErr := errors.Is(err, errExpanded); gotErr != tt.wantErr {
				t.Errorf("err = %v, want expanded error %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzDocxXML(f *testing.F) {
	f.Add(wordXML(para(wt("一、总体要求"), `<w:tab/>`, wt("正文"), `<w:br/>`, wt("第二行"))))
	f.Add(wordXML(`<w:tbl><w:tr><w:tc>` + para(wt("单元格")) + `</w:tc></w:tr></w:tbl>`))
	f.Add(wordXML(`<w:p><w:r><mc:AlternateContent><mc:Fallback>` + para(wt("x")) + `</mc:Fallback></mc:AlternateContent></w:r></w:p>`))
	f.Fuzz(func(t *testing.T, x string) {
		doc, err := Read("a.docx", makeZip(t, "word/document.xml", x), 1<<20)
		if err != nil {
			if doc != nil || !slices.ContainsFunc(errSentinels(), func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		for _, l := range doc.Lines {
			if !utf8.ValidString(l) || l == "" {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}
