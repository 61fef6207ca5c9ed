package bot_test

import (
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

	"github.com/redis/go-redis/v9"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
	"frontdoor/bot/llm"
	"frontdoor/bot/ticket"
)

func handle(t *testing.T, e *bot.Engine, in bot.Inbound) bot.Reply {
	t.Helper()
	if in.Tenant == "" {
		in.Tenant = "demo"
	}
	r, err := e.Handle(context.Background(), in)
	if err != nil {
		t.Fatalf("Handle(%q): %v", in.Text, err)
	}
	return r
}

func TestAsksRegionOnceAndRemembersIt(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	q := "开个公司从交材料到拿执照要多久"
	r := handle(t, env.Engine, bot.Inbound{User: "u1", Text: q})
	if !strings.Contains(r.Text, "哪个地区") || len(r.Citations) != 0 {
		t.Fatalf("first reply should ask the region: %q", r.Text)
	}
	r = handle(t, env.Engine, bot.Inbound{User: "u1", Text: "葛店"})
	if r.Region != "葛店开发区" || !strings.Contains(r.Text, "0.5个工作日") {
		t.Fatalf("the waiting question was not answered for 葛店开发区: %+v", r)
	}
	r = handle(t, env.Engine, bot.Inbound{User: "u1", Text: "公司注销要在公示系统上公告多少天"})
	if r.Region != "葛店开发区" || !strings.Contains(r.Text, "20天") {
		t.Errorf("the region was not remembered: %+v", r)
	}
}

func TestHandoffLifecycleThroughTheEngine(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx := context.Background()
	r := handle(t, env.Engine, bot.Inbound{User: "u2", Region: "红谷滩区", Text: "转人工"})
	if r.Intent != bot.Human || !r.Handoff || r.Ticket == nil || r.Ticket.Desk != "区政数局" {
		t.Fatalf("hand-off: %+v", r)
	}
	id := r.Ticket.ID
	if _, err := env.Tickets.Claim(ctx, "demo", id, "小哥甲"); err != nil {
		t.Fatal(err)
	}
	r = handle(t, env.Engine, bot.Inbound{User: "u2", Text: "我们想问下医保登记怎么办"})
	if !r.Silent || r.Text != "" {
		t.Fatalf("while staff hold the conversation the bot must stay silent: %+v", r)
	}
	events, _ := env.Tickets.Events(ctx, "demo", id)
	if last := events[len(events)-1]; last.Type != ticket.EvMessage || last.Text != "我们想问下医保登记怎么办" {
		t.Errorf("message not relayed into the thread: %+v", last)
	}
	if _, err := env.Engine.StaffReply(ctx, "demo", id, "小哥甲", "带营业执照到二楼医保窗口即可。"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Engine.Resolve(ctx, "demo", id, "小哥甲", "已告知办理地点"); err != nil {
		t.Fatal(err)
	}
	msgs, _, _ := env.Outbox.List(ctx, "demo", "u2", "", 10)
	if len(msgs) != 2 || msgs[0].From != "staff" || !strings.Contains(msgs[1].Text, "评价") {
		t.Fatalf("outbox = %+v", msgs)
	}
	r = handle(t, env.Engine, bot.Inbound{User: "u2", Text: "3"})
	if r.Intent != bot.Rating || r.Ticket == nil || r.Ticket.Status != string(ticket.Reopened) {
		t.Fatalf("a bad rating must reopen the ticket: %+v", r)
	}
	// the reopened ticket goes back to its staff member for follow-up
	if r = handle(t, env.Engine, bot.Inbound{User: "u2", Text: "窗口说还缺材料"}); !r.Silent {
		t.Errorf("follow-up messages should reach the staff member: %+v", r)
	}
	if _, err := env.Engine.Resolve(ctx, "demo", id, "小哥甲", "已回访,补齐材料后办结"); err != nil {
		t.Fatal(err)
	}
	r = handle(t, env.Engine, bot.Inbound{User: "u2", Text: "研发费用加计扣除怎么享受"})
	if r.Silent || r.Intent != bot.PolicyQuery {
		t.Errorf("the bot should answer again once the ticket is resolved: %+v", r)
	}
}

// TestNewTicketsAreAnnounced checks that the consoles hear of a ticket
// the engine opens, once: the write that opens it publishes the
// announcement, and a retried message opens and announces nothing.
func TestNewTicketsAreAnnounced(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := env.Redis.Subscribe(ctx, env.Engine.AnnounceChannel("demo"))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription is in place
		t.Fatal(err)
	}
	tests := []struct{ name, region, text, kind string }{
		{"complaint", "朝阳区", "投诉:区里审批一直拖着不办,已经两个月了", "complaint"},
		{"hand-off", "红谷滩区", "转人工", "handoff"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bot.Inbound{User: fmt.Sprintf("announced-%d", i), Region: tc.region, Text: tc.text, MsgID: "m1"}
			r := handle(t, env.Engine, in)
			if r.Ticket == nil {
				t.Fatalf("no ticket: %+v", r)
			}
			handle(t, env.Engine, in) // the platform retries
			msg, err := sub.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var a bot.Announcement
			if err := json.Unmarshal([]byte(msg.Payload), &a); err != nil {
				t.Fatal(err)
			}
			if a.Ticket != r.Ticket.ID || a.Event != ticket.EvOpened || a.Kind != tc.kind || a.Region != tc.region {
				t.Errorf("announcement %+v for ticket %s", a, r.Ticket.ID)
			}
		})
	}
	// Nothing more: the retries announced nothing.
	quiet, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if msg, err := sub.ReceiveMessage(quiet); err == nil {
		t.Errorf("announced again: %s", msg.Payload)
	}
}

