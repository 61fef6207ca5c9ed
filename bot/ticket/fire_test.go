package ticket_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/ticket"
)

// step names a clock event compactly: "warned:first_response",
// "overdue:resolution", "escalated:2".
func step(e ticket.Event) string {
	switch e.Type {
	case ticket.EvWarned, ticket.EvOverdue:
		return e.Type + ":" + e.Data["clock"]
	case ticket.EvEscalated:
		return e.Type + ":" + e.Data["level"]
	}
	return e.Type
}

func steps(evs []ticket.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, step(e))
	}
	return out
}

// clockEvents keeps the events the clocks write.
func clockEvents(evs []ticket.Event) []ticket.Event {
	var out []ticket.Event
	for _, e := range evs {
		switch e.Type {
		case ticket.EvWarned, ticket.EvOverdue, ticket.EvEscalated:
			out = append(out, e)
		}
	}
	return out
}

// scheduled is the ticket's score on the clock schedule (zero: absent).
func (e *env) scheduled(t testing.TB, id string) time.Time {
	t.Helper()
	score, err := e.rdb.ZScore(context.Background(), e.store.ClocksKey(tenant), id).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(int64(score))
}

// The clocks of a general complaint opened Monday 2026-11-23 09:00 in a
// region with the default rules.
var (
	opened     = at(2026, 11, 23, 9, 0)
	frWarn     = at(2026, 11, 23, 10, 30) // 75 % of 2 working hours
	frDue      = at(2026, 11, 23, 11, 0)
	resWarn    = at(2026, 11, 27, 14, 0) // 75 % of 42 working hours
	resDue     = endOf(2026, 11, 30)     // 5 working days
	level2Time = endOf(2026, 11, 25)     // 2 working days after 一次督办 on the 23rd
	level3Time = endOf(2026, 11, 30)     // 3 working days after the 25th
)

