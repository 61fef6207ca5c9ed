package ticket_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

func TestOpenNumbersPerTenantAndShanghaiDay(t *testing.T) {
	e := newEnv(t, at(2026, 11, 20, 9, 0))
	steps := []struct {
		name   string
		now    time.Time
		tenant string
		want   string
	}{
		{"first of the day", at(2026, 11, 20, 9, 0), tenant, "YH20261120-0001"},
		{"second of the day", at(2026, 11, 20, 9, 5), tenant, "YH20261120-0002"},
		{"other tenant counts apart", at(2026, 11, 20, 9, 6), "other", "YH20261120-0001"},
		{"third of the day", at(2026, 11, 20, 23, 59), tenant, "YH20261120-0003"},
		// 16:30 UTC on the 20th is 00:30 on the 21st in Shanghai.
		{"Shanghai date, not UTC", time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC), tenant, "YH20261121-0001"},
		{"UTC date would be the 21st too", time.Date(2026, 11, 21, 15, 59, 0, 0, time.UTC), tenant, "YH20261121-0002"},
		{"next Shanghai day starts at 0001", time.Date(2026, 11, 21, 16, 0, 0, 0, time.UTC), tenant, "YH20261122-0001"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Set(s.now)
			r := complaint("u-1", "营业执照办理太慢")
			r.Tenant = s.tenant
			tk := e.open(t, r)
			if tk.ID != s.want {
				t.Fatalf("id = %s, want %s", tk.ID, s.want)
			}
			if got, err := e.store.Get(context.Background(), s.tenant, s.want); err != nil || got.ID != s.want {
				t.Fatalf("get %s: %v %v", s.want, got, err)
			}
			// The day's sequence outlives the day in every time zone, and
			// no longer: its lifetime is set when the day's first ticket
			// creates it.
			seq := e.keys.Tenant(s.tenant, "seq", strings.TrimPrefix(s.want[:10], "YH"))
			if ttl := e.rdb.TTL(context.Background(), seq).Val(); ttl < 71*time.Hour || ttl > 72*time.Hour {
				t.Errorf("sequence %s lives %v, want 72h", seq, ttl)
			}
		})
	}
}

