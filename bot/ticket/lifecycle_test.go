package ticket_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// TestLifecycle walks one complaint from routing to a good rating.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	// Monday 09:00: first response due 11:00, resolution Mon 30 23:59:59.
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	tk := e.open(t, complaint("u-1", "施工许可审批超期"))
	id := tk.ID
	resDue := endOf(2026, 11, 30)
	sameTime(t, "resolution due", tk.Clocks[ticket.ClockResolution].Due, resDue)

	// claim
	e.clock.Set(at(2026, 11, 23, 9, 10))
	tk = must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)
	if tk.Status != ticket.Claimed || tk.ClaimedBy != "staff-a" {
		t.Fatalf("after claim: %s by %q", tk.Status, tk.ClaimedBy)
	}
	sameTime(t, "claimed_at", tk.ClaimedAt, at(2026, 11, 23, 9, 10))
	_, err := e.store.Claim(ctx, tenant, id, "staff-b")
	wantFault(t, err, fault.Conflict, "ticket_claimed")
	if again := must(e.store.Claim(ctx, tenant, id, "staff-a"))(t); again.ClaimedBy != "staff-a" {
		t.Errorf("re-claim by the holder changed the handler to %q", again.ClaimedBy)
	}
	if n := len(ofType(e.events(t, id), ticket.EvClaimed)); n != 1 {
		t.Errorf("%d claimed events, want 1", n)
	}

	// reply: the first-response clock stops, on time
	e.clock.Set(at(2026, 11, 23, 9, 40))
	_, err = e.store.Reply(ctx, tenant, id, "staff-a", "  ")
	wantFault(t, err, fault.Invalid, "empty_reply")
	tk = must(e.store.Reply(ctx, tenant, id, "staff-a", "您好,已联系住建局核实"))(t)
	fr := tk.Clocks[ticket.ClockFirstResponse]
	if tk.Status != ticket.Answered || fr.Running() || !fr.MetOnTime() {
		t.Fatalf("after reply: status %s, first response %+v", tk.Status, fr)
	}
	sameTime(t, "first_reply", tk.FirstReply, at(2026, 11, 23, 9, 40))
	sameTime(t, "first_response.stopped", fr.Stopped, at(2026, 11, 23, 9, 40))
	if !tk.Clocks[ticket.ClockResolution].Running() {
		t.Errorf("reply stopped the resolution clock")
	}
	stops := ofType(e.events(t, id), ticket.EvClockStopped)
	if len(stops) != 1 || stops[0].Data["clock"] != ticket.ClockFirstResponse || stops[0].Data["on_time"] != "true" {
		t.Errorf("clock_stopped events = %+v", stops)
	}
	// a second reply does not move the first one
	e.clock.Set(at(2026, 11, 23, 9, 50))
	tk = must(e.store.Reply(ctx, tenant, id, "staff-a", "补充说明"))(t)
	sameTime(t, "first_reply after second reply", tk.FirstReply, at(2026, 11, 23, 9, 40))

	// pause: a reason is required
	e.clock.Set(at(2026, 11, 23, 10, 0))
	_, err = e.store.Pause(ctx, tenant, id, "staff-a", " ")
	wantFault(t, err, fault.Invalid, "pause_reason")
	tk = must(e.store.Pause(ctx, tenant, id, "staff-a", "等待企业补充营业执照"))(t)
	if tk.Status != ticket.Paused || tk.PauseReason != "等待企业补充营业执照" {
		t.Fatalf("after pause: %s %q", tk.Status, tk.PauseReason)
	}
	sameTime(t, "resolution.paused", tk.Clocks[ticket.ClockResolution].Paused, at(2026, 11, 23, 10, 0))
	if !ticket.NextFire(tk, e.policy).IsZero() {
		t.Errorf("a paused ticket has a next fire time")
	}
	if _, err := e.rdb.ZScore(ctx, e.store.ClocksKey(tenant), id).Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("paused ticket still on the clock schedule: %v", err)
	}
	_, err = e.store.Pause(ctx, tenant, id, "staff-a", "again")
	wantFault(t, err, fault.Conflict, "already_paused")

	// resume 3 working hours later (10:00–12:00, 13:30–14:30): the day
	// clock moves by ceil(3h / 7h) = 1 working day.
	e.clock.Set(at(2026, 11, 23, 14, 30))
	tk = must(e.store.Resume(ctx, tenant, id, "staff-a"))(t)
	res := tk.Clocks[ticket.ClockResolution]
	if tk.Status != ticket.Answered || tk.PauseReason != "" || !res.Paused.IsZero() {
		t.Fatalf("after resume: %s %q paused=%v", tk.Status, tk.PauseReason, res.Paused)
	}
	sameTime(t, "resolution.due after resume", res.Due, endOf(2026, 12, 1))
	if res.Held != 3*time.Hour {
		t.Errorf("held = %s, want 3h", res.Held)
	}
	sameTime(t, "first response untouched", tk.Clocks[ticket.ClockFirstResponse].Due, at(2026, 11, 23, 11, 0))
	resumed := ofType(e.events(t, id), ticket.EvResumed)
	if len(resumed) != 1 || resumed[0].Data[ticket.ClockResolution] != endOf(2026, 12, 1).Format(time.RFC3339) {
		t.Errorf("resumed events = %+v", resumed)
	}
	if _, ok := resumed[0].Data[ticket.ClockFirstResponse]; ok {
		t.Errorf("resume moved the stopped first-response clock: %+v", resumed[0].Data)
	}
	_, err = e.store.Resume(ctx, tenant, id, "staff-a")
	wantFault(t, err, fault.Conflict, "not_paused")

	// resolve: a summary is required
	e.clock.Set(at(2026, 11, 24, 10, 0))
	_, err = e.store.Resolve(ctx, tenant, id, "staff-a", "")
	wantFault(t, err, fault.Invalid, "summary_required")
	tk = must(e.store.Resolve(ctx, tenant, id, "staff-a", "已督促住建局当日办结"))(t)
	res = tk.Clocks[ticket.ClockResolution]
	if tk.Status != ticket.Resolved || tk.Summary != "已督促住建局当日办结" || res.Running() || !res.MetOnTime() {
		t.Fatalf("after resolve: %s %q %+v", tk.Status, tk.Summary, res)
	}
	sameTime(t, "resolved_at", tk.ResolvedAt, at(2026, 11, 24, 10, 0))
	if open := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Open: true}))(t)); slices.Contains(open, id) {
		t.Errorf("resolved ticket still open: %v", open)
	}
	if _, err := e.rdb.ZScore(ctx, e.store.ClocksKey(tenant), id).Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("resolved ticket still on the clock schedule: %v", err)
	}

	// rate good
	_, err = e.store.Rate(ctx, tenant, id, "u-other", ticket.Good, "")
	if !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("rating by another user: %v, want not found", err)
	}
	tk = must(e.store.Rate(ctx, tenant, id, "u-1", ticket.Good, "很快"))(t)
	if tk.Status != ticket.Rated || tk.Rating != ticket.Good || tk.Reopened != 0 {
		t.Fatalf("after good rating: %s %s reopened=%d", tk.Status, tk.Rating, tk.Reopened)
	}
	_, err = e.store.Rate(ctx, tenant, id, "u-1", ticket.Bad, "")
	wantFault(t, err, fault.Conflict, "not_rateable")

	want := []string{
		ticket.EvOpened, ticket.EvRouted, ticket.EvClaimed,
		ticket.EvClockStopped, ticket.EvReply, ticket.EvReply,
		ticket.EvPaused, ticket.EvResumed,
		ticket.EvClockStopped, ticket.EvResolved, ticket.EvRated,
	}
	if got := types(e.events(t, id)); !slices.Equal(got, want) {
		t.Errorf("trail = %v\nwant    %v", got, want)
	}
	if got := e.get(t, id); got.Version != tk.Version {
		t.Errorf("stored version %d, returned %d", got.Version, tk.Version)
	}
}

