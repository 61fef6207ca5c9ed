package bot

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// cueRegexp is a regular expression with the words one of which every
// match holds. A text with none of them is not searched: the expressions
// start with alternatives, so the matcher would try them at every
// position, and most messages hold none of the words.
type cueRegexp struct {
	re   *regexp.Regexp
	need []string
}

func mustCue(expr string, need ...string) cueRegexp {
	return cueRegexp{re: regexp.MustCompile(expr), need: need}
}

// MatchString reports whether s holds a match.
func (c cueRegexp) MatchString(s string) bool {
	for _, w := range c.need {
		if strings.Contains(s, w) {
			return c.re.MatchString(s)
		}
	}
	return false
}

// cue is a wording that signals an intent, with its weight.
type cue struct {
	words  []string
	weight int
}

// Complaint language. A complaint reports something a body that should
// serve the business did or failed to do, and wants it dealt with. Three
// kinds of evidence add up: an appeal for action, a judgement of what
// happened, and the adverse facts themselves. A message is a complaint at
// complaintThreshold.
var complaintCues = []cue{
	// appeals and reports
	{[]string{"投诉", "举报", "管一管", "管管", "查一查", "查一下这", "过问", "督促", "催一下", "催催", "往上报", "讨个说法",
		"给个说法", "讨说法", "要求查", "希望有关部门", "有关部门管", "请领导", "希望领导", "帮忙催", "有人管管",
		"损失谁", "谁来担", "谁来负责", "谁负责", "谁来管", "到底谁管", "找谁能解决", "找谁解决", "管不管", "没人管"}, 3},
	// judgements
	{[]string{"太过分", "欺负", "坑人", "太坑", "凭什么", "乱收费", "刁难", "报复", "找茬", "吃拿卡要", "意思意思", "表示表示",
		"好处费", "不作为", "推诿", "踢皮球", "你推我", "推来推去", "违法", "违规", "白给", "强买强卖", "霸王条款",
		"不合理", "合规吗", "合理吗", "规范吗", "不对吧", "这叫什么事", "叫什么事", "离谱", "荒唐", "乱来", "恶心",
		"不靠谱", "山寨", "恶意", "😡", "😤", "😠", "🤬", "😭"}, 3},
	// adverse facts
	{[]string{"一直拖", "拖着", "一直不", "一直没", "还没给", "不给钱", "欠我们", "欠我", "拖欠", "不付", "没付", "不还",
		"不兑现", "不算数", "不算了", "说话不算", "没这回事", "不认账", "损失", "扛不住", "扛不注", "耗不起", "发不出",
		"发不了", "没法正常", "影响生产", "严重影响", "停工", "趴窝", "隔三差五", "三天两头", "三番五次", "轮流", "轮番",
		"轮着", "好几拨", "必须找", "非要", "非让", "非得", "逼我们", "强制", "指定", "不给接", "不认", "这不就是",
		"明显是", "明摆着", "没下文", "没动静", "没人理", "压力太大", "压力很大", "没办法了", "太难了", "一分没给",
		"冻了", "冻结", "被罚了", "开了罚单", "还是被罚", "罚了", "上来就", "太麻烦了", "很麻烦", "先带资", "先垫资", "让我们先", "跑了三趟",
		"跑了好几趟", "跑了几趟", "还没办成", "没办成", "卡住", "卡着", "一拖再拖", "拖了", "拖到", "没兑现", "没见着",
		"没着落", "没到账", "不通知", "没通知", "加价", "要好处", "暗示", "赞助", "挑刺", "不合格", "私底下", "暗箱",
		"没人当回事", "讲不清", "说的不一样", "都说材料不对", "搞不成", "进不了场", "停产", "堵门", "全坏了", "坏了",
		"没收据", "没有收据", "正规收据", "没人来", "也没见", "不给验收", "不给办", "转了一圈", "踢来踢去", "强揽",
		"刁难", "收了好几", "收了几", "多收", "乱罚", "跑不过来", "没人回", "没人理我", "有没有人管"}, 2},
	{[]string{"到现在", "还没", "一年半", "两年了", "半个月", "好几次", "几次", "说好", "换了领导", "换了个领导", "换人了",
		"报了警", "答应", "明明", "明显"}, 1},
}