func TestConcurrentMessagesFromOneUser(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := env.Engine.Handle(context.Background(), bot.Inbound{Tenant: "demo", User: "u3", Region: "河池市",
				MsgID: fmt.Sprintf("m-%d", i), Text: fmt.Sprintf("第%d次反映:给县里做的工程欠我们80多万一直拖着不给,希望有关部门管管", i)})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ts, err := env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: "u3"})
	if err != nil || len(ts) != 20 {
		t.Fatalf("tickets = %d (%v), want 20", len(ts), err)
	}
	seen := map[string]bool{}
	for _, tk := range ts {
		if seen[tk.ID] {
			t.Errorf("duplicate ticket id %s", tk.ID)
		}
		seen[tk.ID] = true
	}
}

// TestRedeliveryRacingPastItsClaim: deliveries of one complaint arrive
// together and outlive their claim (a millisecond here), so several are
// numbered and answered at once. One ticket is written and every answered
// delivery names it; a delivery that found another's claim may instead be
// asked to retry (409), never answered with a ticket that was not kept.
func TestRedeliveryRacingPastItsClaim(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{ClaimTTL: time.Millisecond, ClaimRenewal: -1}})
	const n = 8
	replies := make([]bot.Reply, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i], errs[i] = env.Engine.Handle(context.Background(), bot.Inbound{Tenant: "demo", User: "u-race",
				Region: "河池市", MsgID: "m-race", Text: "给县里做的工程欠我们80多万一直拖着不给,希望有关部门管管"})
		}()
	}
	close(start)
	wg.Wait()
	ts, err := env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: "u-race"})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets = %d (%v), want 1", len(ts), err)
	}
	answered := 0
	for i := range n {
		var fe *fault.Error
		switch {
		case errors.As(errs[i], &fe) && fe.Code == "message_in_progress":
		case errs[i] != nil:
			t.Errorf("delivery %d: %v", i, errs[i])
		case replies[i].Ticket == nil || replies[i].Ticket.ID != ts[0].ID:
			t.Errorf("delivery %d answered with %+v, want ticket %s", i, replies[i].Ticket, ts[0].ID)
		default:
			answered++
		}
	}
	if answered == 0 {
		t.Error("no delivery was answered")
	}
}

func TestLongRepliesAreCutForWeChat(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{ReplyBytes: map[string]int{bot.ChannelWeChat: 300}}})
	r := handle(t, env.Engine, bot.Inbound{User: "u4", Region: "葛店开发区", Channel: bot.ChannelWeChat,
		Text: "厂里要新装一路低压电,不用外线施工,几天能通?"})
	if !r.More || len(r.Text) > 300 || !strings.Contains(r.Text, "回复1查看更多") {
		t.Fatalf("not cut: %d bytes, more=%v", len(r.Text), r.More)
	}
	more := handle(t, env.Engine, bot.Inbound{User: "u4", Channel: bot.ChannelWeChat, Text: "1"})
	if more.Text == "" || strings.Contains(more.Text, "回复1查看更多") && len(more.Text) > 300 {
		t.Errorf("rest = %q", more.Text)
	}
}

