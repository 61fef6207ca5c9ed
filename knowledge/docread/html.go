package docread

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// htmlText is what a page yields: its visible text with line breaks at
// block boundaries, a candidate title, and the metadata of its head.
type htmlText struct {
	body  string
	title string
	meta  pageMeta
}

// htmlSniffRe recognises markup near the start of a file: the tags a saved
// page or an HTML fragment begins with.
var htmlSniffRe = regexp.MustCompile(`(?i)<(?:!doctype\s+html|html|head|body|meta|title|p|div|table|br)[\s/>]`)

// looksLikeHTML reports markup in the first kilobyte. It works on raw
// bytes of any ASCII-compatible encoding as well as on decoded text.
func looksLikeHTML(data []byte) bool {
	return htmlSniffRe.Match(data[:min(len(data), 1024)])
}

// extractHTML renders the visible text of a page. The parser refuses
// pages nested more than 512 elements deep; the walk itself is iterative
// and keeps no per-level state beyond two counters.
func extractHTML(src string) (htmlText, error) {
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return htmlText{}, fmt.Errorf("%w: malformed HTML (%v)", ErrUnsupported, err)
	}
	w := &htmlWalker{}
	for n := root; n != nil; {
		if w.enter(n) && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != nil {
			w.leave(n)
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
	title := w.articleTitle
	if title == "" {
		title = siteTitle(w.title)
	}
	return htmlText{body: w.out.String(), title: title, meta: w.meta}, nil
}

// htmlWalker accumulates text while the tree is walked. Depth counters
// rather than ancestor lookups keep the walk linear.
type htmlWalker struct {
	out          textSink
	pre          int // depth inside <pre>/<textarea>: whitespace is kept
	article      int // depth inside <article>/<main>: header/footer belong to the text
	title        string
	articleTitle string
	meta         pageMeta
}

// enter handles the start of n and reports whether its children are to be
// visited.
func (w *htmlWalker) enter(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		w.out.text(n.Data, w.pre > 0)
		return false
	case html.ElementNode:
	default:
		return n.Type == html.DocumentNode
	}
	if n.Data == "head" {
		w.readHead(n)
		return false
	}
	if w.skipped(n) {
		return false
	}
	switch n.Data {
	case "pre", "textarea", "listing", "plaintext":
		w.pre++
	case "article", "main":
		w.article++
	}
	if isBlock(n.Data) {
		w.out.lineBreak()
	}
	return true
}

// leave handles the end of n; skipped elements produce nothing.
func (w *htmlWalker) leave(n *html.Node) {
	if n.Type != html.ElementNode || n.Data == "head" || w.skipped(n) {
		return
	}
	switch n.Data {
	case "pre", "textarea", "listing", "plaintext":
		w.pre--
	case "article", "main":
		w.article--
	}
	if isBlock(n.Data) {
		w.out.lineBreak()
	}
}

// skipped reports elements whose content is not document text: code,
// embedded objects, forms, and the navigation and page chrome of a site.
// A header or footer inside an article or main element is the article's
// own (title, date line) and is kept. Hidden elements are skipped too.
// The answer depends only on n and on counters that are the same at its
// start and end, so enter and leave agree.
func (w *htmlWalker) skipped(n *html.Node) bool {
	switch n.Data {
	case "script", "style", "noscript", "template", "iframe", "frame", "frameset",
		"object", "embed", "canvas", "svg", "math", "video", "audio",
		"nav", "aside", "form", "button", "select", "textarea", "input", "menu":
		return true
	case "header", "footer":
		if w.article == 0 {
			return true
		}
	}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "hidden":
			return true
		case "style":
			st := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// readHead takes the title and the metadata that Chinese government sites
// publish in <meta> tags (ArticleTitle, PubDate, ContentSource, as the
// national website guidelines ask).
func (w *htmlWalker) readHead(head *html.Node) {
	for c := head.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.Data {
		case "title":
			if c.FirstChild != nil && c.FirstChild.Type == html.TextNode {
				w.title = c.FirstChild.Data
			}
		case "meta":
			w.readMeta(c)
		}
	}
}

func (w *htmlWalker) readMeta(m *html.Node) {
	var name, content string
	for _, a := range m.Attr {
		switch strings.ToLower(a.Key) {
		case "name", "property":
			name = strings.ToLower(a.Val)
		case "content":
			content = strings.TrimSpace(a.Val)
		}
	}
	switch name {
	case "articletitle":
		w.articleTitle = content
	case "pubdate", "publishdate", "firstpublishedtime", "article:published_time":
		if w.meta.published == "" {
			w.meta.published = findDate(content)
		}
	case "contentsource", "source":
		if w.meta.source == "" {
			w.meta.source = cleanLine(content)
		}
	}
}

// siteTitle removes the site name that <title> usually appends or
// prepends ("关于…的通知_某某区人民政府"), keeping the longest part.
func siteTitle(t string) string {
	t = cleanLine(t)
	best := ""
	for _, part := range strings.FieldsFunc(strings.NewReplacer(" - ", "_", " – ", "_", " — ", "_", "|", "_").Replace(t), func(r rune) bool { return r == '_' }) {
		part = strings.TrimSpace(part)
		if utf8.RuneCountInString(part) > utf8.RuneCountInString(best) {
			best = part
		}
	}
	return best
}

// withTitle puts the page title first when the body does not already
// contain it: pages whose <h1> is an image or lives in a skipped header
// would otherwise lose their title.
func withTitle(lines []string, title string) []string {
	if title == "" {
		return lines
	}
	key := strings.ReplaceAll(title, " ", "")
	for _, l := range lines {
		if strings.Contains(strings.ReplaceAll(l, " ", ""), key) {
			return lines
		}
	}
	return append([]string{title}, lines...)
}

// isBlock reports the elements that start a new line. Table cells are
// included so that each cell reads as its own line, as in .docx.
func isBlock(tag string) bool {
	switch tag {
	case "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th",
		"table", "thead", "tbody", "tfoot", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
		"section", "article", "main", "header", "footer", "blockquote", "pre", "hr",
		"address", "center", "figure", "figcaption", "details", "summary", "fieldset",
		"legend", "body", "html", "listing", "plaintext":
		return true
	}
	return false
}

// textSink collects text with HTML whitespace rules: runs of whitespace
// become one space, except that a source line break between two Chinese
// characters disappears (CSS segment-break rule), since editors wrap
// Chinese text anywhere.
type textSink struct {
	b         strings.Builder
	pending   bool // whitespace seen since the last character
	pendingNL bool // ... and it contained a line break
	last      rune
}

func (s *textSink) text(data string, pre bool) {
	for _, r := range data {
		if pre {
			s.write(r)
			continue
		}
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			s.pending = true
			s.pendingNL = s.pendingNL || r == '\n' || r == '\r'
			continue
		}
		if s.pending && s.last != 0 && s.last != '\n' && !(s.pendingNL && isWide(s.last) && isWide(r)) {
			s.b.WriteByte(' ')
		}
		s.write(r)
	}
}

func (s *textSink) write(r rune) {
	s.b.WriteRune(r)
	s.last = r
	s.pending, s.pendingNL = false, false
}

// lineBreak ends the current line; consecutive breaks collapse since empty
// lines are dropped later anyway.
func (s *textSink) lineBreak() {
	if s.last != '\n' && s.last != 0 {
		s.write('\n')
	}
	s.pending, s.pendingNL = false, false
}

func (s *textSink) String() string { return s.b.String() }

// isWide reports characters of Chinese typesetting, between which a line
// break in the source is not a space.
func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}