func TestOpenStartsClocks(t *testing.T) {
	cases := []struct {
		name       string
		region     string
		class      ticket.Class
		opened     time.Time
		frWarn     time.Time
		frDue      time.Time
		resolveDue time.Time
	}{
		{
			// 1 h left on Friday, 1 h on Monday morning.
			name: "Friday 16:30, general", region: region, class: ticket.General,
			opened: at(2026, 11, 20, 16, 30),
			frWarn: at(2026, 11, 23, 9, 30), frDue: at(2026, 11, 23, 10, 0),
			resolveDue: endOf(2026, 11, 27), // Mon 23 … Fri 27
		},
		{
			// The calendar's own example: 17:00 with two hours to go.
			name: "Friday 17:00, general", region: region, class: "",
			opened: at(2026, 11, 20, 17, 0),
			frWarn: at(2026, 11, 23, 10, 0), frDue: at(2026, 11, 23, 10, 30),
			resolveDue: endOf(2026, 11, 27),
		},
		{
			name: "Friday 16:30, difficult", region: region, class: ticket.Difficult,
			opened: at(2026, 11, 20, 16, 30),
			frWarn: at(2026, 11, 23, 9, 30), frDue: at(2026, 11, 23, 10, 0),
			resolveDue: endOf(2026, 12, 11), // 15 working days
		},
		{
			name: "Saturday, before the week starts", region: region, class: ticket.General,
			opened: at(2026, 11, 21, 11, 0),
			frWarn: at(2026, 11, 23, 10, 30), frDue: at(2026, 11, 23, 11, 0),
			resolveDue: endOf(2026, 11, 27), // Mon 23 is the first working day after Saturday
		},
		{
			name: "across the lunch break", region: region, class: ticket.General,
			opened: at(2026, 11, 23, 11, 0),
			frWarn: at(2026, 11, 23, 14, 0), frDue: at(2026, 11, 23, 14, 30),
			resolveDue: endOf(2026, 11, 30),
		},
		{
			// 国庆节 1–7 Oct are off, Saturday 10 Oct is worked.
			name: "before 国庆节", region: region, class: ticket.General,
			opened: at(2026, 9, 30, 10, 0),
			frWarn: at(2026, 9, 30, 11, 30), frDue: at(2026, 9, 30, 12, 0),
			resolveDue: endOf(2026, 10, 13), // 8, 9, 10 (Sat, worked), 12, 13
		},
		{
			name: "葛店开发区 general 5d", region: "葛店开发区", class: ticket.General,
			opened: at(2026, 11, 20, 16, 30),
			frWarn: at(2026, 11, 23, 9, 30), frDue: at(2026, 11, 23, 10, 0),
			resolveDue: endOf(2026, 11, 27),
		},
		{
			name: "葛店开发区 difficult 15d", region: "葛店开发区", class: ticket.Difficult,
			opened: at(2026, 11, 20, 16, 30),
			frWarn: at(2026, 11, 23, 9, 30), frDue: at(2026, 11, 23, 10, 0),
			resolveDue: endOf(2026, 12, 11),
		},
	}
	e := newEnv(t, time.Time{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(c.opened)
			r := complaint("u-clock", "企业开办材料被退回三次")
			r.Region, r.Class = c.region, c.class
			tk := e.open(t, r)
			if want := ticket.General; c.class == "" && tk.Class != want {
				t.Errorf("class = %q, want default %q", tk.Class, want)
			}
			if tk.Status != ticket.Routed || tk.Version != 1 {
				t.Errorf("status %s version %d, want routed 1", tk.Status, tk.Version)
			}
			fr, res := tk.Clocks[ticket.ClockFirstResponse], tk.Clocks[ticket.ClockResolution]
			if fr == nil || res == nil || len(tk.Clocks) != 2 {
				t.Fatalf("clocks = %v", tk.Clocks)
			}
			sameTime(t, "first_response.start", fr.Start, c.opened)
			sameTime(t, "first_response.due", fr.Due, c.frDue)
			sameTime(t, "first_response.warn_at", fr.WarnAt, c.frWarn)
			sameTime(t, "resolution.due", res.Due, c.resolveDue)
			days := e.policy.Rules(c.region).General.Days
			if c.class == ticket.Difficult {
				days = e.policy.Rules(c.region).Difficult.Days
			}
			sameTime(t, "resolution.due (calendar)", res.Due, e.policy.Calendar().DeadlineWorkingDays(c.opened, days))
			sameTime(t, "resolution.warn_at", res.WarnAt, e.policy.WarnAt(c.region, c.opened, c.resolveDue))
			if !fr.Running() || !res.Running() || fr.Warned || fr.Overdue {
				t.Errorf("clocks not fresh: %+v %+v", fr, res)
			}
			sameTime(t, "Due()", tk.Due(), c.resolveDue)
			// the stored ticket is the one returned
			got := e.get(t, tk.ID)
			sameTime(t, "stored first_response.due", got.Clocks[ticket.ClockFirstResponse].Due, c.frDue)
			// the clock schedule holds it at its first warning
			score, err := e.rdb.ZScore(context.Background(), e.store.ClocksKey(tenant), tk.ID).Result()
			if err != nil {
				t.Fatal(err)
			}
			if int64(score) != c.frWarn.UnixMilli() {
				t.Errorf("schedule score = %s, want %s", time.UnixMilli(int64(score)).In(shanghai), c.frWarn)
			}
		})
	}
}

func TestOpenRecordsOpenedAndRouted(t *testing.T) {
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	r := complaint("u-ev", "消防验收迟迟不安排")
	r.Units = []string{unitA, unitB}
	tk := e.open(t, r)
	evs := e.events(t, tk.ID)
	if got := types(evs); !slices.Equal(got, []string{ticket.EvOpened, ticket.EvRouted}) {
		t.Fatalf("events = %v, want opened, routed", got)
	}
	op, rt := evs[0], evs[1]
	if op.Actor != "business:u-ev" || op.Text != r.Text || op.Data["kind"] != "complaint" || op.Data["channel"] != "wecom" {
		t.Errorf("opened = %+v", op)
	}
	if rt.Actor != "bot" || rt.Data["units"] != unitA+"、"+unitB {
		t.Errorf("routed = %+v", rt)
	}
	sameTime(t, "opened.at", op.At, at(2026, 11, 23, 9, 0))
	if tk.Owner() != unitA || !tk.HasUnit(unitB) {
		t.Errorf("owner %s units %v", tk.Owner(), tk.Units)
	}
}