// openAIStub is a local OpenAI-compatible endpoint.
type openAIStub struct {
	*httptest.Server
	delay   time.Duration
	status  int
	answer  func(prompt string) string
	prompts chan string
}

func newOpenAIStub(t *testing.T) *openAIStub {
	s := &openAIStub{status: 200, prompts: make(chan string, 10)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &req)
		prompt := req.Messages[len(req.Messages)-1].Content
		s.prompts <- prompt
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
		if s.status != 200 {
			http.Error(w, `{"error":{"message":"boom"}}`, s.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]string{"role": "assistant", "content": s.answer(prompt)}}}})
	}))
	t.Cleanup(s.Close)
	return s
}

var reFirstTitle = regexp.MustCompile(`第(\S+?)项「([^」]+)」`)

func TestLanguageModelPhrasing(t *testing.T) {
	q := "厂里要新装一路低压电,不用外线施工,几天能通?"
	cites := func(p string) string {
		m := reFirstTitle.FindStringSubmatch(p)
		return "无外部工程办电3个工作日内完成。依据:第" + m[1] + "项「" + m[2] + "」"
	}
	tests := []struct {
		name      string
		delay     time.Duration
		status    int
		answer    func(string) string
		wantModel bool
	}{
		{"model answer citing an item is used", 0, 200, cites, true},
		{"answer citing nothing falls back", 0, 200, func(string) string { return "大概三天吧。" }, false},
		{"slow model falls back", 3 * time.Second, 200, cites, false},
		{"model error falls back", 0, 500, cites, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newOpenAIStub(t)
			stub.delay, stub.status, stub.answer = tt.delay, tt.status, tt.answer
			p, err := llm.New(llm.Config{BaseURL: stub.URL + "/v1", Model: "test-model", APIKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			env := bottest.New(t, bottest.Options{Phraser: p})
			start := time.Now()
			r := handle(t, env.Engine, bot.Inbound{User: "u5", Region: "葛店开发区", Text: q})
			if time.Since(start) > 2500*time.Millisecond {
				t.Errorf("the answer waited %v for the model", time.Since(start))
			}
			prompt := <-stub.prompts
			if !strings.Contains(prompt, "无外部工程的办电时间压缩至3个工作日以内") || !strings.Contains(prompt, q) {
				t.Errorf("the prompt lacks the retrieved item or the question")
			}
			fromModel := strings.HasPrefix(r.Text, "无外部工程办电3个工作日内完成")
			if fromModel != tt.wantModel {
				t.Errorf("model answer used = %v, want %v: %q", fromModel, tt.wantModel, r.Text)
			}
			if len(r.Citations) == 0 || r.Citations[0].Item != "5" {
				t.Errorf("citations must come from the knowledge base: %+v", r.Citations)
			}
		})
	}
}

// roundTrips counts the commands and pipelines a client sends.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// BenchmarkHandlePolicyQuestion measures messages per second through
// Engine.Handle with a real Redis, and Redis round trips per message.
func BenchmarkHandlePolicyQuestion(b *testing.B) {
	benchmarkHandle(b, "厂里要新装一路低压电,不用外线施工,几天能通?")
}

// BenchmarkHandleComplaint does the same for a complaint, which opens a
// ticket.
func BenchmarkHandleComplaint(b *testing.B) {
	benchmarkHandle(b, "去报装用电,供电所的人说施工必须找他们推荐的那家,不然不给接,我要投诉")
}

func benchmarkHandle(b *testing.B, text string) {
	env := bottest.New(b, bottest.Options{})
	rt := &roundTrips{}
	env.Redis.AddHook(rt)
	ctx := context.Background()
	b.ResetTimer()
	start := rt.n.Load()
	for i := 0; i < b.N; i++ {
		_, err := env.Engine.Handle(ctx, bot.Inbound{Tenant: "demo", User: fmt.Sprintf("u-%d", i%64),
			Region: "葛店开发区", Text: text, MsgID: fmt.Sprintf("m-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rt.n.Load()-start)/float64(b.N), "redis_rt/msg")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
