package evaluate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"frontdoor/bot/bottest"
	"frontdoor/bot/evaluate"
	"frontdoor/knowledge"
	"frontdoor/knowledge/knowledgetest"
)

// CrossRetrieval searches each corpus message in a base built without its
// fold: a message only its own words tie to its item is not found, two
// that say the same find each other's item, and a complaint about an item
// no unit leads counts as routed right when it goes to the dispatcher.
func TestCrossRetrieval(t *testing.T) {
	const (
		power  = "001_ae791fdead5d71ad.txt#一、(二) 5"
		proof  = "003_fcd537af7cb802e9.txt#二、(一) 1"
		xuzhou = "002_c95ffdd180ea7e81.txt#关键词二 2"
	)
	line := func(text, intent, region, item string) string {
		return `{"text": "` + text + `", "intent": "` + intent + `", "region": "` + region + `", "item_id": "` + item + `"}`
	}
	corpus := []string{
		// twins: two folds of two, each finds the other's item
		line("鸵鸟蛋糕坊卤味间甲 几天", "policy_query", "葛店开发区", power),
		line("鸵鸟蛋糕坊卤味间乙 几天", "policy_query", "葛店开发区", power),
		line("斑马线咖啡馆招牌甲 没人管", "complaint", "朝阳区", proof),
		line("斑马线咖啡馆招牌乙 没人管", "complaint", "朝阳区", proof),
		// only its own words tie it to its item
		line("孔雀羽毛扇作坊丙丁", "assist_request", "朝阳区", proof),
		line("孔雀羽毛扇作坊丙丁戊", "assist_request", "朝阳区", "003_fcd537af7cb802e9.txt#no such item"),
		// 徐州's items name no unit: the dispatcher is right
		line("换了领导就说不知道这回事 必须给个说法", "complaint", "徐州市", xuzhou),
		line("你好", "greeting", "", ""),
	}
	fsys, err := knowledgetest.Seeds(knowledge.CorpusDir)
	if err != nil {
		t.Fatal(err)
	}
	fsys[knowledge.CorpusDir+"/local.jsonl"] = &fstest.MapFile{Data: []byte(strings.Join(corpus, "\n") + "\n")}

	// With every message indexed, each finds its own item.
	whole, err := knowledge.Load(fsys, knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hits, _ := whole.Search("朝阳区", "孔雀羽毛扇作坊丙丁", 1); len(hits) == 0 || hits[0].Item.ID != proof {
		t.Fatalf("the lone message does not find its item even when indexed: %v", hits)
	}

	env := bottest.New(t, bottest.Options{})
	r, err := evaluate.CrossRetrieval(env.Engine, fsys, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 2 policy questions; 4 complaints and requests with a known item
	if r.Questions != 2 || r.Routed != 4 {
		t.Fatalf("%d questions, %d routed; want 2 and 4", r.Questions, r.Routed)
	}
	if r.Top1 != 1 {
		t.Errorf("the twin questions found their item first %.2f of the time, want 1", r.Top1)
	}
	// the twin complaints and 徐州's; not the lone request
	if r.Routing != 0.75 {
		t.Errorf("routing %.2f, want 0.75", r.Routing)
	}
	var b strings.Builder
	r.Print(&b)
	for _, want := range []string{"2-fold", "policy questions        2", "complaints/requests     4"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
