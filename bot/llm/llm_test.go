package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/llm"
	"frontdoor/knowledge"
)

// fakeModel is an OpenAI-compatible endpoint that keeps what it receives.
type fakeModel struct {
	*httptest.Server
	requests atomic.Int32
	// slow makes a request wait until its client gives up.
	slow atomic.Bool

	mu     sync.Mutex
	bodies [][]byte
	answer func(prompt string) string
}

func newFakeModel(t *testing.T, answer func(prompt string) string) *fakeModel {
	m := &fakeModel{answer: answer}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		m.requests.Add(1)
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		_ = json.Unmarshal(body, &req)
		m.mu.Lock()
		m.bodies = append(m.bodies, body)
		answer := m.answer
		m.mu.Unlock()
		if m.slow.Load() {
			<-r.Context().Done()
			return
		}
		prompt := ""
		if len(req.Messages) > 0 {
			prompt = req.Messages[len(req.Messages)-1].Content
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]string{"role": "assistant", "content": answer(prompt)}}}})
	}))
	t.Cleanup(m.Close)
	return m
}

// body is the n-th request body received.
func (m *fakeModel) body(t *testing.T, n int) []byte {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if n >= len(m.bodies) {
		t.Fatalf("the model received %d requests, want at least %d", len(m.bodies), n+1)
	}
	return m.bodies[n]
}

func newPhraser(t *testing.T, m *fakeModel, cfg llm.Config) *llm.Phraser {
	t.Helper()
	cfg.BaseURL, cfg.Model, cfg.APIKey = m.URL+"/v1", "test-model", "k"
	p, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	itemDoc      = "001_ae791fdead5d71ad.txt"
	itemDocTitle = "关于以市场主体需求为导向打造一流营商环境的实施方案"
)

func powerItem() *knowledge.Item {
	return &knowledge.Item{Doc: itemDoc, Number: "5", Title: "压缩办电时间", Lead: []string{"供电公司"},
		Text: "低压非居民用户无外部工程的办电时间压缩至3个工作日以内。咨询电话:0711-3862123。"}
}

func titleOf(*knowledge.Item) string { return itemDocTitle }

func echo(string) string {
	return "3个工作日。依据:《" + itemDocTitle + "》第5项「压缩办电时间」"
}

// leaks lists the personal data in leaked that body holds, as written or
// with its spaces and dashes taken out.
func leaks(body []byte, personal ...string) []string {
	squeeze := func(b []byte) []byte {
		return bytes.Map(func(r rune) rune {
			if r == ' ' || r == '-' || r == '\u3000' {
				return -1
			}
			return r
		}, b)
	}
	var out []string
	for _, p := range personal {
		if bytes.Contains(body, []byte(p)) || bytes.Contains(squeeze(body), squeeze([]byte(p))) {
			out = append(out, p)
		}
	}
	return out
}

// personal is what a business may type into a question.
var personal = []string{"13812345678", "110101199003071234", "6222 0212 3456 7890 123", "027-87654321", "zhang.san@example.com"}

func TestPhraseMasksPersonalData(t *testing.T) {
	m := newFakeModel(t, echo)
	p := newPhraser(t, m, llm.Config{})
	q := "我是张三,手机13812345678,身份证110101199003071234,工资卡6222 0212 3456 7890 123," +
		"座机027-87654321,邮箱zhang.san@example.com,厂里接电要几天?"
	// the template may carry what the business typed too: it is masked as well
	draft := "无外部工程的办电时间压缩至3个工作日以内。您留的电话:１３９１２３４５６７８。"
	if _, err := p.Phrase(context.Background(), q, []*knowledge.Item{powerItem()}, titleOf, draft); err != nil {
		t.Fatal(err)
	}
	body := m.body(t, 0)
	if l := leaks(body, append(personal, "13912345678", "１３９１２３４５６７８")...); len(l) > 0 {
		t.Errorf("the request carries %q:\n%s", l, body)
	}
	for _, kept := range []string{"0711-3862123", "3个工作日", "厂里接电要几天", "138****5678"} {
		if !bytes.Contains(body, []byte(kept)) {
			t.Errorf("the request lacks %q:\n%s", kept, body)
		}
	}
}

