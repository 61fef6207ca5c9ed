package docread

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExtractHTML(t *testing.T) {
	tests := []struct {
		name      string
		page      string
		want      []string // lines, in order, after cleanLines
		wantTitle string
	}{
		{
			name: "blocks and inline",
			page: `<body><h1>标题</h1><p>第一段<b>加粗</b>文字</p><div>第二段<br>换行</div><ul><li>甲</li><li>乙</li></ul></body>`,
			want: []string{"标题", "第一段加粗文字", "第二段", "换行", "甲", "乙"},
		},
		{
			name: "chrome and code dropped",
			page: `<body><nav>首页 政务公开</nav><header>网站名称</header><script>var a="正文";</script>` +
				`<style>p{}</style><noscript>请启用脚本</noscript><form><select><option>选项</option></select><button>搜索</button></form>` +
				`<aside>热点</aside><iframe>框架</iframe><svg><text>图</text></svg><p>正文</p><footer>版权所有</footer></body>`,
			want: []string{"正文"},
		},
		{
			name: "article header and footer kept",
			page: `<body><header>站点</header><article><header><h1>关于印发方案的通知</h1></header><p>正文</p><footer>(此件公开发布)</footer></article></body>`,
			want: []string{"关于印发方案的通知", "正文", "(此件公开发布)"},
		},
		{
			name: "hidden elements dropped",
			page: `<body><div hidden>隐藏</div><div style="display: none">也隐藏</div><p>可见</p></body>`,
			want: []string{"可见"},
		},
		{
			name: "table cells are lines",
			page: `<table><tr><th>序号</th><th>任务</th></tr><tr><td>1</td><td>推进“网上办”</td></tr></table>`,
			want: []string{"序号", "任务", "1", "推进“网上办”"},
		},
		{
			name: "entities and nbsp",
			page: `<p>A&amp;B&nbsp;&nbsp;&lt;C&gt;&ldquo;D&rdquo;</p>`,
			want: []string{"A&B <C>“D”"},
		},
		{
			name: "source line break joins Chinese, spaces Latin",
			page: "<p>优化营商\n  环境 and\nmore</p>",
			want: []string{"优化营商环境 and more"},
		},
		{
			name: "pre keeps lines",
			page: "<pre>第一行\n第二行</pre>",
			want: []string{"第一行", "第二行"},
		},
		{
			name:      "title with site suffix",
			page:      `<html><head><title>关于印发方案的通知_某某区人民政府</title></head><body><p>正文</p></body></html>`,
			want:      []string{"正文"},
			wantTitle: "关于印发方案的通知",
		},
		{
			name:      "ArticleTitle meta preferred",
			page:      `<html><head><title>某某区人民政府</title><meta name="ArticleTitle" content="工作要点"></head><body><p>正文</p></body></html>`,
			want:      []string{"正文"},
			wantTitle: "工作要点",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractHTML(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if lines := cleanLines(got.body); !slices.Equal(lines, tt.want) {
				t.Errorf("lines = %q, want %q", lines, tt.want)
			}
			if got.title != tt.wantTitle {
				t.Errorf("title = %q, want %q", got.title, tt.wantTitle)
			}
		})
	}
}

func TestExtractHTMLMeta(t *testing.T) {
	page := `<html><head><meta name="PubDate" content="2023-7-5 09:00"><meta name="ContentSource" content="市发展改革委"></head><body><p>正文</p></body></html>`
	got, err := extractHTML(page)
	if err != nil {
		t.Fatal(err)
	}
	if got.meta.published != "2023-07-05" || got.meta.source != "市发展改革委" {
		t.Errorf("meta = %+v", got.meta)
	}
}

func TestExtractHTMLDeepNesting(t *testing.T) {
	tests := []struct {
		name    string
		depth   int
		wantErr bool
	}{
		{"deep but parseable", 400, false},
		{"beyond the parser's limit", 100000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := strings.Repeat("<div>", tt.depth) + "深处" + strings.Repeat("</div>", tt.depth)
			got, err := extractHTML(page)
			if tt.wantErr {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("err = %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.body, "深处") {
				t.Errorf("text lost in deep nesting")
			}
		})
	}
}

func TestWithTitle(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		title string
		want  []string
	}{
		{"missing title added", []string{"正文"}, "标题", []string{"标题", "正文"}},
		{"present title not repeated", []string{"关于 印发的通知", "正文"}, "关于印发的通知", []string{"关于 印发的通知", "正文"}},
		{"no title", []string{"正文"}, "", []string{"正文"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withTitle(tt.lines, tt.title); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLooksLikeHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"doctype", "<!DOCTYPE html><html>", true},
		{"upper-case body", "\n  <BODY>", true},
		{"fragment p", "<p>正文</p>", true},
		{"div with attributes", `<div class="x">`, true},
		{"plain text", "一、总体要求\n1.推进改革。", false},
		{"pre is not p", "<pre>x</pre>", false},
		{"angle brackets in prose", "a < b > c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeHTML([]byte(tt.in)); got != tt.want {
				t.Errorf("looksLikeHTML(%q) = %v", tt.in, got)
			}
		})
	}
}
