package docread

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Page furniture is the chrome a scraped government page wraps around the
// document: accessibility switches (关怀版, 无障碍), breadcrumbs, the date
// and source line, font-size, share and print links. It is recognised by
// genre knowledge rather than by listing any site's lines:
//
//   - only the first headWindow and last tailWindow lines are examined,
//     since a page's chrome sits around the document, never inside it;
//   - a numbered heading ("一、", "(二)", "3.", "第四条") is never furniture;
//   - a breadcrumb (a line with 位置 near its start, or starting with 首页,
//     made of segments separated by > » › /) is furniture;
//   - otherwise a short line (at most maxFurnitureRunes) is furniture when
//     it contains at least one multi-character web-UI word from the
//     vocabulary as a whole token ("分享" but not "分享经济") and, once
//     vocabulary words, separators, dates, times, numbers and the values
//     of labels such as 来源: are removed, at most maxResidualHan Chinese
//     characters remain (a website registration number, 京ICP备…号, is
//     evidence like a vocabulary word);
//   - a menu bar (three or more short entries, one of them 首页) is
//     furniture;
//   - a "label:" line whose value sits alone on the next line (table
//     cells of an information panel) is furniture together with its value;
//   - in the tail only, a related-link line ("政策解读:…", "相关链接:…")
//     is furniture: it points at other pages and is not part of the text.
//
// The date and the source are read from the furniture before it is dropped.
const (
	headWindow         = 25
	tailWindow         = 15
	maxFurnitureRunes  = 60
	maxBreadcrumbRunes = 100
	maxRelatedRunes    = 120 // the longest of the three limits
	maxResidualHan     = 2
	maxPairedValue     = 30
	maxVocabRunes      = 8
	maxMenuEntryRunes  = 8
)

// pageMeta is what the furniture says about the document.
type pageMeta struct {
	published string // YYYY-MM-DD
	source    string
}

// furnitureResult is the outcome of stripFurniture.
type furnitureResult struct {
	kept, removed []string
	meta          pageMeta
}

// verdict is the classification of one line.
type verdict struct {
	furniture bool
	date      string // YYYY-MM-DD found on the line
	dateRank  int    // how surely the date is the publication date, see dateLabelRank
	source    string
	label     string // the line is only "label:", its value may follow
}

// stripFurniture removes page furniture from the edges of a document and
// collects the metadata it carries. The best-labelled date wins (发布时间
// over 时间 over 成文日期 over a bare date), the first among equals; the
// first non-empty source wins.
func stripFurniture(lines []string) furnitureResult {
	var res furnitureResult
	bestRank := 0
	n := len(lines)
	inWindow := func(i int) bool { return i < headWindow || i >= n-tailWindow }
	note := func(v verdict) {
		if v.date != "" && (res.meta.published == "" || v.dateRank < bestRank) {
			res.meta.published, bestRank = v.date, v.dateRank
		}
		if v.source != "" && res.meta.source == "" {
			res.meta.source = v.source
		}
	}
	for i := 0; i < n; i++ {
		line := lines[i]
		if !inWindow(i) {
			res.kept = append(res.kept, line)
			continue
		}
		v := classify(line, i >= n-tailWindow)
		if !v.furniture {
			res.kept = append(res.kept, line)
			continue
		}
		res.removed = append(res.removed, line)
		if v.label != "" && i+1 < n && inWindow(i+1) {
			if pv, ok := pairedValue(v.label, lines, i+1); ok {
				res.removed = append(res.removed, lines[i+1])
				note(pv)
				i++
			}
		}
		note(v)
	}
	return res
}