func TestPhrasePromptNamesDocumentsByTitle(t *testing.T) {
	m := newFakeModel(t, echo)
	p := newPhraser(t, m, llm.Config{})
	if _, err := p.Phrase(context.Background(), "接电要几天?", []*knowledge.Item{powerItem()}, titleOf, "3个工作日"); err != nil {
		t.Fatal(err)
	}
	body := string(m.body(t, 0))
	if want := "《" + itemDocTitle + "》第5项「压缩办电时间」"; !strings.Contains(body, want) {
		t.Errorf("the prompt does not name the item as %s:\n%s", want, body)
	}
	if strings.Contains(body, strings.TrimSuffix(itemDoc, ".txt")) {
		t.Errorf("the prompt names the document's file:\n%s", body)
	}
}

func TestCircuitBreaker(t *testing.T) {
	const cooldown = 300 * time.Millisecond
	m := newFakeModel(t, echo)
	m.slow.Store(true)
	p := newPhraser(t, m, llm.Config{Failures: 3, Cooldown: cooldown})
	phrase := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_, err := p.Phrase(ctx, "接电要几天?", []*knowledge.Item{powerItem()}, titleOf, "3个工作日")
		return err
	}
	expect := func(step string, err, want error, requests int32) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("%s: err = %v, want %v", step, err, want)
		}
		if n := m.requests.Load(); n != requests {
			t.Fatalf("%s: the model received %d requests, want %d", step, n, requests)
		}
	}
	for i := range 3 {
		expect(fmt.Sprintf("timeout %d", i+1), phrase(50*time.Millisecond), context.DeadlineExceeded, int32(i+1))
	}
	for i := range 5 {
		expect(fmt.Sprintf("open, question %d", i+1), phrase(time.Minute), llm.ErrOpen, 3)
	}

	// After the cool-down one probe goes through; it times out, and the
	// breaker opens again.
	time.Sleep(cooldown + 50*time.Millisecond)
	expect("failing probe", phrase(50*time.Millisecond), context.DeadlineExceeded, 4)
	expect("open again", phrase(time.Minute), llm.ErrOpen, 4)

	// While a probe is out, other questions do not wait for it.
	time.Sleep(cooldown + 50*time.Millisecond)
	probe := make(chan error, 1)
	go func() { probe <- phrase(time.Second) }()
	for m.requests.Load() < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	expect("beside the probe", phrase(time.Minute), llm.ErrOpen, 5)
	expect("slow probe", <-probe, context.DeadlineExceeded, 5)

	// A probe that succeeds closes the breaker.
	m.slow.Store(false)
	time.Sleep(cooldown + 50*time.Millisecond)
	expect("good probe", phrase(5*time.Second), nil, 6)
	expect("closed", phrase(5*time.Second), nil, 7)
}

func TestCancelledRequestsDoNotOpenTheBreaker(t *testing.T) {
	m := newFakeModel(t, echo)
	m.slow.Store(true)
	p := newPhraser(t, m, llm.Config{Failures: 2, Cooldown: time.Minute})
	for range 4 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := p.Phrase(ctx, "接电要几天?", []*knowledge.Item{powerItem()}, titleOf, "3个工作日"); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want the cancellation", err)
		}
	}
	m.slow.Store(false)
	if _, err := p.Phrase(context.Background(), "接电要几天?", []*knowledge.Item{powerItem()}, titleOf, "3个工作日"); err != nil {
		t.Fatalf("the model is not asked after questions whose callers gave up: %v", err)
	}
	if n := m.requests.Load(); n != 5 {
		t.Errorf("the model received %d requests, want 5", n)
	}
}

// The tests below run the phraser in a whole engine.

const powerQuestion = "厂里要新装一路低压电,不用外线施工,几天能通?"

var reCitation = regexp.MustCompile(`《([^》]+)》第(\d+)项「([^」]+)」`)

// citing answers with text and the first item of the prompt, cited the
// way the prompt names it.
func citing(text string) func(string) string {
	return func(prompt string) string {
		m := reCitation.FindStringSubmatch(prompt)
		if m == nil {
			return text
		}
		return text + "依据:" + m[0]
	}
}

var users atomic.Int32