func TestListIndexes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	openAt := func(min int, r ticket.Request) *ticket.Ticket {
		e.clock.Set(at(2026, 11, 23, 9, min))
		return e.open(t, r)
	}
	// c1 general at 09:00 (due Mon 30), c2 difficult at 09:01 (due Dec 14),
	// c3 to unit B at 09:02 (due Mon 30), h1 a hand-off at the desk, g1 in
	// another region.
	c1 := openAt(0, complaint("u-1", "投诉一"))
	r2 := complaint("u-1", "投诉二")
	r2.Class = ticket.Difficult
	c2 := openAt(1, r2)
	r3 := complaint("u-2", "投诉三")
	r3.Units = []string{unitB}
	c3 := openAt(2, r3)
	h1 := openAt(3, ticket.Request{Tenant: tenant, Region: region, User: "u-3", Kind: ticket.Handoff, Text: "转人工", Desk: desk})
	r5 := complaint("u-1", "葛店的投诉")
	r5.Region = "葛店开发区"
	g1 := openAt(4, r5)
	// a day later, a ticket created on the 24th that is due before c2
	e.clock.Set(at(2026, 11, 24, 9, 0))
	c4 := e.open(t, complaint("u-4", "投诉四"))

	cases := []struct {
		name string
		q    ticket.Query
		want []string
	}{
		{"by user, newest first", ticket.Query{Tenant: tenant, User: "u-1"}, []string{g1.ID, c2.ID, c1.ID}},
		{"by unit A", ticket.Query{Tenant: tenant, Unit: unitA}, []string{c4.ID, g1.ID, c2.ID, c1.ID}},
		{"by unit B", ticket.Query{Tenant: tenant, Unit: unitB}, []string{c3.ID}},
		{"by desk as a unit", ticket.Query{Tenant: tenant, Unit: desk}, []string{h1.ID}},
		{"by region", ticket.Query{Tenant: tenant, Region: region}, []string{c4.ID, h1.ID, c3.ID, c2.ID, c1.ID}},
		{"other region", ticket.Query{Tenant: tenant, Region: "葛店开发区"}, []string{g1.ID}},
		{"hand-offs of the region", ticket.Query{Tenant: tenant, Region: region, Handoffs: true}, []string{h1.ID}},
		{"hand-offs of another region", ticket.Query{Tenant: tenant, Region: "葛店开发区", Handoffs: true}, nil},
		{"open, due first", ticket.Query{Tenant: tenant, Open: true}, []string{c1.ID, c3.ID, h1.ID, g1.ID, c4.ID, c2.ID}},
		{"open, limited", ticket.Query{Tenant: tenant, Open: true, Limit: 2}, []string{c1.ID, c3.ID}},
		{"all", ticket.Query{Tenant: tenant}, []string{c4.ID, g1.ID, h1.ID, c3.ID, c2.ID, c1.ID}},
		{"creation window", ticket.Query{Tenant: tenant, From: at(2026, 11, 23, 9, 1), To: at(2026, 11, 23, 9, 3)}, []string{h1.ID, c3.ID, c2.ID}},
		{"limit", ticket.Query{Tenant: tenant, Region: region, Limit: 2}, []string{c4.ID, h1.ID}},
		{"unknown user", ticket.Query{Tenant: tenant, User: "nobody"}, nil},
		{"other tenant sees nothing", ticket.Query{Tenant: "other", Region: region}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := must(e.store.List(ctx, c.q))(t)
			if !slices.Equal(ids(got), c.want) {
				t.Fatalf("List = %v, want %v", ids(got), c.want)
			}
		})
	}

	// Resolving takes a ticket off the open and hand-off indexes only.
	e.clock.Set(at(2026, 11, 24, 10, 0))
	must(e.store.Resolve(ctx, tenant, h1.ID, "staff-1", "已办结"))(t)
	must(e.store.Resolve(ctx, tenant, c1.ID, "staff-1", "已办结"))(t)
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Open: true}))(t)); slices.Contains(got, h1.ID) || slices.Contains(got, c1.ID) {
		t.Errorf("open index still lists resolved tickets: %v", got)
	}
	if got := must(e.store.List(ctx, ticket.Query{Tenant: tenant, Region: region, Handoffs: true}))(t); len(got) != 0 {
		t.Errorf("hand-off index still lists %v", ids(got))
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, User: "u-1"}))(t)); !slices.Contains(got, c1.ID) {
		t.Errorf("user index lost a resolved ticket: %v", got)
	}
}

