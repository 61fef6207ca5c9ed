package knowledge

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The seed documents, by their number prefix.
const (
	seedHongGuTan = "000" // 红谷滩区 action plan: 30 tasks + 6 steps
	seedGeDian    = "001" // 葛店开发区 implementation plan, 54 items
	seedXuzhou    = "002" // 徐州市 newspaper explainer, lead-in paragraphs
	seedChaoyang  = "003" // 朝阳区 special action plan, 47 items
	seedHechi     = "004" // 河池市 work points, 一(一)… numbering
)

var (
	seedOnce sync.Once
	seedKB   *Base
	seedErr  error
)

// seedBase loads ../seeds once per test binary: documents, catalogue and
// synonyms, as the server does at start-up.
func seedBase(tb testing.TB) *Base {
	tb.Helper()
	seedOnce.Do(func() { seedKB, seedErr = Load(os.DirFS("../seeds"), Options{}) })
	if seedErr != nil {
		tb.Fatalf("load seeds: %v", seedErr)
	}
	return seedKB
}

// seedDoc returns the seed document whose file name starts with prefix.
func seedDoc(tb testing.TB, prefix string) *Document {
	tb.Helper()
	for _, d := range seedBase(tb).Docs {
		if strings.HasPrefix(d.File, prefix+"_") {
			return d
		}
	}
	tb.Fatalf("no seed document %s_*", prefix)
	return nil
}

// seedItem returns the first item of a seed document numbered num as
// printed ("24", "一(四)").
func seedItem(tb testing.TB, prefix, num string) *Item {
	tb.Helper()
	d := seedDoc(tb, prefix)
	for _, it := range d.Items {
		if it.Number == num {
			return it
		}
	}
	tb.Fatalf("%s has no item %q", d.File, num)
	return nil
}

func seedItemByPath(tb testing.TB, prefix, path string) *Item {
	tb.Helper()
	d := seedDoc(tb, prefix)
	for _, it := range d.Items {
		if it.Path == path {
			return it
		}
	}
	tb.Fatalf("%s has no item at path %q", d.File, path)
	return nil
}

func TestSeedItemCounts(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    int
		atLeast bool
	}{
		{"红谷滩区 30 tasks and 6 steps", seedHongGuTan, 36, false},
		{"葛店开发区", seedGeDian, 54, false},
		{"徐州市 explainer", seedXuzhou, 10, true},
		{"朝阳区", seedChaoyang, 47, false},
		{"河池市", seedHechi, 23, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := seedDoc(t, tc.doc)
			got := len(d.Items)
			if tc.atLeast && got < tc.want || !tc.atLeast && got != tc.want {
				t.Errorf("%s: %d items, want %s%d (warnings %v)", d.File, got, map[bool]string{true: "≥"}[tc.atLeast], tc.want, d.Warnings)
			}
		})
	}
	t.Run("红谷滩区 tasks vs steps", func(t *testing.T) {
		var tasks, steps int
		for _, it := range seedDoc(t, seedHongGuTan).Items {
			switch {
			case strings.HasPrefix(it.Path, "二、"):
				tasks++
			case strings.HasPrefix(it.Path, "三、"):
				steps++
			}
		}
		if tasks != 30 || steps != 6 {
			t.Errorf("tasks=%d steps=%d, want 30 and 6", tasks, steps)
		}
	})
}

func TestSeedItemsHaveUnits(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		section string // only items whose path starts with it ("" = all)
	}{
		{"红谷滩区 tasks", seedHongGuTan, "二、"},
		{"葛店开发区", seedGeDian, ""},
		{"朝阳区", seedChaoyang, ""},
		{"河池市", seedHechi, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, it := range seedDoc(t, tc.doc).Items {
				if !strings.HasPrefix(it.Path, tc.section) {
					continue
				}
				n++
				if len(it.Lead)+len(it.Resp) == 0 {
					t.Errorf("item %s (%s) has no lead or responsible unit; text %q", it.Path, it.Title, it.Text)
				}
			}
			if n == 0 {
				t.Fatal("no items checked")
			}
		})
	}
}

