package knowledge

import (
	"regexp"
	"strings"
)

// figureUnits lists the measures a commitment is stated in, longest first,
// with the kind of figure each makes.
var figureUnits = []struct {
	word, norm, kind string
}{
	{"个工作日", "工作日", "time"}, {"工作日", "工作日", "time"}, {"个自然日", "自然日", "time"}, {"自然日", "自然日", "time"},
	{"个小时", "小时", "time"}, {"小时", "小时", "time"}, {"分钟", "分钟", "time"}, {"个月", "月", "time"},
	{"天", "天", "time"}, {"日", "日", "time"}, {"周", "周", "time"}, {"年", "年", "time"},
	{"千瓦时", "千瓦时", "quantity"}, {"千瓦", "千瓦", "quantity"}, {"千伏安", "千伏安", "quantity"}, {"千伏", "千伏", "quantity"},
	{"亿元", "亿元", "money"}, {"万元", "万元", "money"}, {"元", "元", "money"},
	{"%", "%", "percent"}, {"‰", "‰", "percent"},
	{"个环节", "个环节", "quantity"}, {"份", "份", "quantity"}, {"件", "件", "quantity"}, {"项", "项", "quantity"},
	{"次", "次", "quantity"}, {"户", "户", "quantity"}, {"家", "家", "quantity"}, {"人次", "人次", "quantity"},
	{"平方米", "平方米", "quantity"}, {"平米", "平方米", "quantity"}, {"公里", "公里", "quantity"}, {"米", "米", "quantity"},
	{"个", "个", "quantity"},
}

var (
	reFigure = func() *regexp.Regexp {
		words := make([]string, len(figureUnits))
		for i, u := range figureUnits {
			words[i] = regexp.QuoteMeta(u.word)
		}
		return regexp.MustCompile(`(\d+(?:\.\d+)?|[零一二两三四五六七八九十半]+)(` + strings.Join(words, "|") + `)`)
	}()
	// Frequency promises read as a phrase: 每年至少上门服务一次, 一年最多停电2次.
	reFrequency = regexp.MustCompile(`(?:每|一)(?:年|季度|季|月|周|半年|两个月)(?:至少|最多|不少于|不超过|不低于)?[^,。;:、]{0,10}?(?:\d+|[一二两三四五六七八九十])次`)
	reNumber    = regexp.MustCompile(`\d+|[一二两三四五六七八九十]`)
	// Hotlines and phone numbers.
	rePhone = regexp.MustCompile(`(\d{3,4}-\d{7,8}|\b\d{5,8}\b|\d{5,8})(?:[^\d,。;]{0,12}?(?:热线|电话|专线))`)
)

