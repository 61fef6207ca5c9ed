package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/intent"
)

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// The first line answers with the figure for the condition the business
// states, negations included, as a sentence of the document; the item's
// other figures of that kind follow below it.
func TestHeadlineStatesTheFigureForTheCondition(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	tests := []struct {
		text, want, not string
	}{
		{"低压报装 不需要外线工程的话 通电要几天", "3个工作日", "10个工作日"},
		{"我们小厂没有外部工程 通电多久", "3个工作日", "10个工作日"},
		{"有外线工程的话接电要多久", "10个工作日", "3个工作日"},
		{"高压用户报装用电要多长时间", "30个工作日", "3个工作日"},
		{"一般问题投诉了几天答复", "5个工作日", "15个工作日"},
		{"疑难问题要多久办结", "15个工作日", ""},
	}
	for i, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := handle(t, env.Engine, bot.Inbound{User: fmt.Sprintf("u-head-%d", i), Region: "葛店开发区", Text: tt.text})
			head := firstLine(r.Text)
			if !strings.Contains(head, tt.want) || tt.not != "" && strings.Contains(head, tt.not) {
				t.Fatalf("first line %q; want %s (not %s). Reply:\n%s", head, tt.want, tt.not, r.Text)
			}
			if strings.Contains(head, ":"+tt.want) || !strings.HasSuffix(head, "。") {
				t.Errorf("first line %q is not a sentence", head)
			}
		})
	}
	r := handle(t, env.Engine, bot.Inbound{User: "u-head-more", Region: "葛店开发区", Text: "低压报装 不需要外线工程的话 通电要几天"})
	if !strings.Contains(r.Text, "同一条款还规定") || !strings.Contains(r.Text, "10个工作日") {
		t.Errorf("the item's other figures do not follow the headline:\n%s", r.Text)
	}
}

// A follow-up continues from the item just discussed: a new condition for
// the same figure, who leads it, what it needs.
func TestFollowUpsResolveAgainstTheItemJustDiscussed(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	in := func(text string) bot.Reply {
		return handle(t, env.Engine, bot.Inbound{User: "u-follow", Region: "葛店开发区", Text: text})
	}
	first := in("我们厂不用外线施工 接电要几天")
	if !strings.Contains(firstLine(first.Text), "3个工作日") || len(first.Citations) == 0 {
		t.Fatalf("first answer: %q", first.Text)
	}
	item := first.Citations[0]
	steps := []struct {
		text, want string
	}{
		{"那要是有外线工程呢?", "10个工作日"},
		{"这个找谁", "经发局"},
		{"那高压的呢", "30个工作日"},
	}
	for _, st := range steps {
		r := in(st.text)
		if !strings.Contains(firstLine(r.Text), st.want) {
			t.Errorf("%q: first line %q, want %s", st.text, firstLine(r.Text), st.want)
		}
		if len(r.Citations) == 0 || r.Citations[0].Doc != item.Doc || r.Citations[0].Item != item.Item {
			t.Errorf("%q: cited %v, want item %s", st.text, r.Citations, item.Item)
		}
	}
	// a question that names another matter is not a follow-up
	r := in("那注销公司要多久呢")
	if len(r.Citations) == 0 || r.Citations[0].Item == item.Item {
		t.Errorf("a new question was taken for a follow-up: %q", r.Text)
	}
}

