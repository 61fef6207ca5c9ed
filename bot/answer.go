package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"frontdoor/bot/clock"
	"frontdoor/bot/outbox"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

const offTopicText = "抱歉,这个问题超出了政务服务的范围。我可以帮您:查询涉企政策(办理时限、收费、条件)、受理投诉、" +
	"登记帮办代办、查询办理进度、转人工服务。"

// intentChoice is how each intent is offered as a choice.
var intentChoice = map[Intent]string{
	PolicyQuery:   "咨询相关政策规定(时限、条件、费用等)",
	Complaint:     "反映问题/投诉,由我们登记并转交牵头单位办理",
	AssistRequest: "请工作人员帮您办理或协调(帮办代办)",
	Human:         "转人工服务",
	ProgressQuery: "查询已提交诉求的办理进度",
}

const askIntentText = "想先确认一下,您是想:"

// moreHint ends a reply cut to its channel's size; the rest follows on "1".
const moreHint = "\n(回复1查看更多)"

// Texts about a ticket after it was opened.
const ratedText = "感谢您的评价!有其他问题随时问我。"

func resolvedText(t *ticket.Ticket, summary string) string {
	return fmt.Sprintf("您的诉求 %s 已办结:%s\n请对本次服务评价:回复 1 好评,2 中评,3 差评。", t.ID, summary)
}

func escalatedText(t *ticket.Ticket, level string) string {
	return fmt.Sprintf("您的诉求 %s 未在时限内办结,已启动%s,我们会督促%s尽快办理。", t.ID, level, t.Owner())
}

func badRatedText(t *ticket.Ticket, followup clock.Duration) string {
	return fmt.Sprintf("收到您的差评,我们很抱歉。诉求 %s 已重新交 %s 回访整改,%s内给您答复(截止 %s)。",
		t.ID, t.Owner(), followup.Chinese(), formatTime(t.Due()))
}

// Texts about the business's contact.
const (
	contactAskText = "为方便工作人员联系您,可回复单位名称和联系电话(选填,例:红星机械有限公司 13800000000)。" +
		"电话只给承办此事的工作人员看,仅用于办理您的诉求;不想留请回复“跳过”。"
	contactSkippedText = "好的,不留联系方式也能办理,进展会在这里告诉您。"
)

func contactSavedText(c ticket.Contact) string {
	var parts []string
	if c.Company != "" {
		parts = append(parts, "单位 "+c.Company)
	}
	if c.Phone != "" {
		parts = append(parts, "电话 "+ticket.MaskPhone(c.Phone))
	}
	return "已记录:" + strings.Join(parts, ",") + "。工作人员会尽快与您联系。"
}

// keptText heads the messages the business missed while a platform's
// reply window was closed; keptLine is one of them.
const keptText = "您有未收到的消息:"

func keptLine(m outbox.Message, at string) string {
	who := "政务服务小哥"
	if m.From != "staff" {
		who = "系统"
	}
	return "【" + who + " " + at + "】" + m.Text
}

// extendedText tells the business its deadline moved, and why.
func extendedText(t *ticket.Ticket, x *ticket.Extension) string {
	return fmt.Sprintf("您的诉求 %s 因%s,经批准办理期限延长 %d 个工作日,新的截止时间为 %s。我们会在期限内给您答复。",
		t.ID, strings.TrimRight(x.Reason, "。.!！"), x.Days, formatTime(x.DueAfter))
}

