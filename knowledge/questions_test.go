package knowledge

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseQuestions(t *testing.T) {
	tests := []struct {
		name, data, err string
	}{
		{"good", "doc: a.txt\nitems:\n  - path: \"一、(一) 1\"\n    questions: [\" 接电要多久 \", 接电要多久, \"\"]\n    figures: {\"3个工作日\": [不用挖路几天]}\n", ""},
		{"no doc", "items:\n  - path: x\n    questions: [a]\n", "doc:"},
		{"no path", "doc: a.txt\nitems:\n  - questions: [a]\n", "a.questions.yaml:3: an entry needs path:"},
		{"unknown field", "doc: a.txt\nitems:\n  - path: x\n    question: [a]\n", "a.questions.yaml:4: items: unknown field \"question\""},
		{"not YAML", "doc: [\n", "YAML syntax error"},
		{"not a mapping", "- a\n- b\n", "a mapping"},
		{"too long", "doc: a.txt\nitems:\n  - path: x\n    questions: [\"" + strings.Repeat("长", 301) + "\"]\n", "longer than 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qf, err := ParseQuestions("a.questions.yaml", []byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			iq := qf.Items[0]
			if qf.Doc != "a.txt" || !slices.Equal(iq.Questions, []string{"接电要多久"}) || len(iq.Figures["3个工作日"]) != 1 {
				t.Errorf("%+v", qf)
			}
		})
	}
}

// Questions reach their items by path, by a number no other item has, and
// never by guess: an entry that names no item, or a figure its item does
// not state, is a warning, not a failed load; drafts wait for review.
func TestQuestionsAttachToTheirItems(t *testing.T) {
	fsys := seedsMapFS(t)
	for name := range fsys {
		if strings.HasPrefix(name, QuestionsDir+"/") {
			delete(fsys, name)
		}
	}
	fsys["questions/001_ae791fdead5d71ad.yaml"] = &fstest.MapFile{Data: []byte(`doc: 001_ae791fdead5d71ad.txt
items:
  - path: "一、(二) 5"
    questions: [斑马线咖啡馆通电]
    figures:
      "3个工作日": [不挖路的斑马线几天]
      "99个光年": [不存在的数字的问题]
  - item: "23"
    questions: [开个麒麟公司]
  - path: "九、(九十九) 999"
    questions: [没有这一项]
`)}
	fsys["questions/000_939a421437c5cbc1.yaml"] = &fstest.MapFile{Data: []byte(`doc: 000_939a421437c5cbc1.txt
items:
  - item: "1"
    questions: [编号重复的一项]
`)}
	fsys["questions/003_fcd537af7cb802e9"+DraftSuffix] = &fstest.MapFile{Data: []byte(`doc: 003_fcd537af7cb802e9.txt
items:
  - item: "1"
    questions: [草稿里的琵琶问题]
`)}
	fsys["questions/999_gone.yaml"] = &fstest.MapFile{Data: []byte("doc: 999_gone.txt\nitems:\n  - item: \"1\"\n    questions: [a]\n")}
	b, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	five, _ := b.Item("001_ae791fdead5d71ad.txt#一、(二) 5")
	if !slices.Contains(five.Questions, "斑马线咖啡馆通电") || !slices.Contains(five.Questions, "不存在的数字的问题") ||
		!slices.Equal(five.FigureQuestions["3个工作日"], []string{"不挖路的斑马线几天"}) || len(five.FigureQuestions) != 1 {
		t.Errorf("item 5: %q %q", five.Questions, five.FigureQuestions)
	}
	hits, _ := b.Search("葛店开发区", "开个麒麟公司", 1)
	if len(hits) == 0 || hits[0].Item.Number != "23" {
		t.Errorf("a question by a unique number found %v", hits)
	}
	var doc001, doc000 *Document
	for _, d := range b.Docs {
		switch d.File {
		case "001_ae791fdead5d71ad.txt":
			doc001 = d
		case "000_939a421437c5cbc1.txt":
			doc000 = d
		}
	}
	warned := strings.Join(doc001.Warnings, "\n")
	if !strings.Contains(warned, "九、(九十九) 999") || !strings.Contains(warned, "99个光年") {
		t.Errorf("warnings of 001: %s", warned)
	}
	if !strings.Contains(strings.Join(doc000.Warnings, "\n"), `item "1"`) {
		t.Errorf("a number that repeats attached to a guessed item: %q", doc000.Warnings)
	}
	for _, it := range b.Items {
		if slices.Contains(it.Questions, "草稿里的琵琶问题") {
			t.Errorf("a draft reached %s", it.ID)
		}
	}
	if !slices.ContainsFunc(b.Problems, func(p Problem) bool { return strings.Contains(p.File, "999_gone") }) {
		t.Errorf("questions for a missing document: %v", b.Problems)
	}
	fsys["questions/001_ae791fdead5d71ad.yaml"] = &fstest.MapFile{Data: []byte("doc: [\n")}
	if _, err := Load(fsys, Options{}); err == nil || !strings.Contains(err.Error(), "001_ae791fdead5d71ad.yaml") {
		t.Errorf("a file that does not parse loaded: %v", err)
	}
}

