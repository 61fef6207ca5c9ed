package docread

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// furniturePage is a scraped page with the chrome of a typical Chinese
// government site around a short document.
const furniturePage = `<!DOCTYPE html>
<html><head><meta charset="gbk"><title>关于印发优化营商环境工作方案的通知_某某县人民政府</title>
<script>var share = "分享到微信";</script><style>.x{color:red}</style></head>
<body>
<div class="top"><a href="#">关怀版</a> | <a href="#">无障碍</a></div>
<nav><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/zwfw">政务服务</a></nav>
<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a>政务公开</a> &gt; <a>政策文件</a></div>
<div class="article">
<h1>关于印发优化营商环境工作方案的通知</h1>
<div class="info">发布时间:2023-03-08 09:30 &nbsp; 来源:县政府办公室 &nbsp; 浏览次数:<span>128</span></div>
<div class="font">【字体:<a>大</a> <a>中</a> <a>小</a>】</div>
<p>各乡镇人民政府,县直各单位:</p>
<p>现将《优化营商环境工作方案》印发给你们,请认真贯彻执行。</p>
<p>一、总体要求</p>
<p>1.大力推进政务服务&ldquo;网上办&rdquo;。</p>
<p>2.持续深化政务服务标准化建设。</p>
<div class="share">分享到:<a>微信</a><a>微博</a></div>
<div class="tools">【<a>打印本页</a>】【<a>关闭窗口</a>】</div>
</div>
<footer>版权所有:某某县人民政府 网站标识码:1234567890</footer>
</body></html>`