func TestSeedPathsAndNumbers(t *testing.T) {
	b := seedBase(t)
	t.Run("ids unique across the base", func(t *testing.T) {
		seen := map[string]bool{}
		for _, it := range b.Items {
			if it.ID == "" || it.Path == "" {
				t.Errorf("item %+v lacks id or path", it)
			}
			if seen[it.ID] {
				t.Errorf("duplicate id %q", it.ID)
			}
			seen[it.ID] = true
		}
	})
	tests := []struct {
		name, doc, path, number, titleHas string
	}{
		{"repeated 1 under 二、(一)", seedHongGuTan, "二、(一) 1", "1", "网上办"},
		{"repeated 1 under 三、(一)", seedHongGuTan, "三、(一) 1", "1", "动员部署"},
		{"河池 一(四)", seedHechi, "一、(四)", "一(四)", "市政设施报装"},
		{"河池 二(三)", seedHechi, "二、(三)", "二(三)", "政务服务"},
		{"葛店 45", seedGeDian, "五、(十九) 45", "45", "公务员诚信"},
		{"朝阳 9", seedChaoyang, "二、(二) 9", "9", "司法保护"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := seedItemByPath(t, tc.doc, tc.path)
			if it.Number != tc.number {
				t.Errorf("number %q, want %q", it.Number, tc.number)
			}
			if !strings.Contains(it.Title, tc.titleHas) {
				t.Errorf("title %q, want it to contain %q", it.Title, tc.titleHas)
			}
			if want := it.Doc + "#" + tc.path; it.ID != want {
				t.Errorf("id %q, want %q", it.ID, want)
			}
		})
	}
}

func TestSeedTitlesSane(t *testing.T) {
	for _, d := range seedBase(t).Docs {
		t.Run(d.File, func(t *testing.T) {
			for _, it := range d.Items {
				switch {
				case strings.TrimSpace(it.Title) == "":
					t.Errorf("item %s: empty title", it.Path)
				case strings.ContainsAny(it.Title, "\n\r"):
					t.Errorf("item %s: title %q holds a line break", it.Path, it.Title)
				case runeLen(it.Title) > 41:
					t.Errorf("item %s: title %q is %d runes long", it.Path, it.Title, runeLen(it.Title))
				case strings.Contains(it.Title, "牵头单位") || strings.Contains(it.Title, "责任单位"):
					t.Errorf("item %s: title %q keeps its unit annotation", it.Path, it.Title)
				}
			}
		})
	}
}

func TestSeedUnits(t *testing.T) {
	type field int
	const (
		lead field = iota
		resp
		coop
	)
	tests := []struct {
		name    string
		doc     string
		number  string
		field   field
		want    []string // exact list when exact, else members that must be present
		exact   bool
		missing []string // strings that must not be a unit of the field
	}{
		{"000/24 run together", seedHongGuTan, "24", lead, []string{"区住建局", "区发改委"}, true, []string{"区住建局区发改委"}},
		{"000/25 run together", seedHongGuTan, "25", lead, []string{"区纪委监委", "区直机关工委"}, true, nil},
		{"000/30 resp separate", seedHongGuTan, "30", resp, []string{"区纪委监委", "区委组织部"}, false, []string{"区纪委监委区委组织部"}},
		{"001/45 stray spaces", seedGeDian, "45", lead, []string{"党政办公室", "组织人社局", "经发局"}, true, []string{"党政办 公室"}},
		{"001/1 spaced label", seedGeDian, "1", lead, []string{"自然资源和规划分局"}, true, nil},
		{"003/9 four units", seedChaoyang, "9", lead, []string{"区委政法委", "市公安局朝阳区分局", "区法院", "区检察院"}, true, nil},
		{"003/8 missing open bracket", seedChaoyang, "8", lead, []string{"各街镇", "开发区"}, true, nil},
		{"003/34 missing close bracket", seedChaoyang, "34", lead, []string{"朝阳税务局"}, true, nil},
		{"004 二(一) long unit whole", seedHechi, "二(一)", lead, []string{"国家金融监督管理总局河池监管分局"}, false, nil},
		{"004 一(十二) bracketed unit whole", seedHechi, "一(十二)", coop, []string{"河池经开区(市工业园区)管委会"}, false, []string{"河池经开区", "市工业园区"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := seedItem(t, tc.doc, tc.number)
			got := [...][]string{lead: it.Lead, resp: it.Resp, coop: it.Coop}[tc.field]
			if tc.exact {
				if !slices.Equal(got, tc.want) {
					t.Errorf("units %q, want %q", got, tc.want)
				}
			} else {
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Errorf("units %q lack %q", got, w)
					}
				}
			}
			for _, m := range tc.missing {
				if slices.Contains(got, m) {
					t.Errorf("units %q contain the broken unit %q", got, m)
				}
			}
			for _, u := range append(append(append([]string{}, it.Lead...), it.Resp...), it.Coop...) {
				if strings.ContainsAny(u, " \n:;、,") || strings.HasPrefix(u, "牵头") || strings.HasPrefix(u, "责任") {
					t.Errorf("unit %q is not clean", u)
				}
			}
		})
	}
}