// Texts for what reaches the bot but is not a question it answers, on
// every channel; the WeChat-style channels' callbacks use them too.
const (
	// RateLimitedText answers a message over a rate limit.
	RateLimitedText = "消息太频繁,请稍后再试。"
	// BusyText answers a message that could not be handled now.
	BusyText = "系统繁忙,请稍后再试。"
	// TooLongText answers a message over the length limit.
	TooLongText = "消息太长了,请精简后再发送,或分几条发送。"
	// EmptyText answers a message without text.
	EmptyText = "请发送文字,直接描述您的问题。"
	// UnreadText answers a message the bot refused for a reason of its own.
	UnreadText = "抱歉,这条消息没能处理,请换个说法再试。"
	// StillWorkingText answers, passively, a message whose answer took too
	// long on an account that cannot push it later.
	StillWorkingText = "您的问题正在处理中,请稍后再发送一次。"
	// MediaText answers a picture, a location, a link, a video or a file.
	MediaText = "暂时只能看懂文字消息,请直接输入文字描述您的问题。"
	// VoiceText answers a voice message the platform could not transcribe.
	VoiceText = "没有听清这段语音,请发送文字。"
	// UnknownText answers a kind of message the bot does not know.
	UnknownText = "暂不支持这类消息,请直接输入文字描述您的问题。"
	// PolicyPromptText answers the menu's 政策查询.
	PolicyPromptText = "请直接输入您想了解的政策问题,例如“开办企业要多久”“低压接电几天能通”。"
	// ComplaintPromptText answers the menu's 我要投诉.
	ComplaintPromptText = "请直接描述您要投诉的问题:什么事情、涉及哪个部门或窗口、在哪个地区。我们会转交牵头单位办理,并告诉您工单号。"
	// MenuText answers a menu item the bot does not know.
	MenuText = "您可以直接输入问题,或回复“转人工”由政务服务小哥为您服务。"
	// WebWelcomeText greets a visitor of the web chat, which asks for the
	// region first.
	WebWelcomeText = "您好!我是政务服务助手,有呼必应。请先选择您企业所在的地区,再直接输入问题," +
		"例如“开办企业要多久”“接电要几天”;投诉、帮办代办、查询进度或转人工也可以直接说。"
)

// WebTexts are what the web chat's page says by itself, by key: for the
// error codes of the API it calls, and for its own moments (waiting, a
// network failure, a conversation staff hold). The page gets them from
// here, so that it says what every other channel says.
var WebTexts = map[string]string{
	"empty_text":        "请输入您的问题。",
	"text_too_long":     TooLongText,
	"body_too_large":    TooLongText,
	"unknown_region":    "请先选择地区。",
	"rate_limited":      RateLimitedText,
	"store_unavailable": BusyText,
	"failed":            "发送失败,请稍后再试。",
	"offline":           "网络不通,请稍后再试。",
	"pending":           "正在查询…",
	"held":              "已转给政务服务小哥,请稍候。",
	"staff":             "政务服务小哥",
	"open_tickets":      "您有办理中的诉求:",
	"due":               "截止",
}

// WelcomeText greets a business that follows an account of region (""
// for an account of several regions) with what the bot can do.
func WelcomeText(region string) string {
	return "您好,欢迎关注!我是" + region + "政务服务助手,有呼必应。您可以直接说:\n" + capabilities
}

// contactNeededText answers a complaint from a network that has opened
// many requests this hour: one more opens with a phone number to call.
const contactNeededText = "您所在的网络这一小时已提交了多件诉求。为了让工作人员能联系到您,请把诉求连同您的联系电话(手机或座机)一起再发一次;" +
	"电话只用于工作人员回访,不会公开。"

// tooManyTicketsText answers a complaint from a network that has had its
// share of requests this hour.
const tooManyTicketsText = "您所在的网络这一小时提交的诉求已达上限,暂不能再登记新的诉求。急事请拨打 12345 政务服务便民热线,或一小时后再试;" +
	"已登记的诉求可回复“进度”查询。"

// joinedText answers a complaint whose same text opened a ticket moments
// ago: it is handled there, not twice.
func joinedText(t *ticket.Ticket) string {
	return fmt.Sprintf("相同的诉求刚刚已登记(工单号 %s),正在由%s办理,不再重复登记。截止 %s 前会有答复;回复“进度”可随时查询。",
		t.ID, t.Owner(), formatTime(t.Due()))
}

const askItemText = "您问的是下面哪一项?"

const answerWithNumberText = "回复数字即可。"

// whoLeadsText answers "找谁": the units that lead the item.
func whoLeadsText(units []string, role string) string {
	return "这项工作由" + joinUnits(units, 4) + role + "。"
}

const noMaterialsText = "这一条没有列出需要的材料;具体清单以办理窗口为准,回复“转人工”可帮您核实。"