// extractCommitments finds the concrete figures an item promises. Dates,
// years and plain counts in names are left out: a figure is a commitment
// when the clause around it states a limit, a rate or an amount.
func extractCommitments(body string) []Commitment {
	var out []Commitment
	seen := map[string]bool{}
	for _, sentence := range splitSentences(body) {
		for _, c := range figuresIn(sentence) {
			key := c.Text + "|" + c.Subject
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

func figuresIn(sentence string) []Commitment {
	var out []Commitment
	for _, m := range reFrequency.FindAllString(sentence, -1) {
		out = append(out, Commitment{Text: m, Unit: "次", Value: lastNumber(m), Kind: "frequency",
			Subject: m, Clause: sentence})
	}
	for _, loc := range rePhone.FindAllStringSubmatchIndex(sentence, -1) {
		num := sentence[loc[2]:loc[3]]
		out = append(out, Commitment{Text: num, Value: num, Kind: "phone",
			Subject: clauseAround(sentence, loc[2], loc[1]), Clause: sentence})
	}
	for _, loc := range reFigure.FindAllStringSubmatchIndex(sentence, -1) {
		value, word := sentence[loc[2]:loc[3]], sentence[loc[4]:loc[5]]
		if !plausibleFigure(sentence, loc[0], loc[1], value, word) {
			continue
		}
		unit := figureUnit(word)
		out = append(out, Commitment{
			Text: sentence[loc[0]:loc[1]], Value: value, Unit: unit.norm, Kind: unit.kind,
			Subject: subjectOf(sentence, loc[0], loc[1]), Clause: sentence,
		})
	}
	return out
}

func figureUnit(word string) struct{ word, norm, kind string } {
	for _, u := range figureUnits {
		if u.word == word {
			return u
		}
	}
	return figureUnits[len(figureUnits)-1]
}

// plausibleFigure rejects dates (2021年, 12月底, 31日), ordinals inside
// names and Chinese numerals outside time limits ("一个窗口").
func plausibleFigure(s string, from, to int, value, word string) bool {
	digits := value[0] >= '0' && value[0] <= '9'
	before := s[:from]
	after := s[to:]
	switch word {
	case "年":
		// a year like 2021年, or 一年/每年 as a frequency, are not limits
		if !digits || len(value) >= 4 {
			return false
		}
		return strings.HasPrefix(after, "内") || strings.HasPrefix(after, "以内") || strings.HasPrefix(after, "以上")
	case "日":
		if strings.HasSuffix(before, "月") || !digits {
			return false
		}
		return strings.HasPrefix(after, "内") || strings.HasPrefix(after, "以内") || hasLimitWord(before)
	case "个", "项", "家", "户", "次", "件", "份", "个环节":
		if !digits {
			return false
		}
	case "月":
	}
	if !digits && !strings.Contains("工作日自然日小时分钟个月天周", word) {
		return false
	}
	if !digits && (value == "一" || value == "两") && (word == "个月" || word == "天") && !hasLimitWord(before) {
		return false
	}
	// "第3天" ordinals, "100周年" anniversaries
	if strings.HasSuffix(before, "第") || word == "周" && strings.HasPrefix(after, "年") {
		return false
	}
	return true
}

var limitWords = []string{"压缩至", "压减至", "缩短至", "降至", "不超过", "不超", "控制在", "以内", "内", "至少", "最多",
	"提高到", "达到", "达", "不少于", "不低于", "给予", "扣除", "减免", "限时", "办结", "平均"}

func hasLimitWord(s string) bool {
	tail := s
	if rs := []rune(s); len(rs) > 12 {
		tail = string(rs[len(rs)-12:])
	}
	for _, w := range limitWords {
		if strings.Contains(tail, w) {
			return true
		}
	}
	return false
}

// subjectOf is the thing a figure applies to: its clause, prefixed by the
// clause before it when this one only qualifies it ("…平均办电时间,
// 无外部工程的…"), and of a clause listing figures side by side only the
// part that states this one.
func subjectOf(sentence string, from, to int) string {
	return ownPart(clauseAround(sentence, from, to), sentence[from:to])
}

// ownPart is, of a clause listing figures side by side ("一般问题5个工作日、
// 疑难问题15个工作日办结"), the part that states this figure, with the words
// after the last part's figure that close every part ("办结"): the business
// asked about one case.
func ownPart(clause, figure string) string {
	parts := strings.Split(clause, "、")
	if len(parts) < 2 {
		return clause
	}
	own, with := -1, 0
	for i, p := range parts {
		if reFigure.MatchString(p) {
			with++
		}
		if strings.Contains(p, figure) && own < 0 {
			own = i
		}
	}
	if own < 0 || with < 2 {
		return clause
	}
	// the last part that states a figure: parts after it list other things
	// ("…的小微企业用电报装零投资、零上门、零审批")
	lastFig := len(parts) - 1
	for lastFig > own && !reFigure.MatchString(parts[lastFig]) {
		lastFig--
	}
	part, last := parts[own], parts[lastFig]
	if own == lastFig {
		return part
	}
	loc := reFigure.FindAllStringIndex(last, -1)
	// what follows the last part's figure, less what already follows ours
	// ("及以下" of "…100千瓦及以下的小微企业…" when ours is "160千瓦及以下")
	closing := last[loc[len(loc)-1][1]:]
	ours := part[strings.Index(part, figure)+len(figure):]
	return part + strings.TrimPrefix(closing, ours)
}

// clauseAround returns the clause (between , ; : 、 boundaries) holding the
// figure, with the preceding clause when the holding clause is short.
func clauseAround(sentence string, from, to int) string {
	start := strings.LastIndexAny(sentence[:from], ",;:。")
	if start < 0 {
		start = 0
	} else {
		start++
	}
	end := strings.IndexAny(sentence[to:], ",;:。")
	if end < 0 {
		end = len(sentence)
	} else {
		end += to
	}
	clause := strings.TrimSpace(sentence[start:end])
	if runeLen(clause) < 10 && start > 1 {
		prev := strings.LastIndexAny(sentence[:start-1], ",;:。")
		clause = strings.TrimSpace(sentence[prev+1 : end])
	}
	return clause
}

func lastNumber(s string) string {
	m := reNumber.FindAllString(s, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// splitSentences cuts text at sentence ends (。 ; ! ? and line breaks).
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if r == '。' || r == ';' || r == '!' || r == '?' || r == '\n' || r == '；' {
			if s := strings.TrimSpace(text[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + len(string(r))
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