func TestFireLadder(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, opened)
	tk := e.open(t, complaint("u-1", "招投标不公"))
	id := tk.ID
	// the fixture's arithmetic agrees with the policy
	sameTime(t, "fixture frWarn", tk.Clocks[ticket.ClockFirstResponse].WarnAt, frWarn)
	sameTime(t, "fixture frDue", tk.Clocks[ticket.ClockFirstResponse].Due, frDue)
	sameTime(t, "fixture resWarn", tk.Clocks[ticket.ClockResolution].WarnAt, resWarn)
	sameTime(t, "fixture resDue", tk.Clocks[ticket.ClockResolution].Due, resDue)
	r := e.policy.Rules(region)
	sameTime(t, "fixture level2", e.policy.Deadline(region, frDue, r.Level2After), level2Time)
	sameTime(t, "fixture level3", e.policy.Deadline(region, level2Time, r.Level3After), level3Time)
	sameTime(t, "NextFire after open", ticket.NextFire(tk, e.policy), frWarn)
	sameTime(t, "schedule after open", e.scheduled(t, id), frWarn)

	ladder := []struct {
		name    string
		now     time.Time
		fired   []string
		next    time.Time
		level   int
		levelAt time.Time
	}{
		{"before the warning", frWarn.Add(-time.Minute), nil, frWarn, 0, time.Time{}},
		{"first-response warning", frWarn, []string{"warned:first_response"}, frDue, 0, time.Time{}},
		{"again at the same time", frWarn, nil, frDue, 0, time.Time{}},
		{"a second before due", frDue.Add(-time.Second), nil, frDue, 0, time.Time{}},
		{"due: overdue and 一次督办", frDue, []string{"overdue:first_response", "escalated:1"}, level2Time, 1, frDue},
		{"again at due", frDue, nil, level2Time, 1, frDue},
		{"a second before 二次督办", level2Time.Add(-time.Second), nil, level2Time, 1, frDue},
		{"二次督办", level2Time, []string{"escalated:2"}, resWarn, 2, level2Time},
		{"resolution warning", resWarn, []string{"warned:resolution"}, resDue, 2, level2Time},
		{"resolution due and 问责", resDue, []string{"overdue:resolution", "escalated:3"}, time.Time{}, 3, level3Time},
		{"nothing after 问责", at(2026, 12, 31, 10, 0), nil, time.Time{}, 3, level3Time},
	}
	var trail []string
	for _, s := range ladder {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Set(s.now)
			before := len(e.events(t, id))
			got, fired := must2(e.store.Fire(ctx, tenant, id))(t)
			if !slices.Equal(steps(fired), append([]string{}, s.fired...)) {
				t.Fatalf("fired %v, want %v", steps(fired), s.fired)
			}
			trail = append(trail, s.fired...)
			// what Fire returned is what the trail recorded
			if after := e.events(t, id)[before:]; !slices.Equal(steps(after), steps(fired)) {
				t.Errorf("trail gained %v, Fire returned %v", steps(after), steps(fired))
			}
			if got.Level != s.level || !got.LevelAt.Equal(s.levelAt) {
				t.Errorf("level %d at %s, want %d at %s", got.Level, got.LevelAt, s.level, s.levelAt)
			}
			sameTime(t, "NextFire", ticket.NextFire(got, e.policy), s.next)
			sameTime(t, "schedule", e.scheduled(t, id), s.next)
			for _, f := range fired {
				if f.Type == ticket.EvEscalated {
					sameTime(t, "escalated.at", f.At, s.levelAt)
					lvl, _ := strconv.Atoi(f.Data["level"])
					if f.Text != ticket.LevelName(lvl) || f.Data["unit"] != unitA {
						t.Errorf("escalated event %+v", f)
					}
				} else {
					sameTime(t, f.Type+".at", f.At, s.now)
					if f.Data["unit"] != unitA || f.Data["due"] == "" {
						t.Errorf("%s event %+v", f.Type, f)
					}
				}
			}
		})
	}
	got := e.get(t, id)
	if !slices.Equal(got.Escalations, []int{1, 2, 3}) {
		t.Errorf("escalations = %v, want [1 2 3]", got.Escalations)
	}
	if all := steps(clockEvents(e.events(t, id))); !slices.Equal(all, trail) {
		t.Errorf("clock trail = %v, want %v", all, trail)
	}
}

func TestFirePausedTicket(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, opened)
	id := e.open(t, complaint("u-1", "等材料"))
	e.clock.Set(at(2026, 11, 23, 9, 30))
	tk := must(e.store.Pause(ctx, tenant, id.ID, "staff-a", "等待补充材料"))(t)
	if next := ticket.NextFire(tk, e.policy); !next.IsZero() {
		t.Errorf("NextFire of a paused ticket = %s", next)
	}
	if at := e.scheduled(t, id.ID); !at.IsZero() {
		t.Errorf("paused ticket scheduled at %s", at)
	}
	// long past every deadline
	e.clock.Set(at(2026, 12, 31, 10, 0))
	got, fired := must2(e.store.Fire(ctx, tenant, id.ID))(t)
	if len(fired) != 0 || got.Status != ticket.Paused || got.Level != 0 {
		t.Errorf("paused ticket fired %v, status %s level %d", steps(fired), got.Status, got.Level)
	}
	for name, c := range got.Clocks {
		if c.Warned || c.Overdue {
			t.Errorf("paused clock %s marked %+v", name, c)
		}
	}
	if n := len(clockEvents(e.events(t, id.ID))); n != 0 {
		t.Errorf("%d clock events on a paused ticket", n)
	}
	// resolved tickets do not fire either
	e.clock.Set(at(2026, 12, 31, 11, 0))
	must(e.store.Resolve(ctx, tenant, id.ID, "staff-a", "已办结"))(t)
	_, fired = must2(e.store.Fire(ctx, tenant, id.ID))(t)
	if len(fired) != 0 {
		t.Errorf("resolved ticket fired %v", steps(fired))
	}
}