func TestOpenIsIdempotentPerMessage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	r := complaint("u-1", "办证大厅排队三小时")
	r.MsgID = "wx-msg-42"
	first, created, err := e.store.Open(ctx, r)
	if err != nil || !created {
		t.Fatalf("first open: created=%v err=%v", created, err)
	}
	// The channel delivers the same message again a little later.
	e.clock.Advance(time.Minute)
	again, created, err := e.store.Open(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Errorf("second open created a ticket")
	}
	if again == nil || again.ID != first.ID || again.Version != first.Version {
		t.Fatalf("second open returned %+v, want ticket %s", again, first.ID)
	}
	if n := len(must(e.store.List(ctx, ticket.Query{Tenant: tenant}))(t)); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
	if n := len(e.events(t, first.ID)); n != 2 {
		t.Errorf("%d events, want opened+routed only", n)
	}
	// The same message id from another user is another message; a retried
	// delivery must not burn a ticket number either.
	r2 := r
	r2.User = "u-2"
	other, created, err := e.store.Open(ctx, r2)
	if err != nil || !created {
		t.Fatalf("other user: created=%v err=%v", created, err)
	}
	if other.ID != "YH20261123-0002" {
		t.Errorf("next ticket = %s, want YH20261123-0002 (no number used up by the duplicate)", other.ID)
	}
	// Without a message id every call opens a ticket.
	r3 := complaint("u-1", "同样的话")
	a, b := e.open(t, r3), e.open(t, r3)
	if a.ID == b.ID {
		t.Errorf("two opens without message id gave the same ticket")
	}
}

func TestOpenValidation(t *testing.T) {
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	cases := []struct {
		name string
		edit func(r *ticket.Request)
		code string
	}{
		{"no units and no desk", func(r *ticket.Request) { r.Units, r.Desk = nil, "" }, "ticket_unrouted"},
		{"empty units and no desk", func(r *ticket.Request) { r.Units, r.Desk = []string{}, "" }, "ticket_unrouted"},
		{"empty text", func(r *ticket.Request) { r.Text = "" }, "ticket_incomplete"},
		{"blank text", func(r *ticket.Request) { r.Text = " \n\t " }, "ticket_incomplete"},
		{"no user", func(r *ticket.Request) { r.User = "" }, "ticket_incomplete"},
		{"no tenant", func(r *ticket.Request) { r.Tenant = "" }, "ticket_incomplete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := complaint("u-1", "投诉")
			c.edit(&r)
			tk, created, err := e.store.Open(context.Background(), r)
			wantFault(t, err, fault.Invalid, c.code)
			if tk != nil || created {
				t.Errorf("got ticket %v created=%v with an error", tk, created)
			}
		})
	}
	if n := len(must(e.store.List(context.Background(), ticket.Query{Tenant: tenant}))(t)); n != 0 {
		t.Errorf("invalid requests stored %d tickets", n)
	}
	// A desk alone is a valid route.
	tk := e.open(t, ticket.Request{Tenant: tenant, Region: region, User: "u-1", Kind: ticket.Handoff, Text: "转人工", Desk: desk})
	if tk.Owner() != desk {
		t.Errorf("owner = %q, want the desk", tk.Owner())
	}
	if _, err := e.store.Get(context.Background(), tenant, "YH20990101-0001"); !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("get unknown: %v, want ErrNotFound", err)
	}
}

