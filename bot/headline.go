package bot

import (
	"regexp"
	"strings"

	"frontdoor/knowledge"
)

// The first line of an answer answers the question: the figure it asks for,
// stated for the condition it names, as the document says it; or who is
// responsible, when it asks who. Everything else follows below.

// facet is what a question asks of an item.
type facet string

const (
	facetNone      facet = ""
	facetTime      facet = "time"      // 多久, 几天, 啥时候
	facetFrequency facet = "frequency" // 多久一次, 几次
	facetAmount    facet = "amount"    // 多少钱, 几样, 收费吗, 电话
	facetWho       facet = "who"       // 找谁, 哪个部门管
	facetMaterials facet = "materials"
)

// The wordings of Chinese questions about a quantity: 多+adjective, 几+measure
// word, and the nouns that name a figure. These are the language's grammar
// of asking, not the wording of any one document.
var (
	asksFrequency = wordings(
		cross(cross(words("多久 多长时间 多少天 几天 几个月 多长"), append([]string{""}, words("来 搞 开 办 查 检查 走访")...)), words("一次 一回 一趟")),
		words("几次 多少次 频率 频次 几回"))
	asksTime = wordings(
		words("多久 多长 多快 时限 期限 周期 当天 立等 要等"),
		cross(words("多少"), words("天 日 小时 工作日 个工作日 时间 个月 月 年")),
		cross(words("几 几个"), words("天 日 工作日 小时 钟头 月 周 星期 年")),
		words("几点 几号"),
		cross(words("啥 什么 哪"), words("时候 天")))
	asksAmount = wordings(
		words("多少 费用 收费 价格 比例 百分之 上限 额度 标准 电话 热线 号码 多大 多高 多远 免费"),
		cross(words("几"), words("个 份 项 样 件 次 家 户 张 成 种 类 万 千 百")),
		cross(words("要 花 交 掏 给"), words("钱 多少")))
	asksWho = wordings(
		words("找谁 哪里管 谁家管"),
		cross(words("谁"), words("管 负责 办 来管 牵头 说了算")),
		cross(words("哪个"), words("部门 单位 局 科室 窗口")),
		cross(cross(words("哪 哪个 哪家"), words("部门 单位")), words("管 负责")),
		cross(words("归"), words("谁 哪")))
	asksMaterials = wordings(
		words("材料 资料 证件"),
		cross(words("带 准备"), words("什么 啥 哪些")),
		cross(cross(words("要"), words("哪些 什么 啥")), words("东西 证件 手续")))
)

// facetOf tells what a question asks for.
func facetOf(q string) facet {
	switch {
	case asksWho.In(q):
		return facetWho
	case asksFrequency.In(q):
		return facetFrequency
	case asksTime.In(q):
		return facetTime
	case asksAmount.In(q):
		return facetAmount
	case asksMaterials.In(q):
		return facetMaterials
	}
	return facetNone
}

// The kinds of commitment that answer each facet.
var (
	timeKinds      = map[string]bool{"time": true}
	frequencyKinds = map[string]bool{"frequency": true, "quantity": true, "time": true}
	amountKinds    = map[string]bool{"money": true, "percent": true, "quantity": true, "phone": true, "frequency": true}
)

// figureKinds are the kinds of commitment that answer a facet (nil for a
// facet no figure answers). The maps are shared: read them only.
func figureKinds(f facet) map[string]bool {
	switch f {
	case facetTime:
		return timeKinds
	case facetFrequency:
		return frequencyKinds
	case facetAmount:
		return amountKinds
	}
	return nil
}