// TestPauseBeforeFirstResponse: a running hour clock moves by working
// hours, a day clock by whole working days (rounded up), and the warning
// keeps its share of the clock's running time.
func TestPauseBeforeFirstResponse(t *testing.T) {
	ctx := context.Background()
	// Opened Mon 23 09:00: first response due 11:00, warning 10:30,
	// resolution due Mon 30 23:59:59.
	cases := []struct {
		name          string
		pause, resume time.Time
		frDue, frWarn time.Time
		resDue        time.Time
		held          time.Duration
	}{
		{
			// 09:30–12:00 and 13:30–14:00; 11:00 + 3 h = 15:30; 0.5 h ran
			// before the pause, 75 % of 2 h is reached 1 h after resuming.
			name:  "three working hours",
			pause: at(2026, 11, 23, 9, 30), resume: at(2026, 11, 23, 14, 0),
			frDue: at(2026, 11, 23, 15, 30), frWarn: at(2026, 11, 23, 15, 0),
			resDue: endOf(2026, 12, 1), held: 3 * time.Hour,
		},
		{
			// a whole working day: 7 h on the hour clock, 1 day on the day clock
			name:  "one working day",
			pause: at(2026, 11, 23, 9, 30), resume: at(2026, 11, 24, 9, 30),
			frDue: at(2026, 11, 24, 11, 0), frWarn: at(2026, 11, 24, 10, 30),
			resDue: endOf(2026, 12, 1), held: 7 * time.Hour,
		},
		{
			// 7 h 30 m rounds up to 2 working days
			name:  "a day and a half hour",
			pause: at(2026, 11, 23, 9, 30), resume: at(2026, 11, 24, 10, 0),
			frDue: at(2026, 11, 24, 11, 30), frWarn: at(2026, 11, 24, 11, 0),
			resDue: endOf(2026, 12, 2), held: 7*time.Hour + 30*time.Minute,
		},
		{
			// paused over the weekend only: no working time passes
			name:  "over a weekend",
			pause: at(2026, 11, 28, 10, 0), resume: at(2026, 11, 29, 16, 0),
			frDue: at(2026, 11, 23, 11, 0), frWarn: at(2026, 11, 23, 10, 30),
			resDue: endOf(2026, 11, 30), held: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, at(2026, 11, 23, 9, 0))
			id := e.open(t, complaint("u-1", "社保转移办不了")).ID
			e.clock.Set(c.pause)
			if c.held == 0 {
				// the weekend case only pauses the day clock
				must(e.store.Reply(ctx, tenant, id, "staff-a", "收到"))(t)
			}
			must(e.store.Pause(ctx, tenant, id, "staff-a", "等待企业补充材料"))(t)
			e.clock.Set(c.resume)
			tk := must(e.store.Resume(ctx, tenant, id, "staff-a"))(t)
			fr, res := tk.Clocks[ticket.ClockFirstResponse], tk.Clocks[ticket.ClockResolution]
			sameTime(t, "first_response.due", fr.Due, c.frDue)
			sameTime(t, "resolution.due", res.Due, c.resDue)
			if res.Held != c.held {
				t.Errorf("resolution.held = %s, want %s", res.Held, c.held)
			}
			if c.held == 0 {
				return
			}
			if tk.Status != ticket.Routed {
				t.Errorf("unclaimed ticket resumed to %s, want routed", tk.Status)
			}
			sameTime(t, "first_response.warn_at", fr.WarnAt, c.frWarn)
			sameTime(t, "next fire", ticket.NextFire(tk, e.policy), c.frWarn)
			// Nothing fires right after resuming, however long the pause.
			_, fired := must2(e.store.Fire(ctx, tenant, id))(t)
			if len(fired) != 0 {
				t.Errorf("fire right after resume: %v", types(fired))
			}
			e.clock.Set(c.frWarn)
			_, fired = must2(e.store.Fire(ctx, tenant, id))(t)
			if len(fired) != 1 || fired[0].Type != ticket.EvWarned || fired[0].Data["clock"] != ticket.ClockFirstResponse {
				t.Errorf("fire at the moved warning: %v", fired)
			}
		})
	}
}

