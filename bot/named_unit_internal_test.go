package bot

import (
	"slices"
	"strings"
	"testing"

	"frontdoor/knowledge"
	"frontdoor/knowledge/knowledgetest"
	"frontdoor/seeds"
)

func TestNamesUnit(t *testing.T) {
	tests := []struct {
		text, region, unit string
		want               bool
	}{
		{"新项目要报建，想请住建局安排一个人全程指导", "葛店开发区", "住建局", true},
		{"想请住建局安排一个人", "朝阳区", "区住建局", true},
		{"报案半年不立案 政法委管不管", "红谷滩区", "区委政法委", true},
		{"帮我们约税务局 下周", "朝阳区", "朝阳税务局", true},
		{"市场监管局抽查了三次", "朝阳区", "市市场监管局朝阳分局", true},
		{"区住建局去了9次", "河池市", "住房城乡建设局", false},
		{"法院执行不了", "朝阳区", "区法院", false}, // 法院: two characters name no office in particular
		{"区里的事", "朝阳区", "区政数局", false},
	}
	for _, tt := range tests {
		t.Run(tt.unit+" "+tt.text, func(t *testing.T) {
			if got := namesUnit(tt.text, tt.region, tt.unit); got != tt.want {
				t.Errorf("namesUnit = %v, want %v (forms %q)", got, tt.want, unitForms(tt.unit, strings.TrimRight(tt.region, "市区县")))
			}
		})
	}
}

func TestPreferNamedUnit(t *testing.T) {
	hit := func(id string, score float64, lead ...string) knowledge.Hit {
		return knowledge.Hit{Item: &knowledge.Item{ID: id, Lead: lead}, Score: score}
	}
	ids := func(res []knowledge.Hit) string {
		var out []string
		for _, h := range res {
			out = append(out, h.Item.ID)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name, text string
		res        []knowledge.Hit
		found      bool
		order      string
	}{
		{"second promoted", "想请住建局派人指导", []knowledge.Hit{hit("a", 9, "行政审批局"), hit("b", 8, "住建局"), hit("c", 7, "住建局")}, true, "b a c"},
		{"first kept", "住建局和行政审批局都去了", []knowledge.Hit{hit("a", 9, "行政审批局"), hit("b", 8, "住建局")}, true, "a b"},
		{"too weak", "想请住建局派人指导", []knowledge.Hit{hit("a", 9, "行政审批局"), hit("b", 2, "住建局")}, false, "a b"},
		{"past the few best", "想请住建局派人指导", []knowledge.Hit{hit("a", 9, "审批局"), hit("b", 8, "财金局"), hit("c", 7, "经发局"), hit("d", 6, "住建局")}, false, "a b c d"},
		{"none named", "窗口态度差", []knowledge.Hit{hit("a", 9, "行政审批局"), hit("b", 8, "住建局")}, false, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := slices.Clone(tt.res)
			if found := preferNamedUnit(tt.text, "葛店开发区", res, 3); found != tt.found || ids(res) != tt.order {
				t.Errorf("found %v, order %q; want %v, %q", found, ids(res), tt.found, tt.order)
			}
		})
	}
}

// On the corpus's complaints and paperwork requests, each searched in a
// base built without the corpus (whose messages would find their own
// items), a named unit routes more of them to their item's units than
// the ranking alone: 2,720 against 2,713 of 3,091 when it was written.
func TestNamedUnitRoutesTheCorpusBetter(t *testing.T) {
	fsys, err := knowledgetest.Seeds(knowledge.CorpusDir)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Load(fsys, knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := knowledge.ReadCorpus(seeds.FS)
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{cfg: Config{}}
	e.cfg.defaults()
	route := func(res []knowledge.Hit, named bool) []string {
		if len(res) > 0 && res[0].Score >= e.cfg.RouteScore && (named || !e.unclearUnit(res)) {
			return res[0].Item.RoutingUnits()
		}
		return nil
	}
	var n, plain, named int
	for _, m := range msgs {
		want, ok := kb.Item(m.ItemID)
		if m.Intent != string(Complaint) && m.Intent != string(AssistRequest) || !ok {
			continue
		}
		n++
		res, err := kb.Search(m.Region, m.Text, 5)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(route(res, false), want.RoutingUnits()) {
			plain++
		}
		found := preferNamedUnit(m.Text, m.Region, res, e.cfg.RouteScore)
		if slices.Equal(route(res, found), want.RoutingUnits()) {
			named++
		}
	}
	t.Logf("%d messages: routed right %d by the ranking alone, %d with the units they name", n, plain, named)
	if n < 1000 || named <= plain {
		t.Errorf("%d messages: %d right with the named units, %d without", n, named, plain)
	}
}