// classify decides whether one line is furniture and extracts its
// metadata. tail enables the related-link rule.
func classify(line string, tail bool) verdict {
	var v verdict
	n := utf8.RuneCountInString(line)
	if n > maxRelatedRunes || headingRe.MatchString(line) {
		return v
	}
	if label := labelOnly(line); label != "" {
		v.furniture, v.label = true, label
		return v
	}
	if isBreadcrumb(line) {
		v.furniture = true
		return v
	}
	if tail && n <= maxRelatedRunes && relatedRe.MatchString(line) {
		v.furniture = true
		return v
	}
	if n > maxFurnitureRunes {
		return v
	}
	v.date, v.dateRank = lineDate(line)
	rest := dateRe.ReplaceAllString(line, " ")
	rest = timeRe.ReplaceAllString(rest, " ")
	signal, residual, singles := registrationRe.MatchString(rest), 0, 0
	rest = registrationRe.ReplaceAllString(rest, " ")
	fields := strings.FieldsFunc(rest, isFieldSep)
	if isMenu(fields) {
		v.furniture = true
		return v
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if label, value, ok := cutLabel(f); ok && isVocab(label) {
			signal = true
			if isValueLabel(label) {
				if value == "" && i+1 < len(fields) && !startsWithLabel(fields[i+1]) && !vocabToken(fields[i+1]) {
					value = fields[i+1]
					i++
				}
				if isSourceLabel(label) && v.source == "" {
					v.source = trimValue(value)
				}
				continue
			}
			f = value
		}
		sc := scoreText(f)
		signal = signal || sc.signal
		residual += sc.residual
		singles += sc.singles
	}
	// "大 中 小" on a line of its own is the font-size switch.
	signal = signal || singles >= 3
	v.furniture = signal && residual <= maxResidualHan
	return v
}

// pairedValue accepts lines[i] as the value of a label-only line above it
// when it looks like a value (a date for date labels; a short phrase
// without sentence punctuation otherwise) and the line after it continues
// the panel (another label, furniture, or the end). The last condition
// keeps an empty "来源:" from swallowing the document title below it.
func pairedValue(label string, lines []string, i int) (verdict, bool) {
	val := lines[i]
	var v verdict
	if isDateLabel(label) {
		d := findDate(val)
		rest := timeRe.ReplaceAllString(dateRe.ReplaceAllString(val, ""), "")
		if d == "" || countHan(rest) > 0 {
			return v, false
		}
		v.date, v.dateRank = d, dateLabelRank(label)
		return v, true
	}
	if utf8.RuneCountInString(val) > maxPairedValue || headingRe.MatchString(val) ||
		strings.ContainsAny(val, "。,;:!?∶") {
		return v, false
	}
	if i+1 < len(lines) {
		next := classify(lines[i+1], false)
		if !next.furniture {
			return v, false
		}
	}
	if isSourceLabel(label) {
		v.source = trimValue(val)
	}
	return v, true
}

// labelOnly returns the label of a line that is nothing but a known value
// or date label and a colon ("发布机构:", "索 引 号:"), "" otherwise.
func labelOnly(line string) string {
	compact := strings.ReplaceAll(line, " ", "")
	for _, colon := range []string{":", "∶"} {
		if label, ok := strings.CutSuffix(compact, colon); ok {
			if isValueLabel(label) || isDateLabel(label) {
				return label
			}
		}
	}
	return ""
}

// headingRe matches the numbering of Chinese official documents; such a
// line is content whatever it contains.
var headingRe = regexp.MustCompile(`^(?:[一二三四五六七八九十百零〇]+[、.]|[((][一二三四五六七八九十百零〇\d]+[))]|\d{1,3}[.、](?:\D|$)|第[一二三四五六七八九十百千零〇\d]+[章节条款部分篇])`)

// relatedRe matches the "related pages" lines at the foot of a page.
var relatedRe = regexp.MustCompile(`^(?:政策解读|相关解读|解读文件|解读材料|图文解读|文字解读|视频解读|相关链接|相关文件|相关阅读|相关新闻|相关信息|附件下载)\s*[:∶]`)

// dateRe matches dates written 2022-04-14, 2022/4/14, 2022.04.14 or
// 2022年4月14日.
var dateRe = regexp.MustCompile(`(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?`)

// timeRe matches clock times (16:32, 16:32:00).
var timeRe = regexp.MustCompile(`\d{1,2}:\d{2}(?::\d{2})?`)

// registrationRe matches website registration numbers of page footers
// (京ICP备05060933号-1, 京公网安备 11010502000001号).
var registrationRe = regexp.MustCompile(`\p{Han}{0,2}(?:ICP|icp)[备证]\s*\d+号?(?:-\d+)?|\p{Han}{0,2}公网安备\s*\d+号?`)

// lineDate returns the best-labelled date of a line and its rank.
func lineDate(line string) (date string, rank int) {
	rank = unlabelledRank
	for _, m := range dateRe.FindAllStringSubmatchIndex(line, -1) {
		d := normDate(line[m[2]:m[3]], line[m[4]:m[5]], line[m[6]:m[7]])
		if d == "" {
			continue
		}
		r := unlabelledRank
		before := strings.TrimRight(line[:m[0]], " :∶")
		for _, l := range dateLabels() {
			if strings.HasSuffix(before, l) {
				r = dateLabelRank(l)
				break
			}
		}
		if date == "" || r < rank {
			date, rank = d, r
		}
	}
	return date, rank
}