func TestSeedDeadlines(t *testing.T) {
	tests := []struct {
		name, doc, number, deadline, date string
	}{
		{"month end", seedGeDian, "1", "2021年12月底", "2021-12-31"},
		{"short month", seedGeDian, "2", "2021年3月底", "2021-03-31"},
		{"ongoing", seedGeDian, "21", "长期推进", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := seedItem(t, tc.doc, tc.number)
			if it.Deadline != tc.deadline || it.DeadlineDate != tc.date {
				t.Errorf("deadline %q (%q), want %q (%q)", it.Deadline, it.DeadlineDate, tc.deadline, tc.date)
			}
		})
	}
}

func TestDeadlineDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2021年12月底", "2021-12-31"},
		{"2024年2月底", "2024-02-29"},
		{"2021年底", "2021-12-31"},
		{"2021年3月15日", "2021-03-15"},
		{"2021 年 6 月底", "2021-06-30"},
		{"2021年2月30日", ""},
		{"2021年13月底", ""},
		{"长期推进", ""},
		{"持续推进", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := deadlineDate(tc.in); got != tc.want {
				t.Errorf("deadlineDate(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSeedCommitments(t *testing.T) {
	tests := []struct {
		name, doc, number string
		text, unit, kind  string
		subjectHas        string
	}{
		{"办电 without external works", seedGeDian, "5", "3个工作日", "工作日", "time", "无外部工程"},
		{"开办 half a day", seedGeDian, "23", "0.5个工作日", "工作日", "time", ""},
		{"登记 two hours", seedGeDian, "41", "2小时", "小时", "time", "登记"},
		{"商业纠纷 100 days", seedChaoyang, "11", "100天", "天", "time", "纠纷"},
		{"担保费率 1%", seedHechi, "一(六)", "1%", "%", "percent", "担保费率"},
		{"维权热线", seedHongGuTan, "21", "967788", "", "phone", "热线"},
		{"上门服务 frequency", seedXuzhou, "", "每年至少上门服务一次", "次", "frequency", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var items []*Item
			if tc.number == "" {
				items = seedDoc(t, tc.doc).Items
			} else {
				items = []*Item{seedItem(t, tc.doc, tc.number)}
			}
			var all []string
			for _, it := range items {
				for _, c := range it.Commitments {
					all = append(all, c.Text+"{"+c.Subject+"}")
					if c.Text != tc.text || !strings.Contains(c.Subject, tc.subjectHas) {
						continue
					}
					if c.Unit != tc.unit || c.Kind != tc.kind {
						t.Errorf("%s: unit %q kind %q, want %q %q", c.Text, c.Unit, c.Kind, tc.unit, tc.kind)
					}
					if !strings.Contains(c.Clause, c.Text) {
						t.Errorf("%s: clause %q does not hold the figure", c.Text, c.Clause)
					}
					return
				}
			}
			t.Errorf("no commitment %q with subject containing %q; have %v", tc.text, tc.subjectHas, all)
		})
	}
	t.Run("no dates as commitments", func(t *testing.T) {
		for _, d := range seedBase(t).Docs {
			for _, it := range d.Items {
				for _, c := range it.Commitments {
					if c.Kind == "time" && (c.Unit == "年" && len(c.Value) == 4 || strings.HasSuffix(c.Text, "月底")) {
						t.Errorf("%s: date %q taken for a commitment", it.ID, c.Text)
					}
				}
			}
		}
	})
}

func TestSeedTags(t *testing.T) {
	tests := []struct{ name, doc, number, tag string }{
		{"免申即享", seedHongGuTan, "7", TagNoApply},
		{"帮办代办 from 帮代办", seedHongGuTan, "5", TagAssist},
		{"有呼必应", seedHongGuTan, "21", TagResponse},
		{"企业注销", seedGeDian, "26", "企业注销"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := seedItem(t, tc.doc, tc.number)
			if !it.HasTag(tc.tag) {
				t.Errorf("item %s tags %v lack %q", it.Path, it.Tags, tc.tag)
			}
		})
	}
}