// capabilities lists what the bot can do, for a greeting and a welcome.
const capabilities = "· 政策咨询,如“开办企业要多久”“接电要多少天”\n" +
	"· 投诉,如“审批一直拖着不办”“工程款拖欠不付”\n" +
	"· 帮办代办,如“能不能派人帮我们办施工许可”\n" +
	"· 办理进度,回复“进度”\n" +
	"· 人工服务,回复“转人工”"

// helpText answers a greeting with what the bot can do.
func helpText(region string) string {
	return "您好!我是" + region + "政务服务助手,有呼必应。您可以直接说:\n" + capabilities
}

func askRegionText(kb *knowledge.Base) string {
	return "请问您的企业在哪个地区?可选:" + strings.Join(kb.Regions(), "、") + "。回复地区名称即可,我会记住。"
}

func notFoundText(question string) string {
	return "抱歉,没有找到和您的问题直接对应的政策条目。您可以换个说法再问一次(比如说明要办的事项)," +
		"或回复“转人工”,由政务服务小哥为您解答。"
}

// docTitle names an item's document briefly.
func docTitle(kb *knowledge.Base, it *knowledge.Item) string {
	if it.Source == "catalogue" {
		return "政务服务目录"
	}
	for _, d := range kb.Docs {
		if d.File == it.Doc {
			return strings.Trim(d.Title, "《》")
		}
	}
	return it.Doc
}

// asked is a question analysed for a region, with what answering needs.
type asked struct {
	kb     *knowledge.Base
	region string
	text   string
	norm   string // text, normalized once for every cue that looks at it
	q      *knowledge.Question
	// facet is what the question asks of an item: a figure, who, materials.
	facet facet
	// offTopic is the intent model's probability that the message is not a
	// government matter at all.
	offTopic float64
}

// policyText answers from an item: the headline that answers the question
// first, then the sentences that match it, the item's other figures of
// the kind asked, who is responsible and the source.
func policyText(a asked, it *knowledge.Item) string {
	var b strings.Builder
	kb := a.kb
	head, c, figure := headline(a, it)
	b.WriteString(head)
	b.WriteString("\n")
	for _, s := range a.q.KeySentences(it, 2) {
		if strings.Contains(head, s) || figure && strings.Contains(s, c.Text) && strings.Contains(s, c.Subject) {
			continue
		}
		b.WriteString(sentence(s))
		b.WriteString("\n")
	}
	if figure {
		if more := otherFigures(it, c, figureKinds(a.facet), 3); len(more) > 0 {
			fmt.Fprintf(&b, "同一条款还规定:%s\n", strings.Join(more, ""))
		}
	}
	if units := it.RoutingUnits(); len(units) > 0 && a.facet != facetWho {
		role := "牵头单位"
		if len(it.Lead) == 0 {
			role = "责任单位"
		}
		fmt.Fprintf(&b, "%s:%s", role, joinUnits(units, 4))
		if len(it.Lead) > 0 && len(it.Resp) > 0 {
			fmt.Fprintf(&b, ";责任单位:%s", joinUnits(it.Resp, 4))
		}
		b.WriteString("。\n")
	} else if a.facet == facetWho && len(it.Lead) > 0 && len(it.Resp) > 0 {
		fmt.Fprintf(&b, "责任单位:%s。\n", joinUnits(it.Resp, 4))
	}
	fmt.Fprintf(&b, "依据:《%s》%s。\n如需帮助办理,回复“帮我办”;有问题要反映,可直接说明,我会转交牵头单位。",
		docTitle(kb, it), it.Label())
	return b.String()
}

func splitSentencesOf(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == '。' || r == ';' || r == '\n' || r == '!' || r == '?' })
}

// No-application benefits (免申即享): asked what a business can get without
// applying, list the region's tagged items that fit its description.
var noApplyAsk = []string{"有哪些", "哪些", "清单", "名单", "能享受", "能拿", "能领", "有什么"}

func wantsNoApplyList(q string) bool {
	return containsAny(q, []string{"免申", "不用申请", "不用申报", "直接到账", "直接发", "即申即享", "自动兑现"}) && containsAny(q, noApplyAsk)
}