// findDate returns the first valid date in s as YYYY-MM-DD, "" if none.
func findDate(s string) string {
	for _, m := range dateRe.FindAllStringSubmatch(s, -1) {
		if d := normDate(m[1], m[2], m[3]); d != "" {
			return d
		}
	}
	return ""
}

// normDate validates and zero-pads a date.
func normDate(y, m, d string) string {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if yi < 1900 || yi > 2199 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", yi, mi, di)
}

// isBreadcrumb recognises navigation trails: "当前位置: 首页 > 专题 > …",
// "首页 / 政务公开 / 文件", or a bare trail of three or more short
// segments joined by > » ›.
func isBreadcrumb(line string) bool {
	rs := []rune(line)
	if len(rs) > maxBreadcrumbRunes {
		return false
	}
	strong := strings.Count(line, ">") + strings.Count(line, "»") + strings.Count(line, "›")
	seps := strong + strings.Count(line, "/")
	if strings.Contains(string(rs[:min(len(rs), 12)]), "位置") {
		return seps > 0 || strings.Contains(line, "首页")
	}
	for _, home := range []string{"首页", "网站首页", "主页"} {
		if strings.HasPrefix(line, home) && seps > 0 {
			return shortSegments(line, 40)
		}
	}
	return strong >= 2 && !strings.ContainsAny(line, "。,;") && shortSegments(line, 16)
}

// shortSegments reports whether every segment between trail separators
// has at most max runes.
func shortSegments(line string, max int) bool {
	for _, seg := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(">»›/", r) }) {
		if utf8.RuneCountInString(strings.TrimSpace(seg)) > max {
			return false
		}
	}
	return true
}

// isMenu recognises a site's menu bar flattened to one line: three or more
// short entries, one of them the link home (首页 政务公开 政务服务 …).
func isMenu(fields []string) bool {
	if len(fields) < 3 {
		return false
	}
	home := false
	for _, f := range fields {
		if utf8.RuneCountInString(f) > maxMenuEntryRunes {
			return false
		}
		home = home || f == "首页" || f == "网站首页" || f == "主页" || f == "返回首页"
	}
	return home
}

// isFieldSep splits a line into the fields of a furniture line: spaces and
// the brackets, bars and bullets that web chrome puts between links.
func isFieldSep(r rune) bool {
	if unicode.IsSpace(r) {
		return true
	}
	return strings.ContainsRune("|¦/\\<>«»‹›→【】[]()()〖〗·•●◆◇■□★☆,;、", r)
}

// cutLabel splits "label:value" at its first colon.
func cutLabel(f string) (label, value string, ok bool) {
	for _, colon := range []string{":", "∶"} {
		if l, v, found := strings.Cut(f, colon); found {
			return l, v, true
		}
	}
	return "", "", false
}

// startsWithLabel reports a field that is itself "vocabulary-label:...".
func startsWithLabel(f string) bool {
	l, _, ok := cutLabel(f)
	return ok && isVocab(l)
}

// trimValue strips the punctuation a scraped value keeps at its edges.
func trimValue(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// score is the evidence of one piece of a line.
type score struct {
	signal   bool // a vocabulary token with a word of two or more characters
	residual int  // Chinese characters outside vocabulary tokens
	singles  int  // tokens made of one-character vocabulary words only
}

// scoreText splits s into runs of letters (numbers and punctuation fall
// away) and scores them. A Latin word outside the vocabulary counts as one
// Chinese character.
func scoreText(s string) score {
	var sc score
	for _, run := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		ok, multi := segmentVocab(run)
		switch {
		case ok && multi:
			sc.signal = true
		case ok:
			sc.singles++
		case countHan(run) > 0:
			sc.residual += countHan(run)
		default:
			sc.residual++
		}
	}
	return sc
}

// vocabToken reports a field made only of vocabulary words.
func vocabToken(f string) bool {
	for _, run := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if ok, _ := segmentVocab(run); !ok {
			return false
		}
	}
	return true
}