// rePointedQuestion catches "不是说…吗" and officials' demands ("说…要我们自己…").
var (
	reNotSupposed = mustCue(`不是说.{0,24}(吗|嘛|么)`, "不是说")
	reDemanded    = mustCue(`(说|让|要|要求|非|逼)(我们|我).{0,8}(自己|出|交|找|付|掏|用)`, "我")
	reStuck       = mustCue(`(两年|一年多|半年|几个月|好几个月|一个多月|半个月|一年半|快一个月|大半年|快一年).{0,10}(了|还|都|没)`, "年", "月")
	// Repeated or long-lasting trouble: 停了三次, 拖了八个月, 跑了三趟, 说了好几次.
	reRepeated = mustCue(`(了|过)(\d+|[一二两三四五六七八九十几好俩]+)(次|个月|年|趟|回|遍|拨)|(\d+|[两三四五六七八九十几好俩]+)(次|回|趟)(了|都|还)`,
		"次", "月", "年", "趟", "回", "遍", "拨")
	// An information question: asks whether a rule, channel or remedy exists.
	reInfoQuestion = mustCue(`(有没有|是不是|会不会|有啥|有什么|能不能找|可不可以|一般几天|一般多少|哪些).{0,30}[吗么?？]?$|条例|规定吗|会公开|通报出来`,
		"有没有", "是不是", "会不会", "有啥", "有什么", "能不能找", "可不可以", "一般几天", "一般多少", "哪些", "条例", "规定吗", "会公开", "通报出来")
)

// Information-seeking wordings soften complaint cues: a business asking
// what a mediation window offers, or whether a rule exists, is not
// complaining.
var askCues = []string{"有没有专门", "需要带什么", "需要准备", "带什么材料", "怎么申请", "怎么办理", "如何申请", "流程",
	"什么条件", "能申请", "可以申请", "多长时间", "多久", "想先", "咨询", "是真的吗", "是不是真的", "会不会", "会公开吗",
	"一般多少天", "多少天", "怎么用", "有没有地方", "有没有啥", "有没有什么", "能不能享受"}

const complaintThreshold = 3

type weightedWord struct {
	word   string
	weight int
}

// complaintWords flattens complaintCues, longest first.
var complaintWords = func() []weightedWord {
	var out []weightedWord
	for _, c := range complaintCues {
		for _, w := range c.words {
			out = append(out, weightedWord{w, c.weight})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].word) > len(out[j].word) })
	return out
}()

// Assistance: asking staff to do or guide a procedure (帮办代办).
var assistCues = []string{"帮我办", "帮我们办", "帮忙办", "代办", "帮办", "帮代办", "帮我们弄", "帮忙弄", "派人", "派个人",
	"安排专人", "安排个人", "专人", "一条龙", "带着我们", "手把手", "协调一下", "帮我们协调", "帮忙协调", "对接一下",
	"帮我们对接", "帮忙对接", "帮我们跑", "帮忙跑", "代跑", "跑一下", "有人能帮", "有没有人帮", "上门帮", "提前约",
	"帮我们把", "帮我们一起", "陪同", "带我弄", "帮我弄", "安排人", "上门把", "全包", "包办", "辅导下", "指导下",
	"带着办", "手续全", "帮我登记", "帮我们登记", "帮我们联系", "帮我联系", "帮忙联系", "帮我们约", "帮我约",
	"帮忙约", "帮忙牵", "牵个线", "帮我们反映", "帮忙反映", "向上反映", "帮我们问"}

// Asking whether a service or platform exists is a policy question even
// when it mentions help.
var reAsksExistence = mustCue(`(有没有|有无|有啥|有什么)(啥|什么)?.{0,8}(平台|地方|渠道|政策|网站|系统|窗口|热线)`, "有没有", "有无", "有啥", "有什么")

// Asking for a person.
var humanCues = []string{"转人工", "人工客服", "人工服务", "找人工", "要人工", "接人工", "真人", "跟机器人", "机器人听不懂",
	"机器人回答不了", "机器人说不明白", "机器人的话", "不想跟机器人", "给我打个电话", "给我打电话", "打个电话给我",
	"回个电话", "让工作人员", "找工作人员", "工作人员直接", "客服电话", "叫个人", "找个人跟我", "人来跟我说",
	"让人跟我说", "人工回复"}

