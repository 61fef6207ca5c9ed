package bot_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/knowledge"
)

// slowPhraser takes its time and counts how often it was asked.
type slowPhraser struct {
	delay time.Duration
	calls atomic.Int32
}

func (p *slowPhraser) Phrase(_ context.Context, _ string, _ []*knowledge.Item, _ func(*knowledge.Item) string, draft string) (string, error) {
	p.calls.Add(1)
	time.Sleep(p.delay)
	return draft, nil
}

func TestMessageClaims(t *testing.T) {
	// long enough that a renewal every ttl/3 survives a loaded test machine
	const ttl = time.Second
	q := bot.Inbound{Tenant: "demo", User: "u-claim", Region: "葛店开发区", Text: "厂里要新装一路低压电,不用外线施工,几天能通?"}

	// A handling that outlasts ClaimTTL keeps its claim: a retry arriving
	// meanwhile waits for its reply instead of answering the message twice.
	t.Run("renewed while the message is handled", func(t *testing.T) {
		slow := &slowPhraser{delay: 3 * ttl / 2} // under the 2 s phrasing budget
		env := bottest.New(t, bottest.Options{Phraser: slow, Config: bot.Config{ClaimTTL: ttl}})
		in := q
		in.MsgID = "m-slow"
		first := make(chan bot.Reply, 1)
		go func() {
			r, err := env.Engine.Handle(context.Background(), in)
			if err != nil {
				t.Error(err)
			}
			first <- r
		}()
		time.Sleep(6 * ttl / 5) // past the claim's life, had it not been renewed
		again, err := env.Engine.Handle(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if r := <-first; r.Text != again.Text {
			t.Errorf("the retry got %q, the first delivery %q", again.Text, r.Text)
		}
		if n := slow.calls.Load(); n != 1 {
			t.Errorf("the message was phrased %d times, want once: its claim lapsed while it was handled", n)
		}
	})

	// The claim of a replica that died lapses within ClaimTTL, and the
	// retry waiting for it handles the message itself.
	t.Run("left by a replica that died", func(t *testing.T) {
		env := bottest.New(t, bottest.Options{Config: bot.Config{ClaimTTL: ttl}})
		in := q
		in.MsgID = "m-orphan"
		key := env.Keys.Tenant("demo", "msg", in.User, in.MsgID)
		if err := env.Redis.Set(context.Background(), key, "pending:dead-replica", ttl).Err(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r, err := env.Engine.Handle(context.Background(), in)
		if err != nil || r.Intent != bot.PolicyQuery {
			t.Fatalf("the retry of an orphaned message: %+v, %v", r, err)
		}
		if took := time.Since(start); took < ttl/2 {
			t.Errorf("answered after %v, before the orphaned claim lapsed", took)
		}
	})
}