// segmentVocab reports whether run can be cut entirely into vocabulary
// words ("打印此页", "字体大中小"), and whether some such cut uses a word
// of two or more characters (a lone "中" is not evidence of chrome).
func segmentVocab(run string) (ok, multi bool) {
	rs := []rune(strings.ToLower(run))
	if len(rs) == 0 || len(rs) > 3*maxVocabRunes {
		return false, false
	}
	reach := make([]bool, len(rs)+1)
	withMulti := make([]bool, len(rs)+1)
	reach[0] = true
	for i := range rs {
		if !reach[i] {
			continue
		}
		for l := 1; l <= maxVocabRunes && i+l <= len(rs); l++ {
			if isVocab(string(rs[i : i+l])) {
				reach[i+l] = true
				withMulti[i+l] = withMulti[i+l] || withMulti[i] || l > 1
			}
		}
	}
	return reach[len(rs)], withMulti[len(rs)]
}

func countHan(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}

// isVocab reports the words of Chinese government web chrome. Single
// characters (大 中 小 次) only count as parts of a longer token.
func isVocab(w string) bool {
	if isValueLabel(w) || isDateLabel(w) {
		return true
	}
	switch w {
	case "关怀版", "适老版", "关怀模式", "长者模式", "老年模式", "适老模式", "无障碍", "无障碍浏览",
		"无障碍阅读", "读屏", "读屏专用", "智能问答", "简体", "繁体", "繁體", "简繁", "english",
		"分享", "分享到", "一键分享", "打印", "打印本页", "打印此页", "打印文章", "打印页面", "打印正文",
		"关闭", "关闭窗口", "关闭本页", "关闭此页", "关闭页面", "字体", "字号", "文字", "收藏",
		"加入收藏", "收藏本页", "返回", "返回顶部", "回到顶部", "顶部", "扫一扫", "扫码", "扫描二维码",
		"二维码", "手机扫码", "手机查看", "在手机打开", "手机打开", "当前页", "微信", "微博",
		"微信扫一扫", "朋友圈", "qq", "qq空间", "新浪微博", "腾讯微博", "浏览", "浏览量", "浏览次数",
		"访问量", "访问次数", "阅读", "阅读量", "阅读数", "阅读次数", "点击", "点击量", "点击数",
		"点击率", "点击次数", "人次", "次数", "当前位置", "您当前的位置", "您的位置", "您现在的位置",
		"当前的位置", "所在位置", "位置", "首页", "网站首页", "主页", "相关链接", "附件下载", "纠错",
		"我要纠错", "视力保护色", "保护色", "默认", "背景色", "登录", "注册", "搜索", "网站地图",
		"联系我们", "设为首页", "复制链接", "手机版", "本页", "此页", "窗口", "大", "中", "小", "次":
		return true
	}
	return false
}

// isValueLabel reports labels whose value is page metadata, not text:
// the value is removed with the label.
func isValueLabel(w string) bool {
	if isSourceLabel(w) {
		return true
	}
	switch w {
	case "作者", "编辑", "责任编辑", "审核", "审校", "校对", "供稿", "撰稿", "摄影",
		"上一篇", "下一篇", "上一条", "下一条", "索引号", "主题分类", "发文字号", "文号",
		"版权所有", "主办单位", "承办单位", "主办", "承办", "网站标识码", "技术支持", "备案号":
		return true
	}
	return false
}

// isSourceLabel reports labels whose value is the publishing body.
func isSourceLabel(w string) bool {
	switch w {
	case "来源", "信息来源", "文章来源", "稿件来源", "稿源", "出处", "发布机构", "发文机关":
		return true
	}
	return false
}

// dateLabels lists the labels of a date, longest first so that 发布时间 is
// matched before 时间.
func dateLabels() []string {
	return []string{"发布时间", "发布日期", "发表时间", "更新时间", "更新日期", "成文日期", "时间", "日期"}
}

// unlabelledRank is the rank of a date without a label.
const unlabelledRank = 3

// dateLabelRank says how surely a label introduces the publication date:
// 0 for 发布时间 and kin, 1 for a plain 时间/日期, 2 for the update or
// signing date, -1 for a word that is not a date label.
func dateLabelRank(label string) int {
	switch label {
	case "发布时间", "发布日期", "发表时间":
		return 0
	case "时间", "日期":
		return 1
	case "更新时间", "更新日期", "成文日期":
		return 2
	}
	return -1
}

func isDateLabel(w string) bool { return dateLabelRank(w) >= 0 }