func TestRead(t *testing.T) {
	gbkText := encode(t, simplifiedchinese.GB18030, sampleText)
	utf16 := encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), sampleText)
	gbkPage := encode(t, simplifiedchinese.GB18030, furniturePage)
	sampleLines := cleanLines(sampleText)
	tests := []struct {
		name          string
		file          string
		data          []byte
		wantFormat    string
		wantEncoding  string
		wantLines     []string
		wantPublished string
		wantSource    string
		wantRemoved   int
	}{
		{"utf-8 text", "a.txt", []byte(sampleText), FormatText, "utf-8", sampleLines, "", "", 0},
		{"utf-8 BOM text", "a.txt", append([]byte{0xEF, 0xBB, 0xBF}, sampleText...), FormatText, "utf-8", sampleLines, "", "", 0},
		{"gbk text", "a.txt", gbkText, FormatText, "gb18030", sampleLines, "", "", 0},
		{"utf-16le BOM text", "a.txt", utf16, FormatText, "utf-16le", sampleLines, "", "", 0},
		{
			"gbk html page with furniture", "page.html", gbkPage, FormatHTML, "gb18030",
			[]string{
				"关于印发优化营商环境工作方案的通知",
				"各乡镇人民政府,县直各单位:",
				"现将《优化营商环境工作方案》印发给你们,请认真贯彻执行。",
				"一、总体要求",
				"1.大力推进政务服务“网上办”。",
				"2.持续深化政务服务标准化建设。",
			},
			"2023-03-08", "县政府办公室", 6,
		},
		{"html sniffed despite .txt", "page.txt", []byte("<p>正文</p>"), FormatHTML, "utf-8", []string{"正文"}, "", "", 0},
		{"html by extension", "frag.htm", []byte("<span>正文</span>"), FormatHTML, "utf-8", []string{"正文"}, "", "", 0},
		{"docx sniffed despite .txt", "a.txt", makeDocx(t, para(wt("正文"))), FormatDocx, "utf-8", []string{"正文"}, "", "", 0},
		{"html saved as .doc", "a.doc", []byte("<html><body><p>正文</p></body></html>"), FormatHTML, "utf-8", []string{"正文"}, "", "", 0},
		{"Windows path", `C:\docs\方案.TXT`, []byte("正文"), FormatText, "utf-8", []string{"正文"}, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Read(tt.file, tt.data, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Name != tt.file || doc.Format != tt.wantFormat || doc.Encoding != tt.wantEncoding {
				t.Errorf("name, format, encoding = %q, %q, %q", doc.Name, doc.Format, doc.Encoding)
			}
			if !slices.Equal(doc.Lines, tt.wantLines) {
				t.Errorf("lines =\n%q\nwant\n%q", doc.Lines, tt.wantLines)
			}
			if doc.Published != tt.wantPublished || doc.Source != tt.wantSource {
				t.Errorf("published, source = %q, %q", doc.Published, doc.Source)
			}
			if len(doc.Removed) != tt.wantRemoved {
				t.Errorf("removed %d lines, want %d: %q", len(doc.Removed), tt.wantRemoved, doc.Removed)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name    string
		file    string
		data    []byte
		limit   int64
		wantErr error
		wantMsg string
	}{
		{"oversized", "big.txt", []byte(strings.Repeat("营", 1000)), 1000, ErrTooLarge, "(3000 bytes) exceeds the limit of 1000 bytes"},
		{"empty", "a.txt", nil, 1 << 20, ErrEmpty, "empty"},
		{"whitespace only", "a.txt", []byte(" \r\n\t \n"), 1 << 20, ErrEmpty, "whitespace"},
		{"invisible only", "a.txt", []byte("\u3000\u200b\u00a0\n"), 1 << 20, ErrEmpty, "whitespace"},
		{"BOM only", "a.txt", []byte{0xEF, 0xBB, 0xBF}, 1 << 20, ErrEmpty, ""},
		{"utf-16 whitespace", "a.txt", []byte{0xFF, 0xFE, ' ', 0, '\n', 0}, 1 << 20, ErrEmpty, ""},
		{"page without text", "a.html", []byte("<html><body><script>x()</script></body></html>"), 1 << 20, ErrEmpty, "no visible text"},
		{"page of furniture only", "a.txt", []byte("关怀版\n无障碍\n分享\n"), 1 << 20, ErrEmpty, "furniture"},
		{"legacy doc", "a.doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...), 1 << 20, ErrUnsupported, "save as .docx"},
		{"pdf", "a.pdf", []byte("%PDF-1.7\n..."), 1 << 20, ErrUnsupported, "PDF"},
		{"rtf", "a.rtf", []byte(`{\rtf1\ansi 正文}`), 1 << 20, ErrUnsupported, "RTF"},
		{"binary garbage", "a.txt", garbage, 1 << 20, ErrUnsupported, "binary"},
		{"corrupt docx", "a.docx", []byte("PK\x03\x04 this is no zip"), 1 << 20, ErrCorrupt, "zip"},
		{"encrypted docx", "a.docx", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...), 1 << 20, ErrUnsupported, "password"},
		{"damaged zip", "a.zip", []byte("PK\x03\x04 this is no zip"), 1 << 20, ErrUnsupported, "only Word .docx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Read(tt.file, tt.data, tt.limit)
			if doc != nil {
				t.Errorf("got a document with an error: %+v", doc)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestReadDefaultLimit(t *testing.T) {
	if _, err := Read("a.txt", []byte("正文"), 0); err != nil {
		t.Fatalf("limit 0 should mean DefaultLimit: %v", err)
	}
}

// readSeed reads one of the sample documents shipped with the product.
func readSeed(t testing.TB, prefix string) (raw []string, doc *Doc) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "seeds", prefix+"_*.txt"))
	if err != nil || len(files) != 1 {
		t.Fatalf("seed %s: %v %v", prefix, files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	doc, err = Read(filepath.Base(files[0]), data, DefaultLimit)
	if err != nil {
		t.Fatal(err)
	}
	return cleanLines(string(data)), doc
}

var numberedItem = regexp.MustCompile(`^\d+\.`)

func countNumbered(lines []string) int {
	n := 0
	for _, l := range lines {
		if numberedItem.MatchString(l) {
			n++
		}
	}
	return n
}

func TestReadSeeds(t *testing.T) {
	tests := []struct {
		seed          string
		wantPublished string
		wantSource    string
		wantTitle     string   // must be kept
		wantRemoved   []string // exactly these lines are furniture
		minNumbered   int      // lines starting "12." in the sample
	}{
		{
			seed:          "000",
			wantPublished: "2022-04-14",
			wantTitle:     "2022年红谷滩区关于深入推进优化营商环境“一号改革工程”全力打造区域性标杆城区行动方案",
			wantRemoved: []string{
				"关怀版", "无障碍", "当前位置: 首页 > 专题专栏 > 优化营商环境 > 政策文件",
				"发布时间:2022-04-14 16:32:00 来源: 浏览量: 字体:", "分享", "打印此页|关闭窗口",
			},
			minNumbered: 36,
		},
		{
			seed:          "003",
			wantPublished: "2021-05-25",
			wantSource:    "朝阳区政府办",
			wantTitle:     "【朝府办】关于印发2021年朝阳区优化营商环境专项攻坚行动工作方案的通知",
			wantRemoved: []string{
				"您当前的位置: 首页 > 政务公开 > 决策公开 > 政府文件",
				"时间:2021-05-25 11:12 来源:朝阳区政府办", "【字体: 打印",
				"政策解读:《2021年朝阳区优化营商环境专项攻坚行动工作方案》政策解读",
			},
			minNumbered: 47,
		},
		{seed: "001", wantTitle: "关于以市场主体需求为导向 打造一流营商环境的实施方案", minNumbered: 55},
		{seed: "002", wantTitle: "打造独具徐州特色的营商模式"},
		{seed: "004", wantTitle: "河池市2024年优化营商环境工作要点"},
	}
	for _, tt := range tests {
		t.Run(tt.seed, func(t *testing.T) {
			raw, doc := readSeed(t, tt.seed)
			if doc.Format != FormatText || doc.Encoding != "utf-8" {
				t.Errorf("format, encoding = %q, %q", doc.Format, doc.Encoding)
			}
			if doc.Published != tt.wantPublished || doc.Source != tt.wantSource {
				t.Errorf("published, source = %q, %q; want %q, %q", doc.Published, doc.Source, tt.wantPublished, tt.wantSource)
			}
			if !slices.Equal(doc.Removed, tt.wantRemoved) {
				t.Errorf("removed =\n%q\nwant\n%q", doc.Removed, tt.wantRemoved)
			}
			if !slices.Contains(doc.Lines, tt.wantTitle) {
				t.Errorf("title %q lost", tt.wantTitle)
			}
			// Everything that is not furniture is kept, in order.
			want := slices.DeleteFunc(slices.Clone(raw), func(l string) bool { return slices.Contains(tt.wantRemoved, l) })
			if !slices.Equal(doc.Lines, want) {
				t.Errorf("content lines changed: got %d lines, want %d", len(doc.Lines), len(want))
			}
			if got, want := countNumbered(doc.Lines), countNumbered(raw); got != want || want < tt.minNumbered {
				t.Errorf("numbered items: %d kept of %d, want at least %d", got, want, tt.minNumbered)
			}
		})
	}
}

// TestReadSeedsReencoded feeds the seeds as GBK, UTF-16 and HTML, as other
// deployments will, and expects the same lines.
func TestReadSeedsReencoded(t *testing.T) {
	for _, seed := range []string{"000", "001", "002", "003", "004"} {
		_, want := readSeed(t, seed)
		files, _ := filepath.Glob(filepath.Join("..", "..", "seeds", seed+"_*.txt"))
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		variants := []struct {
			name, file, enc string
			data            []byte
		}{
			{"gbk", "a.txt", "gb18030", encode(t, simplifiedchinese.GB18030, string(data))},
			{"utf-16le", "a.txt", "utf-16le", encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), string(data))},
			{"crlf", "a.txt", "utf-8", []byte(strings.ReplaceAll(string(data), "\n", "\r\n"))},
		}
		for _, v := range variants {
			t.Run(seed+"/"+v.name, func(t *testing.T) {
				doc, err := Read(v.file, v.data, DefaultLimit)
				if err != nil {
					t.Fatal(err)
				}
				if doc.Encoding != v.enc || !slices.Equal(doc.Lines, want.Lines) || doc.Published != want.Published {
					t.Errorf("encoding %q, %d lines (want %d), published %q", doc.Encoding, len(doc.Lines), len(want.Lines), doc.Published)
				}
			})
		}
	}
}

// errSentinels are the errors every failure of Read must wrap.
func errSentinels() []error {
	return []error{ErrTooLarge, ErrEmpty, ErrUnsupported, ErrCorrupt, ErrUnknownEncoding}
}

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "seeds", "*.txt"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add("seed.txt", data[:min(len(data), 4096)])
		}
	}
	f.Add("page.html", []byte(furniturePage))
	f.Add("page.html", encode(f, simplifiedchinese.GB18030, furniturePage))
	f.Add("a.docx", makeDocx(f, para(wt("一、总体要求"), `<w:tab/>`, wt("正文"), `<w:br/>`, wt("第二行"))))
	f.Add("a.txt", encode(f, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), sampleText))
	f.Add("a.doc", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add("a.txt", []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		doc, err := Read(name, data, 1<<20)
		if err != nil {
			if doc != nil {
				t.Fatal("document returned with an error")
			}
			if !slices.ContainsFunc(errSentinels(), func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if len(doc.Lines) == 0 {
			t.Fatal("no lines and no error")
		}
		for _, l := range append(slices.Clone(doc.Lines), doc.Removed...) {
			if !utf8.ValidString(l) || l == "" || strings.TrimSpace(l) != l || strings.Contains(l, "\n") {
				t.Fatalf("bad line %q", l)
			}
		}
		for _, s := range []string{doc.Published, doc.Source, doc.Encoding} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in metadata %q", s)
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("..", "..", "seeds", "*.txt"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no seeds: %v", err)
	}
	var docs [][]byte
	total := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
		total += len(data)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range docs {
			if _, err := Read("seed.txt", data, DefaultLimit); err != nil {
				b.Fatal(err)
			}
		}
	}
}
