package knowledge

import "strings"

// Canonical tag names. The engine keys intents and lists on the first three.
const (
	TagNoApply   = "免申即享"
	TagAssist    = "帮办代办"
	TagResponse  = "有呼必应"
	TagOneThing  = "一件事一次办"
	TagRating    = "好差评"
	TagComplaint = "投诉处理"
)

// tagCues maps each canonical tag to the wordings documents use for it.
var tagCues = []struct {
	tag  string
	cues []string
}{
	{TagNoApply, []string{"免申即享", "免申即办", "即申即享", "免申即兑", "免申请", "无感兑现", "直接兑现", "政策找企业"}},
	{TagAssist, []string{"帮办代办", "帮代办", "帮办", "代办", "代跑", "陪办", "导办", "政务服务小哥", "专人对接", "全程代办", "服务专员"}},
	{TagResponse, []string{"有呼必应", "无事不扰", "有事必服", "接诉即办"}},
	{TagOneThing, []string{"一件事一次办", "一件事", "一事联办", "一次办", "打包办"}},
	{TagRating, []string{"好差评", "差评"}},
	{TagComplaint, []string{"投诉", "举报", "诉求", "督办", "12345", "维权"}},
	{"一网通办", []string{"一网通办", "全程网办", "网上办", "掌上办", "不见面", "网上申请", "网上报装"}},
	{"政策兑现", []string{"政策兑现", "兑现", "惠企政策", "奖励", "补贴", "扶持"}},
	{"融资信贷", []string{"贷款", "融资", "信贷", "担保", "信易贷", "贴息", "质押"}},
	{"用电", []string{"用电", "办电", "供电", "电力", "停电", "电价"}},
	{"用水用气", []string{"用水", "供水", "用气", "燃气", "天然气"}},
	{"企业开办", []string{"企业开办", "开办企业", "设立登记", "营业执照"}},
	{"企业注销", []string{"注销", "歇业", "破产"}},
	{"纳税服务", []string{"纳税", "办税", "退税", "发票", "税费"}},
	{"工程建设", []string{"施工许可", "工程建设项目", "规划许可", "竣工验收", "联合验收", "测绘"}},
	{"不动产登记", []string{"不动产登记", "抵押登记", "过户"}},
	{"监管执法", []string{"执法", "检查", "抽查", "处罚", "包容审慎", "首违不罚", "监管"}},
	{"账款拖欠", []string{"拖欠", "账款", "欠款", "新官不理旧账", "清欠"}},
	{"法律服务", []string{"法律服务", "纠纷", "调解", "仲裁", "诉讼", "法院"}},
	{"政府采购", []string{"政府采购", "采购"}},
	{"招标投标", []string{"招标", "投标", "招投标", "评标"}},
	{"人才服务", []string{"人才", "落户", "就业", "招聘", "技能培训"}},
	{"信用", []string{"信用", "诚信", "失信"}},
	{"知识产权", []string{"知识产权", "商标", "专利"}},
}

// tagsFor names the canonical tags whose cues appear in the text.
func tagsFor(text string) []string {
	var out []string
	for _, tc := range tagCues {
		for _, c := range tc.cues {
			if strings.Contains(text, c) {
				out = append(out, tc.tag)
				break
			}
		}
	}
	return out
}

// CanonicalTag maps a tag or one of its wordings (免申即办, 帮代办) to the
// canonical name, so catalogue entries may use either.
func CanonicalTag(t string) string {
	for _, tc := range tagCues {
		if tc.tag == t {
			return t
		}
		for _, c := range tc.cues {
			if c == t {
				return tc.tag
			}
		}
	}
	return t
}