// TestFireCatchUp: after a long downtime one Fire records every missed
// step once, in order, with each level reached at its theoretical time.
func TestFireCatchUp(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		prepare  func(e *env, id string)
		now      time.Time
		steps    []string
		levelsAt []time.Time // when levels 1, 2, 3 were reached
	}{
		{
			name: "every clock missed",
			now:  at(2026, 12, 2, 10, 0),
			// clocks in order, each warning before its deadline; then the
			// ladder climbs to 问责
			steps: []string{
				"warned:first_response", "overdue:first_response", "escalated:1",
				"warned:resolution", "overdue:resolution", "escalated:2", "escalated:3",
			},
			levelsAt: []time.Time{frDue, level2Time, level3Time},
		},
		{
			name: "answered in time, resolution missed",
			prepare: func(e *env, id string) {
				e.clock.Set(at(2026, 11, 23, 9, 30))
				must(e.store.Reply(ctx, tenant, id, "staff-a", "收到"))(t)
			},
			now:   at(2026, 12, 8, 9, 0),
			steps: []string{"warned:resolution", "overdue:resolution", "escalated:1", "escalated:2", "escalated:3"},
			// 一次督办 at the resolution deadline; +2 working days (Dec 1, 2);
			// +3 (Dec 3, 4, 7)
			levelsAt: []time.Time{resDue, endOf(2026, 12, 2), endOf(2026, 12, 7)},
		},
		{
			name:     "caught up before 二次督办 is due",
			now:      at(2026, 11, 25, 12, 0),
			steps:    []string{"warned:first_response", "overdue:first_response", "escalated:1"},
			levelsAt: []time.Time{frDue},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, opened)
			id := e.open(t, complaint("u-1", "停机期间的投诉")).ID
			if c.prepare != nil {
				c.prepare(e, id)
			}
			e.clock.Set(c.now)
			got, fired := must2(e.store.Fire(ctx, tenant, id))(t)
			if !slices.Equal(steps(fired), c.steps) {
				t.Fatalf("fired %v\nwant  %v", steps(fired), c.steps)
			}
			if trail := steps(clockEvents(e.events(t, id))); !slices.Equal(trail, c.steps) {
				t.Errorf("trail %v, want %v", trail, c.steps)
			}
			var levels []int
			var levelAt []time.Time
			for _, f := range fired {
				if f.Type == ticket.EvEscalated {
					lvl, _ := strconv.Atoi(f.Data["level"])
					levels = append(levels, lvl)
					levelAt = append(levelAt, f.At)
				}
			}
			if want := []int{1, 2, 3}[:len(c.levelsAt)]; !slices.Equal(levels, want) || !slices.Equal(got.Escalations, want) {
				t.Errorf("levels %v, escalations %v, want %v", levels, got.Escalations, want)
			}
			for i, want := range c.levelsAt {
				if i < len(levelAt) {
					sameTime(t, "level "+strconv.Itoa(i+1)+" at", levelAt[i], want)
				}
			}
			if got.Level != len(c.levelsAt) {
				t.Errorf("level = %d, want %d", got.Level, len(c.levelsAt))
			}
			sameTime(t, "LevelAt", got.LevelAt, c.levelsAt[len(c.levelsAt)-1])
			// exactly once: firing again at the same moment adds nothing
			_, again := must2(e.store.Fire(ctx, tenant, id))(t)
			if len(again) != 0 {
				t.Errorf("second catch-up fired %v", steps(again))
			}
			if n := len(clockEvents(e.events(t, id))); n != len(c.steps) {
				t.Errorf("%d clock events after a second Fire, want %d", n, len(c.steps))
			}
			// what is left scheduled is the ticket's next step
			sameTime(t, "schedule", e.scheduled(t, id), ticket.NextFire(got, e.policy))
		})
	}
}