func TestNegatedAt(t *testing.T) {
	tests := []struct {
		text, term string
		want       termSign
	}{
		{"不用挖路的话几天通电", "挖路", signNegated},
		{"我们没有外线工程", "外线", signNegated},
		{"无外部工程的办电时间", "外部工程", signNegated},
		{"有外部工程的办电时间", "外部工程", signAffirmed},
		{"不是小微企业能享受吗", "小微企业", signNegated},
		{"挖路审批要几天", "挖路", signAffirmed},
		{"不对,外线工程要多久", "外线", signAffirmed}, // the negator is in another clause
		{"接电要多久", "外线", signAbsent},
	}
	for _, tt := range tests {
		if got := signOf(tt.text, tt.term); got != tt.want {
			t.Errorf("signOf(%q, %q) = %d, want %d", tt.text, tt.term, got, tt.want)
		}
	}
}

func TestOwnPart(t *testing.T) {
	tests := []struct{ clause, figure, want string }{
		{"一般问题5个工作日、疑难问题15个工作日办结", "5个工作日", "一般问题5个工作日办结"},
		{"一般问题5个工作日、疑难问题15个工作日办结", "15个工作日", "疑难问题15个工作日办结"},
		{"城区160千瓦及以下、农村地区100千瓦及以下的小微企业用电报装零投资", "160千瓦", "城区160千瓦及以下的小微企业用电报装零投资"},
		{"城区160千瓦及以下、农村地区100千瓦及以下的小微企业用电报装零投资、零上门、零审批", "160千瓦", "城区160千瓦及以下的小微企业用电报装零投资"},
		{"对营业执照、项目备案等40类以上事项实现自助办理", "40类", "对营业执照、项目备案等40类以上事项实现自助办理"},
		{"审批时限压缩至3个工作日内", "3个工作日", "审批时限压缩至3个工作日内"},
	}
	for _, tt := range tests {
		if got := ownPart(tt.clause, tt.figure); got != tt.want {
			t.Errorf("ownPart(%q, %q) = %q, want %q", tt.clause, tt.figure, got, tt.want)
		}
	}
}

// The figure for the condition the question states, negations included,
// with the figure questions of the shipped seeds.
func TestBestCommitmentByCondition(t *testing.T) {
	b := seedBase(t)
	five, _ := b.Item("001_ae791fdead5d71ad.txt#一、(二) 5")
	time := map[string]bool{"time": true}
	tests := []struct{ q, want string }{
		{"没有外部工程的话 低压接电要几天", "3个工作日"},
		{"有外线工程 接电多久", "10个工作日"},
		{"高压用户办电多长时间", "30个工作日"},
		{"居民家里报装用电几天", "2个工作日"},
	}
	for _, tt := range tests {
		c, ok := b.BestCommitment(five, tt.q, time)
		if !ok || c.Text != tt.want {
			t.Errorf("%q: %q (%q), want %s", tt.q, c.Text, c.Subject, tt.want)
		}
	}
	if _, ok := b.BestCommitment(five, "接电要多久", map[string]bool{"phone": true}); ok {
		t.Error("a figure of a kind the item does not state")
	}
}

func TestQuestionItem(t *testing.T) {
	b := seedBase(t)
	for _, it := range b.Items {
		qs := it.AllQuestions()
		if len(qs) == 0 {
			continue
		}
		q := qs[0]
		for _, variant := range []string{q, " " + q + "?!", strings.ToUpper(q)} {
			if got, ok := b.QuestionItem(it.Region, variant); !ok || got.ID != it.ID && !slices.Contains(got.AllQuestions(), q) {
				t.Errorf("QuestionItem(%q) = %v, %v; want %s", variant, got, ok, it.ID)
			}
		}
		if _, ok := b.QuestionItem("另一个区", q); ok {
			t.Errorf("a question found an item of another region")
		}
		return
	}
	t.Fatal("no item has questions")
}