// Asking where a request already made stands.
var progressCues = []string{"进度", "到哪一步", "到哪步", "怎么样了", "办好了没", "办好没", "办完了没", "办完没", "好了没",
	"有结果没", "有结果了吗", "有没有结果", "处理得怎么样", "处理到哪", "处理好了吗", "审核通过没", "通过没有", "通过了吗",
	"批下来没", "有人跟进", "跟进了吗", "有回音", "有消息吗", "还没消息", "我的工单", "工单号", "受理编号", "查一下进度",
	"查下进度", "办到哪", "审到哪", "到哪了", "单号", "批了没", "进展如何", "有进展吗"}

// reProgress catches "有结果了没", "批了没有", "通过了没".
var reProgress = mustCue(`(有结果|批下来|审核通过|通过|办好|办完|处理好|回复)了(没|吗|没有)|(有结果|办好|弄好)没`,
	"有结果", "批下来", "通过", "办好", "办完", "处理好", "回复", "弄好")

// Demands that turn a status question into a complaint.
var escalateCues = []string{"督促", "催一下", "催催", "往上报", "管管", "管一管", "投诉他", "太慢", "过分"}

// Greetings and thanks with nothing else in them.
var greetingCues = []string{"你好", "您好", "在吗", "在不在", "有人吗", "有人在吗", "早上好", "上午好", "中午好", "下午好",
	"晚上好", "早安", "晚安", "谢谢", "感谢", "多谢", "辛苦了", "辛苦", "好的", "明白了", "知道了", "收到", "嗯嗯", "哈喽",
	"hello", "hi", "再见", "拜拜", "ok", "请问", "好呀", "好啊", "没问题", "打扰一下", "打扰下", "打扰了", "打扰",
	"问个事", "问一下", "请教一下", "老师", "领导"}

// Requests no government service answers.
var offTopicCues = []string{"写个", "写一篇", "写一段", "帮我写", "开场白", "年终总结", "作文", "文案", "翻译一下", "笑话",
	"讲个故事", "好吃", "美食", "去玩", "好玩", "旅游攻略", "天气", "下雨", "下雪", "气温", "股票", "彩票", "电影", "打游戏",
	"唱歌", "星座", "算命", "减肥", "菜谱", "恋爱", "相亲", "歌词", "写诗"}

// reRecommend catches "哪家民宿性价比高", "推荐个火锅店".
var reRecommend = mustCue(`(推荐|哪家|哪里有|哪儿有).{0,10}(好吃|餐厅|饭店|火锅|美食|民宿|景点|酒店|好玩|馆子)`, "推荐", "哪家", "哪里有", "哪儿有")

// Domain words: a message with one of them is about government services
// even when the knowledge base has no item for it.
var domainCues = []string{"政策", "补贴", "审批", "办理", "申请", "营业执照", "执照", "税", "投诉", "政府", "部门", "窗口",
	"大厅", "政务", "营商", "手续", "许可", "登记", "注册", "注销", "贷款", "融资", "社保", "公积金", "罚款", "检查",
	"工单", "诉求", "园区", "开发区", "管委会", "招商", "项目", "审核"}

// Ratings a business answers a request to rate with.
var ratingWords = map[string]string{
	"1": "good", "2": "neutral", "3": "bad",
	"好评": "good", "满意": "good", "非常满意": "good", "很满意": "good", "很好": "good", "好": "good", "不错": "good",
	"中评": "neutral", "一般": "neutral", "还行": "neutral", "基本满意": "neutral", "凑合": "neutral",
	"差评": "bad", "不满意": "bad", "很不满意": "bad", "很差": "bad", "差": "bad", "太差": "bad", "不好": "bad", "非常不满意": "bad",
}

// normalize folds widths and case so that cues match however typed.
func normalize(s string) string {
	return strings.ToLower(width.Narrow.String(strings.TrimSpace(s)))
}

