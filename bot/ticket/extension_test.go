package ticket_test

import (
	"context"
	"testing"
	"time"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// TestExtensionAcrossHolidays: an approved 延期 moves the resolution
// deadline by working days on the official calendar — over 春节 and 国庆
// with their 调休 Saturdays and Sundays worked — and its warning with it.
func TestExtensionAcrossHolidays(t *testing.T) {
	tests := []struct {
		name          string
		opened, asked time.Time
		days          int
		due, extended time.Time
	}{
		// 5 working days from Tue 10 Feb: 11, 12, 13, Sat 14 (调休), then 春节
		// 15–23, Tue 24; four more: 25, 26, 27, Sat 28 (调休).
		{"春节", at(2026, 2, 10, 9, 0), at(2026, 2, 11, 10, 0), 4, endOf(2026, 2, 24), endOf(2026, 2, 28)},
		// 5 from Wed 23 Sep: 24, 中秋 25–27, 28, 29, 30, 国庆 1–7 Oct, Thu 8;
		// two more: Fri 9, Sat 10 (调休).
		{"国庆", at(2026, 9, 23, 9, 0), at(2026, 9, 24, 15, 0), 2, endOf(2026, 10, 8), endOf(2026, 10, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, tt.opened)
			tk := e.open(t, complaint("u-x", "审批拖延"))
			sameTime(t, "due", tk.Clocks[ticket.ClockResolution].Due, tt.due)
			warned := tk.Clocks[ticket.ClockResolution].WarnAt
			e.clock.Set(tt.asked)
			must(e.store.Reply(ctx, tenant, tk.ID, "staff-a", "已收到,正在核实"))(t) // stops the first-response clock
			tk = must(e.store.RequestExtension(ctx, tenant, tk.ID, "staff-a", unitA, tt.days, "需多部门会商"))(t)
			if x := tk.PendingExtension(); x == nil || x.Days != tt.days || !x.DueBefore.Equal(tt.due) {
				t.Fatalf("pending extension = %+v", x)
			}
			sameTime(t, "due while pending", tk.Clocks[ticket.ClockResolution].Due, tt.due)
			e.clock.Set(tt.asked.Add(time.Hour))
			tk = must(e.store.DecideExtension(ctx, tenant, tk.ID, "boss", true, "同意"))(t)
			c := tk.Clocks[ticket.ClockResolution]
			sameTime(t, "extended due", c.Due, tt.extended)
			if !c.WarnAt.After(warned) || !c.WarnAt.Before(c.Due) {
				t.Errorf("warning at %s, want after the old one (%s) and before the new due", c.WarnAt, warned)
			}
			x := tk.Extensions[0]
			if x.State != ticket.ExtensionApproved || x.DecidedBy != "boss" || !x.DueAfter.Equal(tt.extended) {
				t.Errorf("extension = %+v", x)
			}
			if tk.PendingExtension() != nil {
				t.Error("still pending after the answer")
			}
			next := ticket.NextFire(tk, e.policy)
			if !next.Equal(c.WarnAt) {
				t.Errorf("the schedule fires at %s, want the new warning %s", next, c.WarnAt)
			}
		})
	}
}

func TestExtensionRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0)) // Mon; 5 working days: due Mon 30 Nov
	id := e.open(t, complaint("u-1", "审批拖延")).ID
	due := endOf(2026, 11, 30)

	t.Run("bad requests", func(t *testing.T) {
		for _, days := range []int{0, -1, ticket.MaxExtensionDays + 1} {
			_, err := e.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, days, "原因")
			wantFault(t, err, fault.Invalid, "extension_days")
		}
		_, err := e.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, 3, "")
		wantFault(t, err, fault.Invalid, "extension_reason")
		_, err = e.store.RequestExtension(ctx, tenant, id, "staff-b", unitB, 3, "原因")
		wantFault(t, err, fault.Forbidden, "not_your_unit")
		_, err = e.store.DecideExtension(ctx, tenant, id, "boss", true, "")
		wantFault(t, err, fault.Conflict, "no_extension")
	})
	t.Run("refused, the clock runs on", func(t *testing.T) {
		must(e.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, 3, "疑难"))(t)
		_, err := e.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, 2, "再要")
		wantFault(t, err, fault.Conflict, "extension_pending")
		_, err = e.store.DecideExtension(ctx, tenant, id, "boss", false, "")
		wantFault(t, err, fault.Invalid, "extension_note")
		tk := must(e.store.DecideExtension(ctx, tenant, id, "boss", false, "不属疑难,请按期办结"))(t)
		sameTime(t, "due after a refusal", tk.Clocks[ticket.ClockResolution].Due, due)
		if tk.Extensions[0].State != ticket.ExtensionRefused {
			t.Errorf("extension = %+v", tk.Extensions[0])
		}
	})
	t.Run("unanswered past the due, then expired", func(t *testing.T) {
		e.clock.Set(at(2026, 11, 27, 9, 0)) // Fri: Mon 30 is still one working day away
		must(e.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, 3, "疑难"))(t)
		e.clock.Set(at(2026, 12, 1, 9, 0))
		tk, err := e.store.DecideExtension(ctx, tenant, id, "boss", true, "同意")
		wantFault(t, err, fault.Conflict, "extension_expired")
		if tk == nil || tk.Extensions[1].State != ticket.ExtensionRefused || !tk.Clocks[ticket.ClockResolution].Due.Equal(due) {
			t.Errorf("after a late approval: %+v", tk)
		}
	})
	t.Run("too late to ask", func(t *testing.T) {
		e2 := newEnv(t, at(2026, 11, 23, 9, 0))
		id := e2.open(t, complaint("u-2", "审批拖延")).ID
		e2.clock.Set(at(2026, 11, 30, 9, 0)) // the due day itself
		_, err := e2.store.RequestExtension(ctx, tenant, id, "staff-a", unitA, 3, "疑难")
		wantFault(t, err, fault.Conflict, "extension_too_late")
	})
}
