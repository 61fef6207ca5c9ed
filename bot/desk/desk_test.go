package desk_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/desk"
	"frontdoor/knowledge"
)

// Questions with known answers on the shipped seeds (葛店开发区).
const (
	policyQuestion = "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"
	policyFigure   = "3个工作日"
)

// slowPhraser makes every answer take delay, as a slow model would.
type slowPhraser struct{ delay time.Duration }

func (p slowPhraser) Phrase(_ context.Context, _ string, _ []*knowledge.Item, _ func(*knowledge.Item) string, draft string) (string, error) {
	time.Sleep(p.delay)
	return draft, nil
}

// pushes records what was pushed, as a platform would.
type pushes struct {
	mu   sync.Mutex
	sent []string
	err  error
}

func (p *pushes) Push(_ context.Context, _, user, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.sent = append(p.sent, user+": "+text)
	return nil
}

func (p *pushes) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

var account = desk.Account{Channel: bot.ChannelWeChat, Name: "demo", Tenant: "demo", Region: "葛店开发区"}

// newDesks builds n desks (replicas) over one engine, each waiting budget.
func newDesks(t *testing.T, budget, answerDelay time.Duration, p bot.Pusher, n int) ([]*desk.Desk, *bottest.Env) {
	t.Helper()
	opts := bottest.Options{}
	if answerDelay > 0 {
		opts.Phraser = slowPhraser{answerDelay}
	}
	env := bottest.New(t, opts)
	pushers := map[string]bot.Pusher{}
	if p != nil {
		pushers[bot.ChannelWeChat] = p
	}
	var out []*desk.Desk
	for range n {
		d := desk.New(budget, desk.Deps{Engine: env.Engine, Redis: env.Commands, Keys: env.Keys, Pushers: pushers,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = d.Drain(ctx)
		})
		out = append(out, d)
	}
	return out, env
}

// TestAnswerWithinTheBudgetIsPassive: a quick answer goes back in the
// callback, and the platform's retry of the message gets the very same
// reply, on any replica, without a second handling.
func TestAnswerWithinTheBudgetIsPassive(t *testing.T) {
	p := &pushes{}
	desks, _ := newDesks(t, 4*time.Second, 0, p, 2)
	ctx := context.Background()
	first := desks[0].Ask(ctx, account, "o-quick", "m-1", policyQuestion)
	if !strings.Contains(first.Text, policyFigure) || first.At == 0 {
		t.Fatalf("passive reply = %+v, want the answer with %s", first, policyFigure)
	}
	for i, d := range desks {
		if again := d.Ask(ctx, account, "o-quick", "m-1", policyQuestion); again != first {
			t.Errorf("retry on replica %d = %+v, want %+v", i, again, first)
		}
	}
	if got := p.all(); len(got) != 0 {
		t.Errorf("pushed %v; a passive reply is never pushed too", got)
	}
}

// TestSlowAnswerIsAcknowledgedThenPushed: an answer past the budget is
// acknowledged at once and pushed, once, when ready; a retry meanwhile is
// acknowledged too; what was pushed is in the outbox.
func TestSlowAnswerIsAcknowledgedThenPushed(t *testing.T) {
	p := &pushes{}
	desks, env := newDesks(t, 100*time.Millisecond, 600*time.Millisecond, p, 2)
	ctx := context.Background()
	if r := desks[0].Ask(ctx, account, "o-slow", "m-1", policyQuestion); r.Text != "" {
		t.Fatalf("first delivery = %+v, want an acknowledgement", r)
	}
	if r := desks[1].Ask(ctx, account, "o-slow", "m-1", policyQuestion); r.Text != "" {
		t.Fatalf("retry on another replica = %+v, want an acknowledgement", r)
	}
	for _, d := range desks {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := d.Drain(dctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	got := p.all()
	if len(got) != 1 || !strings.Contains(got[0], policyFigure) {
		t.Fatalf("pushed %q, want the answer once", got)
	}
	msgs, _, err := env.Outbox.List(ctx, "demo", "o-slow", "", 10)
	if err != nil || len(msgs) != 1 || msgs[0].Status != "delivered" {
		t.Errorf("outbox = %+v, %v; want the pushed answer, delivered", msgs, err)
	}
}

// TestSlowAnswerWithoutPush: an account that cannot push gets a passive
// "still working" reply instead of silence, and the retry the same.
func TestSlowAnswerWithoutPush(t *testing.T) {
	desks, _ := newDesks(t, 100*time.Millisecond, 600*time.Millisecond, nil, 1)
	ctx := context.Background()
	first := desks[0].Ask(ctx, account, "o-nopush", "m-1", policyQuestion)
	if first.Text != bot.StillWorkingText {
		t.Fatalf("reply = %+v, want %q", first, bot.StillWorkingText)
	}
	if again := desks[0].Ask(ctx, account, "o-nopush", "m-1", policyQuestion); again != first {
		t.Errorf("retry = %+v, want %+v", again, first)
	}
}

// TestUndeliverablePushIsRecorded: a push the platform refuses for this
// user is recorded as undelivered in the outbox.
func TestUndeliverablePushIsRecorded(t *testing.T) {
	p := &pushes{err: errors.Join(errors.New("45015"), bot.ErrUndeliverable)}
	desks, env := newDesks(t, 50*time.Millisecond, 400*time.Millisecond, p, 1)
	ctx := context.Background()
	desks[0].Ask(ctx, account, "o-gone", "m-1", policyQuestion)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := desks[0].Drain(dctx); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := env.Outbox.List(ctx, "demo", "o-gone", "", 10)
	if err != nil || len(msgs) != 1 || msgs[0].Status != "undelivered" {
		t.Errorf("outbox = %+v, %v; want the answer, undelivered", msgs, err)
	}
}