func TestSeedMetadata(t *testing.T) {
	tests := []struct {
		name, doc                    string
		region, number, date, issuer string // "" = not checked
	}{
		{"红谷滩区", seedHongGuTan, "红谷滩区", "", "", ""},
		{"葛店开发区", seedGeDian, "葛店开发区", "", "2021-04-19", ""},
		{"徐州市", seedXuzhou, "徐州市", "", "", ""},
		{"朝阳区", seedChaoyang, "朝阳区", "朝府办〔2021〕7", "2021-05-25", "长春市朝阳区人民政府办公室"},
		{"河池市", seedHechi, "河池市", "", "", "河池市人民政府办公室"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := seedDoc(t, tc.doc)
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s %q, want %q", field, got, want)
				}
			}
			check("region", d.Region, tc.region)
			check("number", d.Number, tc.number)
			check("date", d.Date, tc.date)
			check("issuer", d.Issuer, tc.issuer)
			if d.Title == "" || strings.Contains(d.Title, "\n") {
				t.Errorf("title %q", d.Title)
			}
			for _, it := range d.Items {
				if it.Region != d.Region {
					t.Errorf("item %s region %q, doc %q", it.Path, it.Region, d.Region)
				}
			}
		})
	}
}

// lines splits a synthetic document as docread would hand it over.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// wantItem is what a synthetic document's item should come out as.
type wantItem struct {
	path, number, title string
	lead, resp, coop    []string
	commitment          string // a commitment text the item must have
}

func checkItems(t *testing.T, d *Document, want []wantItem) {
	t.Helper()
	if len(d.Items) != len(want) {
		for _, it := range d.Items {
			t.Logf("  got %q %q lead=%q text=%q", it.Path, it.Title, it.Lead, it.Text)
		}
		t.Fatalf("%d items, want %d (warnings %v)", len(d.Items), len(want), d.Warnings)
	}
	for i, w := range want {
		it := d.Items[i]
		if it.Path != w.path || it.Number != w.number {
			t.Errorf("item %d: path %q number %q, want %q %q", i, it.Path, it.Number, w.path, w.number)
		}
		if w.title != "" && it.Title != w.title {
			t.Errorf("item %d: title %q, want %q", i, it.Title, w.title)
		}
		for _, u := range []struct {
			name      string
			got, want []string
		}{{"lead", it.Lead, w.lead}, {"resp", it.Resp, w.resp}, {"coop", it.Coop, w.coop}} {
			if len(u.got)+len(u.want) > 0 && !slices.Equal(u.got, u.want) {
				t.Errorf("item %d: %s %q, want %q", i, u.name, u.got, u.want)
			}
		}
		if w.commitment != "" && !slices.ContainsFunc(it.Commitments, func(c Commitment) bool { return c.Text == w.commitment }) {
			t.Errorf("item %d: commitments %+v lack %q", i, it.Commitments, w.commitment)
		}
	}
}

