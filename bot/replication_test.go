package bot_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
)

// openTest connects to url for the length of the test.
func openTest(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	rdb, err := storetest.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestRepliesWaitForReplicas runs the engine on a primary with one
// replica and asks every reply to wait for it: a reply is given only once
// the replica holds it, a reply the replica does not confirm is refused
// as "retry later" and kept, and the retry gets the same reply and the
// same ticket once the replica is back.
func TestRepliesWaitForReplicas(t *testing.T) {
	primary := storetest.StartServer(t)
	replica := storetest.StartReplica(t, primary)
	onReplica := openTest(t, replica.URL())
	wait := store.Replication{Replicas: 1, Timeout: time.Second}
	env := bottest.New(t, bottest.Options{Redis: openTest(t, primary.URL()), Replication: wait})
	ctx := context.Background()
	// two complaints, each its own (the same text again would join the
	// first one's ticket)
	complaint := func(id string) bot.Inbound {
		return bot.Inbound{Tenant: "demo", User: "u-rep", Region: "河池市", MsgID: id,
			Text: "给县里做的工程(" + id + ")欠我们80多万一直拖着不给,希望有关部门管管"}
	}
	onReplicaNow := func(t *testing.T, r bot.Reply) {
		t.Helper()
		if r.Ticket == nil {
			t.Fatalf("no ticket in %+v", r)
		}
		n, err := onReplica.Exists(ctx, env.Keys.Tenant("demo", "tk", r.Ticket.ID)).Result()
		if err != nil || n != 1 {
			t.Errorf("ticket %s is not on the replica when the business is told its number (%d, %v)", r.Ticket.ID, n, err)
		}
	}
	unconfirmed := func(t *testing.T, in bot.Inbound) {
		t.Helper()
		_, err := env.Engine.Handle(ctx, in)
		if !errors.Is(err, store.ErrUnconfirmed) || fault.KindOf(err) != fault.Unavailable {
			t.Fatalf("Handle(%s) with the replica stuck = %v, want an unconfirmed write answered as unavailable", in.MsgID, err)
		}
	}

	t.Run("replica up", func(t *testing.T) {
		r, err := env.Engine.Handle(ctx, complaint("m-1"))
		if err != nil {
			t.Fatal(err)
		}
		onReplicaNow(t, r)
	})

	var held bot.Reply
	t.Run("replica stuck, then back", func(t *testing.T) {
		replica.Pause()
		unconfirmed(t, complaint("m-2"))
		unconfirmed(t, complaint("m-2")) // the retry finds the kept reply, still unconfirmed
		replica.Resume()
		var err error
		held, err = env.Engine.Handle(ctx, complaint("m-2"))
		if err != nil {
			t.Fatal(err)
		}
		onReplicaNow(t, held)
		again, err := env.Engine.Handle(ctx, complaint("m-2"))
		if err != nil || again.Ticket == nil || again.Ticket.ID != held.Ticket.ID {
			t.Fatalf("a later retry answered %+v, %v; want ticket %s", again.Ticket, err, held.Ticket.ID)
		}
		ts, err := env.Tickets.List(ctx, ticket.Query{Tenant: "demo", User: "u-rep"})
		if err != nil || len(ts) != 2 {
			t.Errorf("tickets = %d (%v), want 2: one per message", len(ts), err)
		}
	})

	t.Run("policy question", func(t *testing.T) {
		q := bot.Inbound{Tenant: "demo", User: "u-rep-q", Region: "河池市", MsgID: "q-1", Text: "担保费率是多少"}
		replica.Pause()
		unconfirmed(t, q)
		replica.Resume()
		r, err := env.Engine.Handle(ctx, q)
		if err != nil || r.Intent != bot.PolicyQuery {
			t.Fatalf("retry after the replica came back: %+v, %v", r, err)
		}
		stored, err := onReplica.Get(ctx, env.Keys.Tenant("demo", "msg", "u-rep-q", "q-1")).Result()
		if err != nil || len(stored) < 10 {
			t.Errorf("the stored reply is not on the replica: %q, %v", stored, err)
		}
	})
}

// BenchmarkHandleComplaintWaitingForAReplica measures complaints, one at a
// time, on a primary of its own with one replica: first acknowledged by
// the primary alone, then each waiting for the replica. wait-x is the
// second rate as a fraction of the first, measured in the same run.
func BenchmarkHandleComplaintWaitingForAReplica(b *testing.B) {
	primary := storetest.StartServer(b)
	storetest.StartReplica(b, primary)
	rdb, err := storetest.Open(context.Background(), primary.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rdb.Close() })
	rate := func(wait store.Replication, n int) float64 {
		env := bottest.New(b, bottest.Options{Redis: rdb, Replication: wait})
		start := time.Now()
		for i := range n {
			_, err := env.Engine.Handle(context.Background(), bot.Inbound{Tenant: "demo", User: fmt.Sprintf("u-%d", i%64),
				Region: "葛店开发区", Text: "去报装用电,供电所的人说施工必须找他们推荐的那家,不然不给接,我要投诉",
				MsgID: fmt.Sprintf("m-%d-%d", wait.Replicas, i)})
			if err != nil {
				b.Fatal(err)
			}
		}
		return float64(n) / time.Since(start).Seconds()
	}
	base := rate(store.Replication{}, max(b.N, 200))
	b.ResetTimer()
	waiting := rate(store.Replication{Replicas: 1, Timeout: time.Second}, b.N)
	b.ReportMetric(waiting, "msgs/s")
	b.ReportMetric(waiting/base, "wait-x")
}
