package ticket

import (
	"context"
	"strconv"
	"time"

	"frontdoor/bot/clock"
)

// clockOrder fixes the order clock events fire in, so that the audit
// trail reads the same whichever replica fires them.
var clockOrder = []string{ClockFirstResponse, ClockResolution, ClockFollowup}

// NextFire is the next moment a ticket's clocks need attention: a warning,
// a deadline, or the next rung of the escalation ladder. Zero when none.
func NextFire(t *Ticket, p *clock.Policy) time.Time {
	if !t.Status.Open() || t.Status == Paused {
		return time.Time{}
	}
	var next time.Time
	consider := func(at time.Time) {
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	for _, name := range clockOrder {
		c := t.Clocks[name]
		if !c.Running() {
			continue
		}
		switch {
		case !c.Warned:
			consider(c.WarnAt)
		case !c.Overdue:
			consider(c.Due)
		}
	}
	if t.Level >= 1 && t.Level < 3 && overdueRunning(t) {
		consider(nextLevelAt(t, p))
	}
	consider(nextTaskFire(t))
	return next
}

func overdueRunning(t *Ticket) bool {
	for _, c := range t.Clocks {
		if c.Running() && c.Overdue {
			return true
		}
	}
	return false
}

// nextLevelAt is when the ticket climbs from its level to the next one.
func nextLevelAt(t *Ticket, p *clock.Policy) time.Time {
	r := p.Rules(t.Region)
	after := r.Level2After
	if t.Level == 2 {
		after = r.Level3After
	}
	return p.Deadline(t.Region, t.LevelAt, after)
}

// Escalation levels as the documents name them.
var levelNames = map[int]string{1: "一次督办", 2: "二次督办", 3: "问责"}

// LevelName names an escalation level.
func LevelName(level int) string { return levelNames[level] }

// clockLabels name the clocks for staff.
var clockLabels = map[string]string{ClockFirstResponse: "首次响应", ClockResolution: "办结时限", ClockFollowup: "差评回访"}

// ClockLabel names a clock for staff.
func ClockLabel(name string) string { return clockLabels[name] }

// Fire applies every clock event that is due at the store's now: warnings,
// deadlines passed, and escalation steps, each once, in order. After
// downtime it catches up: every missed step fires on the next call. It
// returns the events it recorded so that the caller can notify people.
func (s *Store) Fire(ctx context.Context, tenant, id string) (*Ticket, []Event, error) {
	var fired []Event
	t, err := s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		fired = fired[:0]
		if !t.Status.Open() || t.Status == Paused {
			return nil
		}
		record := func(e Event) {
			b.event(e)
			fired = append(fired, e)
		}
		for _, name := range clockOrder {
			c := t.Clocks[name]
			if !c.Running() || !c.Paused.IsZero() {
				continue
			}
			if !c.Warned && !now.Before(c.WarnAt) {
				c.Warned = true
				record(Event{Type: EvWarned, Actor: "clock", At: now, Data: map[string]string{
					"clock": name, "due": c.Due.Format(time.RFC3339), "unit": t.Owner()}})
			}
			if !c.Overdue && !now.Before(c.Due) {
				// the ladder's next rung is counted from this deadline when no
				// other clock was overdue: lateness that had ended does not
				// count towards the next one
				alreadyLate := overdueRunning(t)
				c.Overdue = true
				record(Event{Type: EvOverdue, Actor: "clock", At: now, Data: map[string]string{
					"clock": name, "due": c.Due.Format(time.RFC3339), "unit": t.Owner()}})
				switch {
				case t.Level == 0:
					s.escalate(t, 1, c.Due, record)
				case !alreadyLate:
					t.LevelAt = c.Due
				}
			}
		}
		for t.Level >= 1 && t.Level < 3 && overdueRunning(t) {
			at := nextLevelAt(t, s.policy)
			if now.Before(at) {
				break
			}
			s.escalate(t, t.Level+1, at, record)
		}
		fireTasks(t, now, record)
		if len(fired) == 0 {
			return errUnchanged
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return t, fired, nil
}

// escalate climbs the ladder: 一次督办 by the region's supervisor (the
// service centre) and the unit, 二次督办 by the business-environment
// office, then the 问责 list.
func (s *Store) escalate(t *Ticket, level int, at time.Time, record func(Event)) {
	t.Level, t.LevelAt = level, at
	t.Escalations = append(t.Escalations, level)
	record(Event{Type: EvEscalated, Actor: "clock", At: at, Text: LevelName(level), Data: map[string]string{
		"level": strconv.Itoa(level), "unit": t.Owner()}})
}