func TestParseSynthetic(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   []wantItem
		region string
	}{
		{
			name: "regulation of chapters and articles",
			text: `某某市优化营商环境条例
第一章 总则
第一条 为了持续优化营商环境,激发市场主体活力,制定本条例。
第二条 本条例适用于本市行政区域内的优化营商环境工作。
第二章 市场环境
第三条 市场监督管理部门应当在1个工作日内办结企业设立登记。
第四条 政府采购应当对小微企业报价给予10%的扣除。
第三章 附则
第五条 本条例自2024年1月1日起施行。`,
			want: []wantItem{
				{path: "第一章 第一条", number: "第一条", title: "为了持续优化营商环境,激发市场主体活力,制定本条例"},
				{path: "第一章 第二条", number: "第二条", title: "本条例适用于本市行政区域内的优化营商环境工作"},
				{path: "第二章 第三条", number: "第三条", commitment: "1个工作日"},
				{path: "第二章 第四条", number: "第四条", commitment: "10%"},
				{path: "第三章 第五条", number: "第五条"},
			},
			region: "某某市",
		},
		{
			name: "sub-items with units on the measure's line",
			text: `某某区2023年优化营商环境工作方案
一、重点任务
1.提升企业开办便利度。(牵头单位:区市场监管局;责任单位:区公安分局)
(1)企业设立登记1个工作日内办结。
(2)免费刻制公章。
2.优化用电报装服务。(牵头单位:区发改局;配合单位:区供电公司)
(1)低压小微企业办电时间压缩至2个工作日以内。
(2)推行“零上门、零审批、零投资”。
3.强化政务服务。推行帮办代办服务。(牵头单位:区行政审批局)`,
			want: []wantItem{
				{path: "一、 1", number: "1", title: "提升企业开办便利度", lead: []string{"区市场监管局"}, resp: []string{"区公安分局"}, commitment: "1个工作日"},
				{path: "一、 2", number: "2", title: "优化用电报装服务", lead: []string{"区发改局"}, coop: []string{"区供电公司"}, commitment: "2个工作日"},
				{path: "一、 3", number: "3", title: "强化政务服务", lead: []string{"区行政审批局"}},
			},
		},
		{
			// The annotation after the last sub-item is the measure's, not (2)'s.
			name: "sub-items with units after them",
			text: `某某区2023年优化营商环境工作方案
一、重点任务
1.提升企业开办便利度。具体措施如下:
(1)企业设立登记1个工作日内办结。
(2)免费刻制公章。
(牵头单位:区市场监管局;责任单位:区公安分局)
2.优化用电报装服务。
(1)低压小微企业办电时间压缩至2个工作日以内。
(2)推行“零上门、零审批、零投资”。
(牵头单位:区发改局;配合单位:区供电公司)
3.强化政务服务。推行帮办代办服务。(牵头单位:区行政审批局)`,
			want: []wantItem{
				{path: "一、 1", number: "1", title: "提升企业开办便利度", lead: []string{"区市场监管局"}, resp: []string{"区公安分局"}, commitment: "1个工作日"},
				{path: "一、 2", number: "2", title: "优化用电报装服务", lead: []string{"区发改局"}, coop: []string{"区供电公司"}, commitment: "2个工作日"},
				{path: "一、 3", number: "3", title: "强化政务服务", lead: []string{"区行政审批局"}},
			},
		},
		{
			name: "sub-items with units of their own",
			text: `某某区营商环境工作方案
一、重点任务
1.提升企业开办便利度。
(1)企业设立登记1个工作日内办结。(牵头单位:区市场监管局)
(2)免费刻制公章。(牵头单位:区公安分局)
2.优化用电报装服务。
(1)低压小微企业办电时间压缩至2个工作日以内。(牵头单位:区供电公司)`,
			want: []wantItem{
				{path: "一、 1(1)", number: "(1)", lead: []string{"区市场监管局"}},
				{path: "一、 1(2)", number: "(2)", lead: []string{"区公安分局"}},
				{path: "一、 2(1)", number: "(1)", lead: []string{"区供电公司"}},
			},
		},
		{
			name: "PDF-wrapped lines starting with figures",
			text: `某某区优化营商环境实施方案
一、主要任务
1.提升企业开办效率。将企业开办时限压缩至
0.5个工作日以内,全面推行电子营业执照。(牵头单位:区市场监管局)
2.提升不动产登记效率。抵押登记办理时间压缩至
2.5个工作日,一般登记压缩至
3个工作日。(牵头单位:区自然资源局)
3.优化纳税服务。推行“非接触式”办税,出口退税办理时间压缩至
4.5个工作日以内。(牵头单位:区税务局)`,
			want: []wantItem{
				{path: "一、 1", number: "1", title: "提升企业开办效率", lead: []string{"区市场监管局"}, commitment: "0.5个工作日"},
				{path: "一、 2", number: "2", lead: []string{"区自然资源局"}, commitment: "2.5个工作日"},
				{path: "一、 3", number: "3", lead: []string{"区税务局"}},
			},
		},
		{
			name: "numbering restarts under a new section",
			text: `某某区营商环境工作方案
一、政务服务
1.推行一网通办。(牵头单位:区政数局)
2.推行帮办代办。(牵头单位:区政数局)
二、法治环境
1.规范执法行为。(牵头单位:区司法局)
2.加强知识产权保护。(牵头单位:区市场监管局)
3.化解涉企纠纷。(牵头单位:区法院)`,
			want: []wantItem{
				{path: "一、 1", number: "1", lead: []string{"区政数局"}},
				{path: "一、 2", number: "2", lead: []string{"区政数局"}},
				{path: "二、 1", number: "1", lead: []string{"区司法局"}},
				{path: "二、 2", number: "2", lead: []string{"区市场监管局"}},
				{path: "二、 3", number: "3", lead: []string{"区法院"}},
			},
		},
		{
			name: "deadline and responsible units in their own line",
			text: `某某县优化营商环境行动方案
一、重点任务
1.推进水电气报装联办。实现一表申请、一窗受理。
牵头单位:县住建局、县发改局
责任单位:县供电公司
完成时限:2023年6月底
2.压缩不动产登记时间。一般登记1个工作日内办结。
牵头单位:县自然资源局`,
			want: []wantItem{
				{path: "一、 1", number: "1", lead: []string{"县住建局", "县发改局"}, resp: []string{"县供电公司"}},
				{path: "一、 2", number: "2", lead: []string{"县自然资源局"}, commitment: "1个工作日"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ParseDocument("synthetic.txt", lines(tc.text))
			checkItems(t, d, tc.want)
			if tc.region != "" && d.Region != tc.region {
				t.Errorf("region %q, want %q", d.Region, tc.region)
			}
			for _, it := range d.Items {
				if strings.HasPrefix(it.Title, "0.5") || strings.HasPrefix(it.Title, "2.5") || strings.HasPrefix(it.Title, "4.5") {
					t.Errorf("wrapped line became item %q", it.Title)
				}
			}
		})
	}
}