// TestBadRatingReopensForFollowup: a bad rating reopens the ticket on a
// 3-working-day follow-up clock; resolving again marks it followed up.
func TestBadRatingReopensForFollowup(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	id := e.open(t, complaint("u-2", "水电报装收费不透明")).ID
	e.clock.Set(at(2026, 11, 23, 10, 0))
	must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)
	must(e.store.Resolve(ctx, tenant, id, "staff-a", "已答复收费标准"))(t)
	// Wednesday 10:00 the business rates it bad.
	e.clock.Set(at(2026, 11, 25, 10, 0))
	tk := must(e.store.Rate(ctx, tenant, id, "u-2", ticket.Bad, "没有解决问题"))(t)
	if tk.Status != ticket.Reopened || tk.Reopened != 1 || tk.FollowedUp || !tk.ResolvedAt.IsZero() {
		t.Fatalf("after bad rating: %s reopened=%d followed=%v resolved=%v", tk.Status, tk.Reopened, tk.FollowedUp, tk.ResolvedAt)
	}
	fu := tk.Clocks[ticket.ClockFollowup]
	if fu == nil || !fu.Running() {
		t.Fatalf("follow-up clock = %+v", fu)
	}
	sameTime(t, "followup.start", fu.Start, at(2026, 11, 25, 10, 0))
	sameTime(t, "followup.due", fu.Due, endOf(2026, 11, 30)) // Thu 26, Fri 27, Mon 30
	sameTime(t, "Due()", tk.Due(), endOf(2026, 11, 30))
	if got := types(e.events(t, id)); !slices.Equal(got[len(got)-2:], []string{ticket.EvRated, ticket.EvReopened}) {
		t.Errorf("trail ends %v, want rated, reopened", got)
	}
	rated := ofType(e.events(t, id), ticket.EvRated)
	if rated[0].Data["rating"] != "bad" || rated[0].Text != "没有解决问题" {
		t.Errorf("rated event = %+v", rated[0])
	}
	open := must(e.store.List(ctx, ticket.Query{Tenant: tenant, Open: true}))(t)
	if !slices.Contains(ids(open), id) {
		t.Errorf("reopened ticket is not open")
	}
	score, err := e.rdb.ZScore(ctx, e.store.ClocksKey(tenant), id).Result()
	if err != nil || int64(score) != fu.WarnAt.UnixMilli() {
		t.Errorf("schedule = %v %v, want the follow-up warning %s", score, err, fu.WarnAt)
	}

	e.clock.Set(at(2026, 11, 26, 10, 0))
	tk = must(e.store.Resolve(ctx, tenant, id, "staff-a", "已上门回访并退还多收费用"))(t)
	if tk.Status != ticket.Resolved || !tk.FollowedUp || tk.Clocks[ticket.ClockFollowup].Running() || !tk.Clocks[ticket.ClockFollowup].MetOnTime() {
		t.Fatalf("after follow-up: %s followed=%v %+v", tk.Status, tk.FollowedUp, tk.Clocks[ticket.ClockFollowup])
	}
	tk = must(e.store.Rate(ctx, tenant, id, "u-2", ticket.Good, ""))(t)
	if tk.Status != ticket.Rated || !tk.FollowedUp {
		t.Errorf("after the second rating: %s followed=%v", tk.Status, tk.FollowedUp)
	}
	tk = must(e.store.Close(ctx, tenant, id, "staff-a"))(t)
	if tk.Status != ticket.Closed {
		t.Errorf("close: %s", tk.Status)
	}
}

