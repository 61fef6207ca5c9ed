package alert_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot/alert"
	"frontdoor/bot/bottest"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// robot stands in for a WeCom group robot: it records each markdown
// message and can fail the first few.
type robot struct {
	*httptest.Server
	mu       sync.Mutex
	got      []string
	failNext int
	errcode  bool // fail with status 200 and an errcode, as the robot does
}

func newRobot(t *testing.T) *robot {
	r := &robot{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if json.NewDecoder(req.Body).Decode(&body) != nil || body.MsgType != "markdown" || body.Markdown.Content == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.failNext > 0 {
			r.failNext--
			if r.errcode {
				_, _ = w.Write([]byte(`{"errcode":45009,"errmsg":"api freq out of limit"}`))
				return
			}
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		r.got = append(r.got, body.Markdown.Content)
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *robot) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// titled counts the messages whose first line names kind's title and id.
func titled(msgs []string, title, id string) int {
	n := 0
	for _, m := range msgs {
		first, _, _ := strings.Cut(m, "\n")
		if strings.Contains(first, "【"+title+"】") && strings.Contains(first, id) {
			n++
		}
	}
	return n
}

const region = "红谷滩区"

func complaint(user string) ticket.Request {
	return ticket.Request{Tenant: "demo", Region: region, User: user, Channel: "api", Kind: ticket.Complaint,
		Text: "窗口让我们跑了五趟,联系电话13812345678", Units: []string{"区市场监管局"}}
}

// drain runs every sender's pass until none has anything left.
func drain(t *testing.T, senders []*alert.Sender) {
	t.Helper()
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := s.Pass(context.Background(), "demo"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestEveryAlertOnceWithTwoReplicas: two replicas' senders and two
// schedulers run over the same tickets; the duty group hears of the new
// ticket, the hand-off, each warning and each rung of 督办 exactly once.
func TestEveryAlertOnceWithTwoReplicas(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	env := bottest.New(t, bottest.Options{Now: start})
	bot := newRobot(t)
	senders := make([]*alert.Sender, 2)
	for i := range senders {
		senders[i] = alert.New(alert.Config{Targets: []string{bot.URL}, ConsoleURL: "https://fd.example.gov.cn"},
			alert.Deps{Redis: env.Commands, Keys: env.Keys, Tickets: env.Tickets, KB: func() *knowledge.Base { return env.KB }})
	}
	ctx := context.Background()
	tk, _, err := env.Tickets.Open(ctx, complaint("biz-1"))
	if err != nil {
		t.Fatal(err)
	}
	ho, _, err := env.Tickets.Open(ctx, ticket.Request{Tenant: "demo", Region: region, User: "biz-2", Channel: "web",
		Kind: ticket.Handoff, Text: "转人工", Desk: "区政数局"})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, senders)
	msgs := bot.messages()
	if titled(msgs, "新工单", tk.ID) != 1 || titled(msgs, "新的人工服务请求", ho.ID) != 1 || len(msgs) != 2 {
		t.Fatalf("after opening: %d messages: %q", len(msgs), msgs)
	}
	if m := msgs[slices.IndexFunc(msgs, func(m string) bool { return strings.Contains(m, tk.ID) })]; strings.Contains(m, "13812345678") ||
		!strings.Contains(m, "https://fd.example.gov.cn/console/tickets/"+tk.ID) || !strings.Contains(m, "区市场监管局") {
		t.Errorf("message: %s", m)
	}

	// Weeks later nothing was done: both schedulers fire every clock
	// event; the senders send each alert once.
	scheds := []*ticket.Scheduler{{Store: env.Tickets, Tenants: func() []string { return []string{"demo"} }},
		{Store: env.Tickets, Tenants: func() []string { return []string{"demo"} }}}
	for _, step := range []time.Duration{3 * time.Hour, 4 * 24 * time.Hour, 8 * 24 * time.Hour, 30 * 24 * time.Hour} {
		env.Clock.Set(start.Add(step))
		var wg sync.WaitGroup
		for _, sc := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := sc.RunOnce(ctx, "demo"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		drain(t, senders)
	}
	msgs = bot.messages()
	final, _ := env.Tickets.Get(ctx, "demo", tk.ID)
	if final.Level != 3 {
		t.Fatalf("the ticket reached level %d, want 问责", final.Level)
	}
	for title, want := range map[string]int{"新工单": 1, "一次督办": 1, "二次督办": 1, "问责": 1} {
		if got := titled(msgs, title, tk.ID); got != want {
			t.Errorf("%s: %d messages, want %d", title, got, want)
		}
	}
	warned := 0
	for _, c := range final.Clocks {
		if c.Warned {
			warned++
		}
	}
	if got := titled(msgs, "时限预警", tk.ID); got != warned || warned == 0 {
		t.Errorf("warnings: %d messages for %d warned clocks", got, warned)
	}
	if n, _ := env.Redis.XLen(ctx, env.Tickets.AlertsKey("demo")).Result(); n != 0 {
		t.Errorf("%d alerts left in the stream", n)
	}
}

// TestFailingTargetIsRetried: a robot that refuses (with a 503, or with
// an errcode and status 200) gets the alert once it recovers; the other
// target, which took it at once, does not get it again.
func TestFailingTargetIsRetried(t *testing.T) {
	for _, errcode := range []bool{false, true} {
		t.Run(map[bool]string{false: "503", true: "errcode"}[errcode], func(t *testing.T) {
			env := bottest.New(t, bottest.Options{})
			flaky, steady := newRobot(t), newRobot(t)
			flaky.failNext, flaky.errcode = 2, errcode
			reg := prometheus.NewRegistry()
			s := alert.New(alert.Config{Targets: []string{flaky.URL, steady.URL}, RetryAfter: 20 * time.Millisecond},
				alert.Deps{Redis: env.Commands, Keys: env.Keys, Tickets: env.Tickets, Registry: reg})
			tk, _, err := env.Tickets.Open(context.Background(), complaint("biz-3"))
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(flaky.messages()) == 0 && time.Now().Before(deadline) {
				if err := s.Pass(context.Background(), "demo"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			for i := 0; i < 5; i++ { // nothing more to send
				_ = s.Pass(context.Background(), "demo")
				time.Sleep(30 * time.Millisecond)
			}
			if titled(flaky.messages(), "新工单", tk.ID) != 1 || titled(steady.messages(), "新工单", tk.ID) != 1 {
				t.Errorf("flaky got %d, steady %d", len(flaky.messages()), len(steady.messages()))
			}
			if got := alertsTotal(t, reg, "retried"); got != 2 {
				t.Errorf("retried = %v, want 2", got)
			}
		})
	}
}

// TestAlertGivenUp: a target that never answers is tried MaxAttempts
// times, then the alert is dropped and counted.
func TestAlertGivenUp(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	dead := newRobot(t)
	dead.failNext = 1000
	reg := prometheus.NewRegistry()
	s := alert.New(alert.Config{Targets: []string{dead.URL}, RetryAfter: 5 * time.Millisecond, MaxAttempts: 3},
		alert.Deps{Redis: env.Commands, Keys: env.Keys, Tickets: env.Tickets, Registry: reg})
	if _, _, err := env.Tickets.Open(context.Background(), complaint("biz-4")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alertsTotal(t, reg, "failed") == 0 && time.Now().Before(deadline) {
		_ = s.Pass(context.Background(), "demo")
		time.Sleep(20 * time.Millisecond)
	}
	if got := alertsTotal(t, reg, "failed"); got != 1 {
		t.Fatalf("failed = %v", got)
	}
	if n, _ := env.Redis.XLen(context.Background(), env.Tickets.AlertsKey("demo")).Result(); n != 0 {
		t.Errorf("%d alerts left", n)
	}
}

// alertsTotal reads frontdoor_alerts_total for new tickets and outcome.
func alertsTotal(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "frontdoor_alerts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == alert.NewTicket && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestUnitTargetsAndMail: the catalogue gives a unit its own targets —
// a webhook and an e-mail address; 一次督办 also reaches the region's
// supervisor.
func TestUnitTargetsAndMail(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	env := bottest.New(t, bottest.Options{Now: start})
	unitBot, supervisorBot := newRobot(t), newRobot(t)
	smtpd := newSMTP(t)
	kb := withNotify(t, env.KB, region, map[string]string{
		"区市场监管局":                                 unitBot.URL + ",mailto:duty@scjg.example.gov.cn",
		env.KB.RegionSettings(region).Supervisor: supervisorBot.URL,
	})
	mailer, err := alert.NewMailer("smtp://" + smtpd.addr + "?from=frontdoor@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	s := alert.New(alert.Config{Mail: mailer}, alert.Deps{Redis: env.Commands, Keys: env.Keys, Tickets: env.Tickets,
		KB: func() *knowledge.Base { return kb }})
	ctx := context.Background()
	tk, _, err := env.Tickets.Open(ctx, complaint("biz-5"))
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Pass(ctx, "demo")
	if titled(unitBot.messages(), "新工单", tk.ID) != 1 || len(supervisorBot.messages()) != 0 {
		t.Fatalf("unit got %d, supervisor %d", len(unitBot.messages()), len(supervisorBot.messages()))
	}
	if mails := smtpd.mails(); len(mails) != 1 || !strings.Contains(mails[0], "To: duty@scjg.example.gov.cn") ||
		!strings.Contains(mails[0], tk.ID) || strings.Contains(mails[0], "13812345678") {
		t.Errorf("mails = %q", mails)
	}
	env.Clock.Set(start.Add(8 * 24 * time.Hour))
	if _, err := (&ticket.Scheduler{Store: env.Tickets}).RunOnce(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	_ = s.Pass(ctx, "demo")
	if titled(supervisorBot.messages(), "一次督办", tk.ID) != 1 {
		t.Errorf("the supervisor got %q", supervisorBot.messages())
	}
}

// withNotify is kb with notify targets for the region's units.
func withNotify(t *testing.T, kb *knowledge.Base, region string, notify map[string]string) *knowledge.Base {
	t.Helper()
	cat := *kb.Catalog
	cat.Regions = slices.Clone(cat.Regions)
	for i := range cat.Regions {
		if cat.Regions[i].Name == region {
			cat.Regions[i].Notify = notify
		}
	}
	cp := *kb
	cp.Catalog = &cat
	return &cp
}

// smtpServer is a minimal SMTP server that keeps what it is sent.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	got  []string
}

func newSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	say("220 test")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.got = append(s.got, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) mails() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}