// headline is an answer's first line for a question about an item, and the
// figure it states (ok false when it states none).
func headline(a asked, it *knowledge.Item) (line string, c knowledge.Commitment, ok bool) {
	switch a.facet {
	case facetWho:
		if units := it.RoutingUnits(); len(units) > 0 {
			role := "牵头"
			if len(it.Lead) == 0 {
				role = "负责"
			}
			return whoLeadsText(units, role), c, false
		}
	case facetMaterials:
		for _, s := range a.q.KeySentences(it, 3) {
			if asksMaterials.In(s) || strings.Contains(s, "申请书") {
				return sentence(s), c, false
			}
		}
		return noMaterialsText, c, false
	}
	if kinds := figureKinds(a.facet); kinds != nil {
		if c, ok = a.q.BestCommitment(it, kinds); ok {
			return figureSentence(c), c, true
		}
	}
	// A question that names no figure may still be one of the questions
	// known to ask for a figure ("晚上能自助办吗" → 24小时).
	if c, ok = a.q.FigureAsked(it); ok {
		return figureSentence(c), c, true
	}
	if s := a.q.KeySentences(it, 1); len(s) > 0 {
		return sentence(s[0]), c, false
	}
	return sentence(it.Title), c, false
}

// Words a document opens a clause with that say nothing to a business.
var clauseOpeners = []string{"具体举措:", "具体举措", "力争", "实现", "确保", "推动", "进一步", "全面", "逐步", "着力", "努力", "将"}

// Conditions a clause may open with: such a clause qualifies the topic its
// sentence opened with ("低压非居民用户平均办电时间,无外部工程的…"), which
// the headline keeps.
var reConditionOpener = regexp.MustCompile(`^(有|无|没有|不含|含|对|对于|其中|凡|属于|涉及|不涉及)`)

// figureSentence states a figure in the words of its clause, as a sentence.
func figureSentence(c knowledge.Commitment) string {
	s := strings.TrimSpace(c.Subject)
	for changed := true; changed; {
		changed = false
		for _, w := range clauseOpeners {
			if t := strings.TrimPrefix(s, w); t != s && strings.Contains(t, c.Text) {
				s, changed = strings.TrimSpace(t), true
			}
		}
	}
	s = balance(s)
	if reConditionOpener.MatchString(s) {
		if topic := topicOf(c.Clause, c.Subject); topic != "" {
			s = topic + "," + s
		}
	}
	if !strings.Contains(s, c.Text) {
		return sentence(c.Text)
	}
	return sentence(s)
}

// topicOf is the opening clause of a sentence when it names what the later
// clauses qualify: short, with no figure of its own, and not the clause
// itself.
func topicOf(sentence, clause string) string {
	i := strings.IndexAny(sentence, ",;:，；：")
	if i <= 0 {
		return ""
	}
	first := strings.TrimSpace(sentence[:i])
	for _, w := range clauseOpeners {
		first = strings.TrimPrefix(first, w)
	}
	if first == "" || strings.Contains(clause, first) || runeCount(first) > 24 || strings.ContainsAny(first, "0123456789") {
		return ""
	}
	return first
}

// balance cuts an unclosed parenthesis and what follows it: a clause cut at
// a comma inside "(当天报装,当天…)" reads as a fragment.
func balance(s string) string {
	for _, p := range [][2]string{{"(", ")"}, {"（", "）"}, {"“", "”"}} {
		if strings.Count(s, p[0]) > strings.Count(s, p[1]) {
			if i := strings.LastIndex(s, p[0]); i > 0 {
				s = strings.TrimSpace(s[:i])
			}
		}
	}
	return s
}

// sentence ends a clause with a full stop.
func sentence(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), ",，;；:：、")
	if s == "" || strings.HasSuffix(s, "。") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "。"
}

// otherFigures are the item's other figures of the kinds asked about, as
// sentences, for below the headline: the business sees the figure for its
// case first and the rest of the rule after it.
func otherFigures(it *knowledge.Item, head knowledge.Commitment, kinds map[string]bool, limit int) []string {
	var out []string
	seen := map[string]bool{figureSentence(head): true}
	for _, c := range it.Commitments {
		if !kinds[c.Kind] || c.Text == head.Text && c.Subject == head.Subject {
			continue
		}
		s := figureSentence(c)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		if len(out) == limit {
			break
		}
	}
	return out
}