// complaintScore adds up the complaint cues in a message.
func complaintScore(t *cueText) int {
	score := 0
	text, rest := t.s, t.s
	// longest cues first, each stretch of text counted once: 欠我们 is
	// not also 欠我
	for _, w := range complaintWords {
		if t.mayHold(w.word) && strings.Contains(rest, w.word) {
			score += w.weight
			rest = strings.ReplaceAll(rest, w.word, "|")
		}
	}
	if reNotSupposed.MatchString(text) {
		score += 2
	}
	if reStuck.MatchString(text) {
		score++
	}
	if reRepeated.MatchString(text) {
		score++
	}
	if reInfoQuestion.MatchString(text) {
		score -= 2
	}
	if reDemanded.MatchString(text) {
		score += 2
	}
	if t.hasAny(askCues) {
		score -= 2
	}
	return score
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// cueText is a message with a 4,096-bit filter of the runes in it. The
// classifier looks for some 600 cue words in every message; a word whose
// first rune's bit is clear cannot be in the text, and most are skipped
// without a search. Texts derived from it by removing cues, or putting
// "|" in their place, hold no rune the filter lacks ("|" is added).
type cueText struct {
	s     string
	runes [64]uint64
}

func newCueText(s string) *cueText {
	t := &cueText{s: s}
	t.add('|')
	for _, r := range s {
		t.add(r)
	}
	return t
}

func (t *cueText) add(r rune) { b := uint32(r) & 4095; t.runes[b>>6] |= 1 << (b & 63) }

// mayHold is false when word cannot occur in the text.
func (t *cueText) mayHold(word string) bool {
	if word == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(word)
	b := uint32(r) & 4095
	return t.runes[b>>6]&(1<<(b&63)) != 0
}

// hasAny reports whether the text holds one of words.
func (t *cueText) hasAny(words []string) bool {
	for _, w := range words {
		if t.mayHold(w) && strings.Contains(t.s, w) {
			return true
		}
	}
	return false
}

// isGreeting reports a message that only greets or thanks.
func isGreeting(t *cueText) bool {
	rest := t.s
	found := false
	for _, w := range greetingCues {
		if t.mayHold(w) && strings.Contains(rest, w) {
			found = true
			rest = strings.ReplaceAll(rest, w, "")
		}
	}
	if !found {
		return false
	}
	return contentRunes(rest) <= 2
}

// contentRunes counts the letters and Chinese characters left once
// particles are ignored.
func contentRunes(s string) int {
	n := 0
	for _, r := range s {
		if strings.ContainsRune("啊呀吧呢嘛哦哈啦了们的我你在", r) {
			continue
		}
		if unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// ratingOf reads a rating answer ("1", "满意", "差评").
func ratingOf(text string) (string, bool) {
	t := strings.Trim(text, " 。.!！~～")
	if r, ok := ratingWords[t]; ok {
		return r, true
	}
	for _, w := range []string{"非常不满意", "很不满意", "不满意", "差评", "中评", "好评", "非常满意", "基本满意", "满意"} {
		if strings.HasPrefix(t, w) && runeCount(t) <= len([]rune(w))+6 {
			return ratingWords[w], true
		}
	}
	return "", false
}

func runeCount(s string) int { return len([]rune(s)) }

// classification is the intent with the evidence behind it.
type classification struct {
	intent    Intent
	complaint int
}

// classify decides the intent from the message's own cues. Knowledge-base
// evidence (does an item fit?) is weighed by the caller for the cases cues
// leave open.
func classify(text string) classification {
	t := newCueText(text)
	c := classification{complaint: complaintScore(t)}
	switch {
	case isGreeting(t):
		c.intent = Greeting
	case t.hasAny(humanCues) && !t.hasAny(assistCues):
		c.intent = Human
	case (t.hasAny(offTopicCues) || reRecommend.MatchString(text)) && c.complaint < complaintThreshold &&
		!t.hasAny(domainCues[:6]):
		c.intent = OutOfScope
	case (t.hasAny(progressCues) || reProgress.MatchString(text)) && !t.hasAny(escalateCues) &&
		c.complaint < complaintThreshold+3:
		c.intent = ProgressQuery
	case c.complaint >= complaintThreshold:
		c.intent = Complaint
	case t.hasAny(assistCues) && !reAsksExistence.MatchString(text):
		c.intent = AssistRequest
	default:
		c.intent = PolicyQuery
	}
	return c
}