func noApplyItems(a asked) []*knowledge.Item {
	var out []*knowledge.Item
	kb, region := a.kb, a.region
	for _, h := range a.q.Search(50, knowledge.TagNoApply) {
		if h.Item.HasTag(knowledge.TagNoApply) {
			out = append(out, h.Item)
		}
	}
	for _, it := range kb.RegionItems(region) {
		if it.HasTag(knowledge.TagNoApply) && !containsItem(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func containsItem(items []*knowledge.Item, it *knowledge.Item) bool {
	for _, x := range items {
		if x == it {
			return true
		}
	}
	return false
}

func noApplyList(a asked) string {
	kb, region := a.kb, a.region
	items := noApplyItems(a)
	if len(items) == 0 {
		return "本地区的政策文件中暂未列出“免申即享”事项。回复“转人工”可由工作人员为您核实。"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s“免申即享”(无需申请、直接兑现)的相关事项:\n", region)
	for i, it := range items {
		if i == 6 {
			break
		}
		fmt.Fprintf(&b, "%d. %s —— 《%s》%s\n", i+1, firstSentenceWith(it, "免申"), docTitle(kb, it), it.Label())
	}
	b.WriteString("具体是否符合条件,以兑现平台核定为准;需要核实可回复“转人工”。")
	return b.String()
}

func (e *Engine) noApplyCitations(a asked, cites []Citation) []Citation {
	kb := a.kb
	items := noApplyItems(a)
	out := make([]Citation, 0, len(items))
	for _, it := range items {
		score := 0.0
		for _, c := range cites {
			if c.Doc == it.Doc && c.Item == it.Number {
				score = c.Score
			}
		}
		out = append(out, citationOf(kb, it, score))
	}
	return out
}

func firstSentenceWith(it *knowledge.Item, word string) string {
	for _, s := range splitSentencesOf(it.Body) {
		if strings.Contains(s, word) {
			return strings.TrimSpace(s)
		}
	}
	return it.Title
}

// formatTime prints a deadline for a business.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(shanghai).Format("2006年1月2日 15:04")
}

var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

func ticketText(ts *ticket.Store, t *ticket.Ticket, a asked, item *knowledge.Item) string {
	kb := a.kb
	rules := ts.Policy().Rules(t.Region)
	resolve := rules.General
	if t.Class == ticket.Difficult {
		resolve = rules.Difficult
	}
	// The standard the complaint disputes goes in the first line, beside
	// the ticket number: both are what the business came for.
	var standard string
	if item != nil {
		if c, ok := disputedStandard(a, item); ok {
			standard = "按规定," + figureSentence(c)
		}
	}
	var b strings.Builder
	switch t.Kind {
	case ticket.Assist:
		fmt.Fprintf(&b, "已为您登记帮办代办需求,工单号 %s。%s\n由%s安排专人联系您", t.ID, standard, joinUnits(t.Units, 3))
		if t.Desk != "" && !slices.Contains(t.Units, t.Desk) {
			fmt.Fprintf(&b, "(%s政务服务小哥协同)", t.Desk)
		}
		b.WriteString("。\n")
	default:
		fmt.Fprintf(&b, "已受理您的投诉,工单号 %s。%s\n已转%s", t.ID, standard, t.Owner())
		if len(t.Units) > 1 {
			fmt.Fprintf(&b, "(牵头,会同%s)", joinUnits(t.Units[1:], 3))
		}
		b.WriteString("办理。\n")
	}
	fmt.Fprintf(&b, "按照有呼必应的要求,%s内会有工作人员联系您,%s内办结答复(截止 %s)。\n",
		rules.FirstResponse.Chinese(), resolve.Chinese(), formatTime(t.Due()))
	if item != nil {
		fmt.Fprintf(&b, "相关规定:《%s》%s", docTitle(kb, item), item.Label())
		s := a.q.KeySentences(item, 1)
		if len(s) > 0 {
			fmt.Fprintf(&b, ":%s", s[0])
		}
		b.WriteString("。\n")
	}
	b.WriteString("随时回复“进度”查询办理情况。")
	return b.String()
}

// disputedStandard is the item's figure of the kind the complaint counts,
// if it has one: the business and the unit see the standard at stake.
func disputedStandard(a asked, it *knowledge.Item) (knowledge.Commitment, bool) {
	kinds := map[string]bool{}
	count, duration, amount := saidKinds(a.norm)
	if count {
		kinds["frequency"] = true
	}
	if duration {
		kinds["time"] = true
	}
	if amount {
		kinds["money"] = true
	}
	for k := range figureKinds(a.facet) {
		kinds[k] = true
	}
	if len(kinds) == 0 {
		return knowledge.Commitment{}, false
	}
	return a.q.BestCommitment(it, kinds)
}

func handoffText(ts *ticket.Store, t *ticket.Ticket) string {
	rules := ts.Policy().Rules(t.Region)
	return fmt.Sprintf("已为您转接人工服务,工单号 %s。%s的政务服务小哥接单后会在这里直接回复您"+
		"(工作时间 %s,%s内响应)。", t.ID, t.Desk, rules.Hours.String(), rules.FirstResponse.Chinese())
}

func progressText(ts *ticket.Store, list []*ticket.Ticket) string {
	if len(list) == 0 {
		return "没有查到您在本平台提交的诉求。如果是通过12345热线或窗口提交的,请提供受理编号,或回复“转人工”由工作人员帮您查询。"
	}
	var b strings.Builder
	b.WriteString("您的诉求办理情况:\n")
	now := ts.Now()
	for i, t := range list {
		if i == 5 {
			fmt.Fprintf(&b, "……共 %d 件\n", len(list))
			break
		}
		fmt.Fprintf(&b, "%d. %s %s · %s · %s", i+1, t.ID, t.Kind.Chinese(), t.Status.Chinese(), t.Owner())
		if t.Status.Open() {
			due := t.Due()
			if now.After(due) {
				fmt.Fprintf(&b, " · 已超期(应于 %s 前办结)", formatTime(due))
			} else {
				fmt.Fprintf(&b, " · 剩余%s(截止 %s)", remaining(ts, t, now), formatTime(due))
			}
			if t.Level > 0 {
				fmt.Fprintf(&b, " · 已%s", ticket.LevelName(t.Level))
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// remaining says how much working time a ticket has left.
func remaining(ts *ticket.Store, t *ticket.Ticket, now time.Time) string {
	p := ts.Policy()
	cal := p.Calendar()
	if days := cal.WorkingDaysBetween(now, t.Due()); days >= 1 {
		return fmt.Sprintf("%d个工作日", days)
	}
	left := p.Elapsed(t.Region, now, t.Due())
	return fmt.Sprintf("%.1f个工作小时", left.Hours())
}

// Texts about benefits.
const noProfileText = "还没有贵企业的登记信息(行业、规模、成立年份),无法判断适用哪些“免申即享”政策。" +
	"请通过所在平台补充企业信息,或回复“转人工”由工作人员帮您核实。"

func myBenefitsText(p Profile, region string, fit []*knowledge.Item) string {
	var b strings.Builder
	fmt.Fprintf(&b, "根据贵企业登记的信息(%s,%s企业,%d 年成立),", p.Industry, knowledge.SizeName(p.Size), p.RegisteredYear)
	if len(fit) == 0 {
		fmt.Fprintf(&b, "%s目前没有符合条件的“免申即享”政策。新政策出台后,如您已同意接收,我们会第一时间告诉您。", region)
		return b.String()
	}
	fmt.Fprintf(&b, "您可享受 %s 以下“免申即享”政策,无需申请:\n", region)
	for i, it := range fit {
		fmt.Fprintf(&b, "%d. %s(条件:%s)\n", i+1, it.Title, it.Conditions.String())
	}
	b.WriteString("以兑现平台核定为准;有疑问可回复“转人工”。")
	return b.String()
}

func newBenefitText(it *knowledge.Item, doc string) string {
	return fmt.Sprintf("新的“免申即享”政策:%s。贵企业符合条件(%s),无需申请,将直接兑现。依据:《%s》。",
		it.Title, it.Conditions.String(), doc)
}