// TestOpeningCarriesWrites: writes added to an opening land with the
// ticket; when another delivery of the message opened a ticket between
// numbering and writing, neither this ticket nor the added writes land.
func TestOpeningCarriesWrites(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	reply, sess := e.keys.Tenant(tenant, "reply"), e.keys.Tenant(tenant, "sess", "u-1")
	other := e.keys.Tenant(tenant, "sess", "u-9")
	if err := e.rdb.HSet(ctx, sess, "stale", "x", "old", "y", "kept", "z").Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.rdb.HSet(ctx, other, "stale", "x", "old", "y").Err(); err != nil {
		t.Fatal(err)
	}
	// Fields of one hash in a row travel in one call; another hash's
	// fields between them must neither join nor split them wrongly.
	writes := ticket.Writes{
		Set: []ticket.KeyValue{{Key: reply, Value: "the reply", TTL: time.Hour}},
		HSet: []ticket.KeyValue{{Key: sess, Field: "region", Value: region}, {Key: sess, Field: "topic", Value: "证照"},
			{Key: other, Field: "region", Value: "其他"}, {Key: sess, Field: "step", Value: "2"}},
		HDel: []ticket.KeyValue{{Key: sess, Field: "stale"}, {Key: sess, Field: "old"}, {Key: other, Field: "old"},
			{Key: sess, Field: "absent"}},
		Expire: []ticket.KeyValue{{Key: sess, TTL: time.Minute}},
	}

	r := complaint("u-1", "办证大厅排队三小时")
	r.MsgID = "wx-msg-7"
	p, err := e.store.Prepare(ctx, r)
	opening := p.Opening
	if err != nil || opening == nil {
		t.Fatalf("prepare: opening %v, err %v", opening, err)
	}
	opening.With(writes)
	tk, created, err := opening.Commit(ctx)
	if err != nil || !created || tk.ID != opening.Ticket().ID {
		t.Fatalf("commit: created=%v err=%v", created, err)
	}
	if got := e.rdb.Get(ctx, reply).Val(); got != "the reply" {
		t.Errorf("reply = %q, want it written with the ticket", got)
	}
	wantSess := map[string]string{"region": region, "topic": "证照", "step": "2", "kept": "z"}
	if got := e.rdb.HGetAll(ctx, sess).Val(); !maps.Equal(got, wantSess) {
		t.Errorf("session = %v, want %v", got, wantSess)
	}
	wantOther := map[string]string{"region": "其他", "stale": "x"}
	if got := e.rdb.HGetAll(ctx, other).Val(); !maps.Equal(got, wantOther) {
		t.Errorf("other session = %v, want %v", got, wantOther)
	}
	if ttl := e.rdb.PTTL(ctx, sess).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("session ttl = %v, want at most a minute", ttl)
	}

	// Two deliveries of one message are both numbered before either writes.
	r2 := complaint("u-2", "窗口推诿")
	r2.MsgID = "wx-msg-8"
	p1, err := e.store.Prepare(ctx, r2)
	first := p1.Opening
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.another().Prepare(ctx, r2)
	second := p2.Opening
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := first.Commit(ctx); err != nil || !created {
		t.Fatalf("first commit: created=%v err=%v", created, err)
	}
	lost := e.keys.Tenant(tenant, "lost")
	second.With(ticket.Writes{Set: []ticket.KeyValue{{Key: lost, Value: "x", TTL: time.Hour}}})
	got, created, err := second.Commit(ctx)
	if err != nil || created {
		t.Fatalf("second commit: created=%v err=%v", created, err)
	}
	if got.ID != first.Ticket().ID {
		t.Errorf("second commit returned %s, want the first delivery's %s", got.ID, first.Ticket().ID)
	}
	if n := e.rdb.Exists(ctx, lost, e.keys.Tenant(tenant, "tk", second.Ticket().ID)).Val(); n != 0 {
		t.Errorf("the losing delivery wrote %d keys, want none", n)
	}
}