// ask sends the engine a question from a user of its own (no session, no
// rate limit in the way).
func ask(t *testing.T, e *bot.Engine, text string) bot.Reply {
	t.Helper()
	r, err := e.Handle(context.Background(), bot.Inbound{Tenant: "demo", User: fmt.Sprintf("llm-u%d", users.Add(1)), Region: "葛店开发区", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// template is the engine's answer without a model.
func template(t *testing.T, text string) string {
	t.Helper()
	return ask(t, bottest.New(t, bottest.Options{}).Engine, text).Text
}

func TestEngineSendsNoPersonalData(t *testing.T) {
	m := newFakeModel(t, citing("3个工作日。"))
	env := bottest.New(t, bottest.Options{Phraser: newPhraser(t, m, llm.Config{})})
	q := powerQuestion + "我手机13812345678,身份证110101199003071234,卡号6222 0212 3456 7890 123,座机027-87654321,邮箱zhang.san@example.com"
	r := ask(t, env.Engine, q)
	if len(r.Citations) == 0 {
		t.Fatalf("not answered from an item: %+v", r)
	}
	body := m.body(t, 0)
	if l := leaks(body, personal...); len(l) > 0 {
		t.Errorf("the request carries %q:\n%s", l, body)
	}
	title := r.Citations[0].DocTitle
	if !bytes.Contains(body, []byte("《"+title+"》第"+r.Citations[0].Item+"项「")) {
		t.Errorf("the prompt does not name the document %q by title:\n%s", title, body)
	}
	if bytes.Contains(body, []byte(r.Citations[0].Doc)) {
		t.Errorf("the prompt names the document's file %s", r.Citations[0].Doc)
	}
}

func TestEngineKeepsFiguresFromItems(t *testing.T) {
	tmpl := template(t, powerQuestion)
	if !strings.Contains(tmpl, "3个工作日") {
		t.Fatalf("the template answer states no 3个工作日: %q", tmpl)
	}
	tests := []struct {
		name, text string
		model      bool // the model's answer is used
	}{
		{"stated figure", "不用外线施工的,3个工作日内就能通电。", true},
		{"stated figure in chinese", "不用外线施工的,三个工作日内就能通电。", true},
		{"changed figure", "不用外线施工的,8个工作日内就能通电。", false},
		{"changed chinese figure", "不用外线施工的,八个工作日内就能通电。", false},
		{"added figure", "不用外线施工的,3个工作日内就能通电,费用约2000元。", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModel(t, citing(tt.text))
			env := bottest.New(t, bottest.Options{Phraser: newPhraser(t, m, llm.Config{})})
			r := ask(t, env.Engine, powerQuestion)
			if m.requests.Load() != 1 {
				t.Fatalf("the model was asked %d times", m.requests.Load())
			}
			if fromModel := strings.HasPrefix(r.Text, tt.text); fromModel != tt.model {
				t.Errorf("model answer used = %v, want %v: %q", fromModel, tt.model, r.Text)
			}
			if !tt.model && r.Text != tmpl {
				t.Errorf("reply = %q, want the template %q", r.Text, tmpl)
			}
		})
	}
}

func TestEngineStopsAskingASlowModel(t *testing.T) {
	// The engine's budget is two seconds: two slow questions trip the
	// breaker, the rest are answered from the template without asking.
	const cooldown = 3 * time.Second
	m := newFakeModel(t, citing("3个工作日内就能通电。"))
	m.slow.Store(true)
	env := bottest.New(t, bottest.Options{Phraser: newPhraser(t, m, llm.Config{Failures: 2, Cooldown: cooldown})})
	tmpl := template(t, powerQuestion)
	for i := range 5 {
		if r := ask(t, env.Engine, powerQuestion); r.Text != tmpl {
			t.Errorf("question %d: reply %q, want the template", i+1, r.Text)
		}
	}
	opened := time.Now()
	if n := m.requests.Load(); n != 2 {
		t.Fatalf("the model was asked %d times, want 2: the breaker should have opened", n)
	}

	// After the cool-down one question probes the model, which has
	// recovered; the next is asked as usual.
	m.slow.Store(false)
	time.Sleep(time.Until(opened.Add(cooldown + 100*time.Millisecond)))
	if r := ask(t, env.Engine, powerQuestion); !strings.HasPrefix(r.Text, "3个工作日内就能通电。") {
		t.Errorf("the probe's answer is not the model's: %q", r.Text)
	}
	ask(t, env.Engine, powerQuestion)
	if n := m.requests.Load(); n != 4 {
		t.Errorf("the model was asked %d times, want 4", n)
	}
}
