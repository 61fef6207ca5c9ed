package ticket_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// TestConcurrentRelaysLoseNothing: every concurrent change lands, each
// exactly once, and the version counts them.
func TestConcurrentRelaysLoseNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	tk := e.open(t, ticket.Request{Tenant: tenant, Region: region, User: "u-1", Kind: ticket.Handoff, Text: "转人工", Desk: desk})
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// each goroutine its own Store value, like separate replicas
			s := e.another()
			<-start
			if _, err := s.Relay(ctx, tenant, tk.ID, "u-1", fmt.Sprintf("msg-%02d", i)); err != nil {
				errs <- fmt.Errorf("relay %d: %w", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := e.get(t, tk.ID)
	// Open writes version 1; every Relay is one change.
	if want := int64(1 + n); got.Version != want {
		t.Errorf("version = %d, want %d", got.Version, want)
	}
	msgs := ofType(e.events(t, tk.ID), ticket.EvMessage)
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.Text]++
	}
	for i := range n {
		if c := seen[fmt.Sprintf("msg-%02d", i)]; c != 1 {
			t.Errorf("message %d recorded %d times", i, c)
		}
	}
	if len(msgs) != n {
		t.Errorf("%d message events, want %d", len(msgs), n)
	}
}

// TestConcurrentClaimOneWinner: of ten staff claiming at once exactly one
// gets the ticket; the others are told it is taken.
func TestConcurrentClaimOneWinner(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	for round := range 5 {
		tk := e.open(t, complaint("u-1", fmt.Sprintf("投诉 %d", round)))
		const n = 10
		var wg sync.WaitGroup
		start := make(chan struct{})
		winners := make(chan string, n)
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := e.another()
				staff := fmt.Sprintf("staff-%d", i)
				<-start
				got, err := s.Claim(ctx, tenant, tk.ID, staff)
				switch {
				case err == nil && got.ClaimedBy == staff:
					winners <- staff
				case err == nil:
					errs <- fmt.Errorf("%s: claim succeeded but handler is %q", staff, got.ClaimedBy)
				default:
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(winners)
		close(errs)
		var won []string
		for w := range winners {
			won = append(won, w)
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d winners %v, want exactly 1", round, len(won), won)
		}
		nerr := 0
		for err := range errs {
			nerr++
			if fe, ok := fault.As(err); !ok || fe.Kind != fault.Conflict || fe.Code != "ticket_claimed" {
				t.Errorf("round %d: loser got %v, want conflict ticket_claimed", round, err)
			}
		}
		if nerr != n-1 {
			t.Errorf("round %d: %d losers, want %d", round, nerr, n-1)
		}
		got := e.get(t, tk.ID)
		if got.ClaimedBy != won[0] || got.Status != ticket.Claimed {
			t.Errorf("round %d: stored handler %q status %s, winner %s", round, got.ClaimedBy, got.Status, won[0])
		}
		if c := ofType(e.events(t, tk.ID), ticket.EvClaimed); len(c) != 1 || c[0].Actor != won[0] {
			t.Errorf("round %d: claimed events %+v", round, c)
		}
	}
}

// TestConcurrentOpenSameMessage: a message delivered several times at once
// opens one ticket.
func TestConcurrentOpenSameMessage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	r := complaint("u-1", "重复投递的消息")
	r.MsgID = "wx-dup"
	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make(chan result, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tk, created, err := e.another().Open(ctx, r)
			res := result{created: created, err: err}
			if tk != nil {
				res.id = tk.ID
			}
			results <- res
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	created, id := 0, ""
	for res := range results {
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.created {
			created++
		}
		if id == "" {
			id = res.id
		}
		if res.id != id {
			t.Errorf("deliveries got different tickets: %s and %s", id, res.id)
		}
	}
	if created != 1 {
		t.Errorf("%d tickets created, want 1", created)
	}
	if all := must(e.store.List(ctx, ticket.Query{Tenant: tenant}))(t); len(all) != 1 {
		t.Errorf("%d tickets stored, want 1", len(all))
	}
}