func TestTransfer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	opened := e.open(t, complaint("u-1", "税务登记被推诿"))
	id := opened.ID
	e.clock.Set(at(2026, 11, 23, 9, 10))
	must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)

	e.clock.Set(at(2026, 11, 23, 9, 20))
	tk := must(e.store.Transfer(ctx, tenant, id, "staff-a", unitB, "属税务事项"))(t)
	if !slices.Equal(tk.Units, []string{unitB}) || tk.ClaimedBy != "" || !tk.ClaimedAt.IsZero() || tk.Status != ticket.Routed {
		t.Fatalf("after transfer: units %v claimed %q status %s", tk.Units, tk.ClaimedBy, tk.Status)
	}
	for name, c := range opened.Clocks {
		got := tk.Clocks[name]
		if !got.Running() || !got.Due.Equal(c.Due) || !got.Start.Equal(c.Start) {
			t.Errorf("clock %s changed by transfer: %+v, was %+v", name, got, c)
		}
	}
	tr := ofType(e.events(t, id), ticket.EvTransferred)
	if len(tr) != 1 || tr[0].Data["from"] != unitA || tr[0].Data["to"] != unitB || tr[0].Text != "属税务事项" || tr[0].Actor != "staff-a" {
		t.Errorf("transferred events = %+v", tr)
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: unitA}))(t)); slices.Contains(got, id) {
		t.Errorf("old unit still lists the ticket: %v", got)
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: unitB}))(t)); !slices.Equal(got, []string{id}) {
		t.Errorf("new unit lists %v, want [%s]", got, id)
	}
	// The new unit claims it; the old handler no longer holds it.
	must(e.store.Claim(ctx, tenant, id, "staff-b"))(t)

	handoff := e.open(t, ticket.Request{Tenant: tenant, Region: region, User: "u-3", Kind: ticket.Handoff, Text: "转人工", Desk: desk})
	refused := []struct {
		name, id, unit, reason string
		code                   string
	}{
		{"to the same unit", id, unitB, "再转一次", "transfer_same_unit"},
		{"to the same unit, padded", id, " " + unitB + " ", "再转一次", "transfer_same_unit"},
		{"hand-off to its own desk", handoff.ID, desk, "转给自己", "transfer_same_unit"},
		{"without reason", id, unitA, "", "transfer_incomplete"},
		{"blank reason", id, unitA, "  ", "transfer_incomplete"},
		{"without unit", id, "", "原因", "transfer_incomplete"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before := e.get(t, c.id)
			_, err := e.store.Transfer(ctx, tenant, c.id, "staff-b", c.unit, c.reason)
			wantFault(t, err, fault.Invalid, c.code)
			if after := e.get(t, c.id); after.Version != before.Version {
				t.Errorf("refused transfer wrote the ticket (v%d → v%d)", before.Version, after.Version)
			}
		})
	}

	// A hand-off leaves the desk for the unit it is transferred to.
	tk = must(e.store.Transfer(ctx, tenant, handoff.ID, "staff-desk", unitA, "需要市场监管局办理"))(t)
	if tk.Desk != "" || !slices.Equal(tk.Units, []string{unitA}) {
		t.Errorf("hand-off after transfer: desk %q units %v", tk.Desk, tk.Units)
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: desk}))(t)); len(got) != 0 {
		t.Errorf("desk still lists %v", got)
	}
	if tr := ofType(e.events(t, handoff.ID), ticket.EvTransferred); len(tr) != 1 || tr[0].Data["from"] != desk {
		t.Errorf("hand-off transferred events = %+v", tr)
	}
}