// A document typed with full-width punctuation (（）：；１．) is narrowed by
// docread before parsing: ParseDocument expects docread's cleaned lines.
func TestParseFullWidth(t *testing.T) {
	const text = "某某县优化营商环境行动方案\n" +
		"一、重点任务\n" +
		"1．推进水电气报装联办。实现一表申请、一窗受理。（牵头单位：县住建局、县发改局；责任单位：县供电公司；完成时限：2023年6月底）\n" +
		"2．压缩不动产登记时间。一般登记1个工作日内办结。（牵头单位：县自然资源局；配合单位：县税务局，县住建局）\n" +
		"3．推行惠企政策免申即享。（牵头单位：县财政局）\n"
	want := []wantItem{
		{path: "一、 1", number: "1", title: "推进水电气报装联办", lead: []string{"县住建局", "县发改局"}, resp: []string{"县供电公司"}},
		{path: "一、 2", number: "2", lead: []string{"县自然资源局"}, coop: []string{"县税务局", "县住建局"}, commitment: "1个工作日"},
		{path: "一、 3", number: "3", lead: []string{"县财政局"}},
	}
	t.Run("through ReadDocument", func(t *testing.T) {
		d, err := ReadDocument("fullwidth.txt", []byte(text), 0)
		if err != nil {
			t.Fatal(err)
		}
		checkItems(t, d, want)
		if d.Items[0].DeadlineDate != "2023-06-30" {
			t.Errorf("deadline %q (%q)", d.Items[0].Deadline, d.Items[0].DeadlineDate)
		}
		if !d.Items[2].HasTag(TagNoApply) {
			t.Errorf("tags %v lack 免申即享", d.Items[2].Tags)
		}
	})
	t.Run("raw lines do not panic", func(t *testing.T) {
		d := ParseDocument("fullwidth.txt", lines(text))
		if d == nil {
			t.Fatal("nil document")
		}
	})
}

func TestParseDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]string, 200)
	for i := range garbage {
		var b strings.Builder
		for j := 0; j < rng.IntN(80); j++ {
			b.WriteRune(rune(rng.IntN(0x10000)))
		}
		garbage[i] = b.String()
	}
	tests := []struct {
		name  string
		lines []string
		items int // -1: any
	}{
		{"nil", nil, 0},
		{"empty lines", []string{"", " ", "\t"}, 0},
		{"title only", []string{"关于优化营商环境的通知"}, 0},
		{"garbage runes", garbage, -1},
		{"punctuation only", []string{"。。。", "(((", ")))", "〔", "】", "、、", ":", "牵头单位:", "(牵头单位:"}, -1},
		{"headings without text", []string{"一、", "(一)", "1.", "(1)", "第一章", "第一条", "关键词一:"}, -1},
		{"unbalanced annotations", []string{"一、任务", "1.事项(牵头单位:(((区发改委", "2.事项〔责任单位:区财政局】】】)", "3.事项牵头单位:配合单位:完成时限:"}, -1},
		{"numbers out of order", []string{"一、任务", "3.第三项(牵头单位:甲局)", "1.第一项(牵头单位:乙局)", "999.末项", "2.第二项(牵头单位:丙局)"}, -1},
		{"huge line", []string{strings.Repeat("推进营商环境优化。 ", 5000)}, -1},
		{"invalid utf-8", []string{"一、\xff\xfe任务", "1.\xc3事项(牵头单位:\xe4\xb8区局)"}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ParseDocument("degenerate.txt", tc.lines)
			if tc.items >= 0 && len(d.Items) != tc.items {
				t.Errorf("%d items, want %d", len(d.Items), tc.items)
			}
			if len(d.Items) == 0 && !slices.Contains(d.Warnings, "no items found") {
				t.Errorf("no items but no warning: %v", d.Warnings)
			}
			checkItemInvariants(t, d)
		})
	}
}

// checkItemInvariants holds for every parsed document.
func checkItemInvariants(t testing.TB, d *Document) {
	t.Helper()
	ids := map[string]bool{}
	for _, it := range d.Items {
		if it.ID == "" || it.Path == "" {
			t.Fatalf("item without id or path: %+v", it)
		}
		if ids[it.ID] {
			t.Fatalf("duplicate id %q in %d items", it.ID, len(d.Items))
		}
		ids[it.ID] = true
		if it.Doc != d.File || it.Source != "document" {
			t.Fatalf("item %q: doc %q source %q", it.ID, it.Doc, it.Source)
		}
	}
}

func TestParseThousandItems(t *testing.T) {
	ls := []string{"某某市政务服务事项清单", "一、事项"}
	for i := 1; i <= 1000; i++ {
		ls = append(ls, fmt.Sprintf("%d.办理第%d项政务服务事项,%d个工作日内办结。(牵头单位:市局%d处)", i, i, i%20+1, i%7))
	}
	d := ParseDocument("thousand.txt", ls)
	checkItemInvariants(t, d)
	if len(d.Items) != 1000 {
		t.Fatalf("%d items, want 1000 (warnings %v)", len(d.Items), d.Warnings)
	}
	for _, i := range []int{1, 99, 100, 999, 1000} {
		it := d.Items[i-1]
		if it.Number != fmt.Sprint(i) || it.Path != fmt.Sprintf("一、 %d", i) {
			t.Errorf("item %d: number %q path %q", i, it.Number, it.Path)
		}
		if want := fmt.Sprintf("市局%d处", i%7); !slices.Equal(it.Lead, []string{want}) {
			t.Errorf("item %d: lead %q, want %q", i, it.Lead, want)
		}
	}
}
