package ticket_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/bottest"
	"frontdoor/bot/clock"
	"frontdoor/bot/fault"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
)

// shanghai is the zone of the official calendar.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock moment in Asia/Shanghai.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// endOf is the end of a working day as DeadlineWorkingDays reports it.
func endOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, shanghai)
}

const (
	tenant = "demo"
	region = "红谷滩区"
	unitA  = "区市场监管局"
	unitB  = "区税务局"
	desk   = "区政数局"
)

// env is a ticket store on the test Redis with a fake clock.
type env struct {
	rdb    redis.UniversalClient
	keys   store.Keys
	policy *clock.Policy
	clock  *bottest.FakeClock
	store  *ticket.Store
}

func newEnv(t testing.TB, start time.Time) *env {
	t.Helper()
	rdb, keys := storetest.Client(t)
	p := bottest.Policy(t, bottest.KB(t))
	fc := &bottest.FakeClock{}
	fc.Set(start)
	return &env{rdb: rdb, keys: keys, policy: p, clock: fc, store: ticket.NewStore(rdb, keys, p, fc.Now)}
}

// another is a second Store value on the same Redis and keys, as another
// replica would have.
func (e *env) another() *ticket.Store {
	return ticket.NewStore(e.rdb, e.keys, e.policy, e.clock.Now)
}

func complaint(user, text string) ticket.Request {
	return ticket.Request{Tenant: tenant, Region: region, User: user, Channel: "wecom",
		Kind: ticket.Complaint, Text: text, Units: []string{unitA}}
}

func (e *env) open(t testing.TB, r ticket.Request) *ticket.Ticket {
	t.Helper()
	tk, created, err := e.store.Open(context.Background(), r)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !created {
		t.Fatalf("open: created=false for a new request")
	}
	return tk
}

func (e *env) get(t testing.TB, id string) *ticket.Ticket {
	t.Helper()
	tk, err := e.store.Get(context.Background(), tenant, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return tk
}

func (e *env) events(t testing.TB, id string) []ticket.Event {
	t.Helper()
	evs, err := e.store.Events(context.Background(), tenant, id)
	if err != nil {
		t.Fatalf("events %s: %v", id, err)
	}
	return evs
}

// ofType keeps the events of one type.
func ofType(evs []ticket.Event, typ string) []ticket.Event {
	var out []ticket.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func types(evs []ticket.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// must returns v, failing the test given to the returned func on err:
// must(store.Claim(...))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantFault checks err is a fault of the kind and code.
func wantFault(t testing.TB, err error, kind fault.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s/%s error, got nil", kind, code)
	}
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("want %s/%s fault, got %T %v", kind, code, err, err)
	}
	if fe.Kind != kind || (code != "" && fe.Code != code) {
		t.Fatalf("want %s/%s, got %s/%s (%v)", kind, code, fe.Kind, fe.Code, err)
	}
}

// ids lists tickets' ids.
func ids(ts []*ticket.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

func sameTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.In(shanghai).Format(time.RFC3339), want.In(shanghai).Format(time.RFC3339))
	}
}

// must2 is must for calls with two results and an error.
func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}