// TestFinishedTicketsRefuseWork: resolved, rated and closed tickets take
// no claim, reply or transfer.
func TestFinishedTicketsRefuseWork(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	finish := map[ticket.Status]func(id string){
		ticket.Resolved: func(id string) {
			must(e.store.Resolve(ctx, tenant, id, "staff-a", "已办结"))(t)
		},
		ticket.Rated: func(id string) {
			must(e.store.Resolve(ctx, tenant, id, "staff-a", "已办结"))(t)
			must(e.store.Rate(ctx, tenant, id, "u-1", ticket.Neutral, ""))(t)
		},
		ticket.Closed: func(id string) {
			must(e.store.Resolve(ctx, tenant, id, "staff-a", "已办结"))(t)
			must(e.store.Close(ctx, tenant, id, "staff-a"))(t)
		},
	}
	actions := []struct {
		name string
		do   func(id string) error
	}{
		{"claim", func(id string) error { _, err := e.store.Claim(ctx, tenant, id, "staff-b"); return err }},
		{"claim by the handler", func(id string) error { _, err := e.store.Claim(ctx, tenant, id, "staff-a"); return err }},
		{"reply", func(id string) error {
			_, err := e.store.Reply(ctx, tenant, id, "staff-a", "还有问题吗")
			return err
		}},
		{"transfer", func(id string) error {
			_, err := e.store.Transfer(ctx, tenant, id, "staff-a", unitB, "转税务")
			return err
		}},
		{"pause", func(id string) error { _, err := e.store.Pause(ctx, tenant, id, "staff-a", "等材料"); return err }},
		{"resolve again", func(id string) error { _, err := e.store.Resolve(ctx, tenant, id, "staff-a", "再办结"); return err }},
	}
	for _, st := range []ticket.Status{ticket.Resolved, ticket.Rated, ticket.Closed} {
		id := e.open(t, complaint("u-1", "投诉"+string(st))).ID
		must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)
		finish[st](id)
		for _, a := range actions {
			t.Run(string(st)+"/"+a.name, func(t *testing.T) {
				before := e.get(t, id)
				if before.Status != st {
					t.Fatalf("status %s, want %s", before.Status, st)
				}
				wantFault(t, a.do(id), fault.Conflict, "ticket_closed")
				if after := e.get(t, id); after.Version != before.Version || after.Status != st {
					t.Errorf("refused action changed the ticket: v%d %s → v%d %s", before.Version, st, after.Version, after.Status)
				}
			})
		}
	}
	_, err := e.store.Claim(ctx, tenant, "YH20261123-9999", "staff-a")
	if !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("claim of an unknown ticket: %v", err)
	}
}