// Unsure of the intent, the engine asks with numbered choices, and acts on
// the number the business answers with.
func TestAsksBackWhenUnsureAndActsOnTheNumber(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{IntentConfidence: 0.999, IntentAlternative: 0.0001}})
	in := func(text string) bot.Reply {
		return handle(t, env.Engine, bot.Inbound{User: "u-ask", Region: "葛店开发区", Text: text})
	}
	r := in("我们厂申请接电一个多月了还没通,这正常吗")
	if len(r.Choices) < 2 || r.Ticket != nil {
		t.Fatalf("want a question back with choices and no ticket yet: %q", r.Text)
	}
	data, _ := r.JSON()
	var wire struct {
		Choices []struct {
			N    int    `json:"n"`
			Text string `json:"text"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &wire); err != nil || len(wire.Choices) != len(r.Choices) || wire.Choices[0].N != 1 {
		t.Fatalf("choices on the wire: %s", data)
	}
	complaint := 0
	for _, c := range r.Choices {
		if strings.Contains(c.Text, "投诉") {
			complaint = c.N
		}
		if !strings.Contains(r.Text, fmt.Sprintf("%d. %s", c.N, c.Text)) {
			t.Errorf("choice %d is not in the text: %q", c.N, r.Text)
		}
	}
	if complaint == 0 {
		t.Fatalf("no complaint among the choices: %v", r.Choices)
	}
	r = in(fmt.Sprint(complaint))
	if r.Intent != bot.Complaint || r.Ticket == nil || !strings.Contains(r.Text, "工单号") {
		t.Fatalf("answered %d (complaint): %s %q", complaint, r.Intent, r.Text)
	}
	// the choice is spent: the same number again is a new message
	r = in(fmt.Sprint(complaint))
	if r.Ticket != nil && r.Intent == bot.Complaint {
		t.Errorf("a spent choice opened another ticket: %q", r.Text)
	}
}

// Two items that fit a question alike: the engine asks which was meant and
// answers from the one chosen.
func TestAsksWhichItemWhenTwoFitAlike(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{ItemMargin: 0.9}})
	in := func(text string) bot.Reply {
		return handle(t, env.Engine, bot.Inbound{User: "u-which", Region: "葛店开发区", Text: text})
	}
	r := in("营商环境")
	if len(r.Choices) < 2 || len(r.Citations) < 2 {
		t.Fatalf("want a question back listing items: %q", r.Text)
	}
	second := r.Citations[1]
	r = in("2")
	if len(r.Choices) != 0 || len(r.Citations) == 0 || r.Citations[0].Item != second.Item {
		t.Fatalf("answered 2: cited %v, want item %s first (%q)", r.Citations, second.Item, r.Text)
	}
}

// A complaint that two items led by different units fit alike goes to the
// region's dispatcher, not to a guessed unit.
func TestUnclearComplaintGoesToTheDispatcher(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{ItemMargin: 0.99}})
	r := handle(t, env.Engine, bot.Inbound{User: "u-unclear", Region: "葛店开发区",
		Text: "办事的时候被刁难了好几次,一直没人管,我要投诉"})
	if r.Intent != bot.Complaint || r.Ticket == nil {
		t.Fatalf("not a complaint ticket: %s %q", r.Intent, r.Text)
	}
	if want := env.KB.RegionSettings("葛店开发区").Dispatcher; len(r.Ticket.Units) != 1 || r.Ticket.Units[0] != want {
		t.Errorf("routed to %v, want the dispatcher %s", r.Ticket.Units, want)
	}
}

// A short message naming a matter only the region's documents name is
// answered from them, though the model, which knows no region's words,
// takes it for one not meant for the service; in a region whose documents
// do not name it, and for a message about nothing of the kind, the reply
// says what the service is for. The model here is trained on a corpus in
// which "…几时开门" asks after shops and parks, so that it reads every such
// message as off-topic whatever the shipped corpus teaches.
func TestANamedMatterIsNotOffTopic(t *testing.T) {
	var corpus strings.Builder
	line := func(text, in string) {
		fmt.Fprintf(&corpus, "{\"text\": %q, \"intent\": %q}\n", text, in)
	}
	for _, place := range []string{"超市", "公园", "银行", "菜市场", "电影院", "健身房", "商场", "理发店"} {
		line(place+"几时开门", "out_of_scope")
		line(place+"今天人多不多", "out_of_scope")
	}
	for _, q := range []string{"开办企业要多久", "接电要几天", "注销公告几天", "施工许可怎么办", "报装用水要什么材料", "贷款几天能批"} {
		line(q, "policy_query")
		line("请问"+q, "policy_query")
	}
	model, err := intent.FromCorpus(fstest.MapFS{"corpus/test.jsonl": {Data: []byte(corpus.String())}})
	if err != nil {
		t.Fatal(err)
	}
	env := bottest.New(t, bottest.Options{Intents: model})
	tests := []struct {
		region, text string
		want         bot.Intent
		cites        string
	}{
		{"葛店开发区", "临床中心几时开门", bot.PolicyQuery, "临床中心"},
		{"朝阳区", "临床中心几时开门", bot.OutOfScope, ""},
		{"葛店开发区", "电影院几时开门", bot.OutOfScope, ""},
	}
	for i, tt := range tests {
		t.Run(tt.region+"/"+tt.text, func(t *testing.T) {
			r := handle(t, env.Engine, bot.Inbound{User: fmt.Sprintf("u-named-%d", i), Region: tt.region, Text: tt.text})
			if r.Intent != tt.want {
				t.Fatalf("intent %s, want %s; reply %q", r.Intent, tt.want, r.Text)
			}
			if tt.cites != "" && (len(r.Citations) == 0 || !strings.Contains(r.Citations[0].Text, tt.cites)) {
				t.Errorf("first citation %+v, want the item naming %s", r.Citations, tt.cites)
			}
		})
	}
}