// TestSessionHandoff: staff claiming a hand-off or assist ticket take the
// conversation over (session field "handoff"); resolving gives it back.
func TestSessionHandoff(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		kind ticket.Kind
		held bool
	}{
		{ticket.Handoff, true},
		{ticket.Assist, true},
		{ticket.Complaint, false},
	}
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	for i, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			user := "u-sess-" + string(rune('a'+i))
			sess := e.store.SessionKey(tenant, user)
			field := func() string {
				v, err := e.rdb.HGet(ctx, sess, "handoff").Result()
				if errors.Is(err, redis.Nil) {
					return ""
				}
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			r := ticket.Request{Tenant: tenant, Region: region, User: user, Kind: c.kind, Text: "请人工帮忙", Units: []string{unitA}}
			if c.kind == ticket.Handoff {
				r.Units, r.Desk = nil, desk
			}
			id := e.open(t, r).ID
			if got := field(); got != "" {
				t.Fatalf("handoff set before any claim: %q", got)
			}
			must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)
			want := ""
			if c.held {
				want = id
			}
			if got := field(); got != want {
				t.Fatalf("after claim handoff = %q, want %q", got, want)
			}
			// a transfer clears the claim, and with it the hand-off
			must(e.store.Transfer(ctx, tenant, id, "staff-a", unitB, "转办"))(t)
			if got := field(); got != "" {
				t.Errorf("after transfer handoff = %q, want none", got)
			}
			must(e.store.Claim(ctx, tenant, id, "staff-b"))(t)
			if got := field(); got != want {
				t.Fatalf("after second claim handoff = %q, want %q", got, want)
			}
			must(e.store.Resolve(ctx, tenant, id, "staff-b", "已办结"))(t)
			if got := field(); got != "" {
				t.Errorf("after resolve handoff = %q, want none", got)
			}
		})
	}

	t.Run("resolve leaves another ticket's hand-off alone", func(t *testing.T) {
		user := "u-two"
		sess := e.store.SessionKey(tenant, user)
		first := e.open(t, ticket.Request{Tenant: tenant, Region: region, User: user, Kind: ticket.Handoff, Text: "一", Desk: desk}).ID
		second := e.open(t, ticket.Request{Tenant: tenant, Region: region, User: user, Kind: ticket.Handoff, Text: "二", Desk: desk}).ID
		must(e.store.Claim(ctx, tenant, first, "staff-a"))(t)
		must(e.store.Claim(ctx, tenant, second, "staff-b"))(t)
		if got := e.rdb.HGet(ctx, sess, "handoff").Val(); got != second {
			t.Fatalf("handoff = %q, want the last claimed %s", got, second)
		}
		must(e.store.Resolve(ctx, tenant, first, "staff-a", "已办结"))(t)
		if got := e.rdb.HGet(ctx, sess, "handoff").Val(); got != second {
			t.Errorf("resolving %s removed %s's hand-off (now %q)", first, second, got)
		}
	})
}
