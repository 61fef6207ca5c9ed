package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"frontdoor/bot/clock"
	"frontdoor/bot/fault"
)

// change is one transition: it edits the ticket and records its events.
type change func(t *Ticket, b *batch, now time.Time) error

// errUnchanged lets a change say there is nothing to write.
var errUnchanged = errors.New("unchanged")

// update reads, changes and writes a ticket, retrying when another writer
// got there first, so concurrent changes are never lost.
func (s *Store) update(ctx context.Context, tenant, id string, fn change) (*Ticket, error) {
	return s.updateFrom(ctx, tenant, id, nil, fn)
}

// updateFrom is update starting from known, the ticket as the caller has
// just read it, which saves a round trip; should it have changed since,
// the write conflicts and the ticket is read again.
func (s *Store) updateFrom(ctx context.Context, tenant, id string, known *Ticket, fn change) (*Ticket, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		old, err := known, error(nil)
		if attempt > 0 || old == nil {
			old, err = s.Get(ctx, tenant, id)
		}
		if err != nil {
			return nil, err
		}
		t := clone(old)
		b := newBatch(s.ticketKey(tenant, id), s.eventsKey(tenant, id))
		now := s.now()
		if err := fn(t, b, now); errors.Is(err, errUnchanged) {
			return old, nil
		} else if err != nil {
			return nil, err
		}
		t.Version = old.Version + 1
		t.Updated = now
		s.indexOps(old, t, b)
		_, err = s.write(ctx, t, old.Version, b)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, fault.New(fault.Conflict, "ticket_busy", "工单正在被他人修改,请重试")
}

// maxAttempts bounds update's retries. Every collision means another
// writer succeeded, so n writers racing for one ticket need up to n
// attempts; a busy hand-off (a business sending a burst of messages while
// staff answer and the scheduler fires) easily has more than a few.
const maxAttempts = 100

// backoff waits a random moment that grows with the attempt, so writers
// that keep colliding spread out instead of colliding again.
func backoff(ctx context.Context, attempt int) error {
	limit := time.Duration(1<<min(attempt, 6)) * 100 * time.Microsecond // at most 6.4 ms
	timer := time.NewTimer(rand.N(limit))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func clone(t *Ticket) *Ticket {
	data, _ := json.Marshal(t)
	var c Ticket
	_ = json.Unmarshal(data, &c)
	return &c
}

var (
	errClosed = fault.New(fault.Conflict, "ticket_closed", "工单已办结,不能再操作")
)

func requireOpen(t *Ticket) error {
	if !t.Status.Open() {
		return errClosed
	}
	return nil
}

// Claim makes a staff member the ticket's handler.
func (s *Store) Claim(ctx context.Context, tenant, id, actor string) (*Ticket, error) {
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if t.ClaimedBy != "" && t.ClaimedBy != actor {
			return fault.New(fault.Conflict, "ticket_claimed", "工单已由 "+t.ClaimedBy+" 接单")
		}
		if t.ClaimedBy == actor {
			return nil
		}
		t.ClaimedBy, t.ClaimedAt = actor, now
		if t.Status == Routed || t.Status == Reopened {
			t.Status = Claimed
		}
		b.event(Event{Type: EvClaimed, Actor: actor, At: now})
		return nil
	})
}

// Reply records a staff answer to the business; the first one stops the
// first-response clock. Delivering it is the caller's job.
func (s *Store) Reply(ctx context.Context, tenant, id, actor, text string) (*Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fault.Invalidf("empty_reply", "答复内容不能为空")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if t.ClaimedBy == "" {
			t.ClaimedBy, t.ClaimedAt = actor, now
			b.event(Event{Type: EvClaimed, Actor: actor, At: now})
		}
		if t.FirstReply.IsZero() {
			t.FirstReply = now
		}
		s.stopClock(t, b, ClockFirstResponse, now)
		if t.Status != Paused {
			t.Status = Answered
		}
		b.event(Event{Type: EvReply, Actor: actor, Text: text, At: now})
		return nil
	})
}

// Note adds an internal note staff see and the business does not.
func (s *Store) Note(ctx context.Context, tenant, id, actor, text string) (*Ticket, error) {
	return s.note(ctx, tenant, id, nil, actor, text)
}

// NoteOn is Note on a ticket the caller has just read (Get), without
// reading it again.
func (s *Store) NoteOn(ctx context.Context, t *Ticket, actor, text string) (*Ticket, error) {
	return s.note(ctx, t.Tenant, t.ID, t, actor, text)
}

func (s *Store) note(ctx context.Context, tenant, id string, known *Ticket, actor, text string) (*Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fault.Invalidf("empty_note", "备注内容不能为空")
	}
	return s.updateFrom(ctx, tenant, id, known, func(t *Ticket, b *batch, now time.Time) error {
		b.event(Event{Type: EvNote, Actor: actor, Text: text, At: now})
		return nil
	})
}

// Relay appends a message the business wrote to the ticket's thread.
func (s *Store) Relay(ctx context.Context, tenant, id, user, text string) (*Ticket, error) {
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		b.event(Event{Type: EvMessage, Actor: "business:" + user, Text: text, At: now})
		return nil
	})
}

// Transfer routes the ticket to another unit; the history stays, the
// clocks keep running and the new unit must claim it.
func (s *Store) Transfer(ctx context.Context, tenant, id, actor, unit, reason string) (*Ticket, error) {
	unit, reason = strings.TrimSpace(unit), strings.TrimSpace(reason)
	if unit == "" || reason == "" {
		return nil, fault.Invalidf("transfer_incomplete", "转办需要填写接收单位和原因")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if t.Owner() == unit {
			return fault.Invalidf("transfer_same_unit", "工单已在 %s", unit)
		}
		from := strings.Join(t.Units, "、")
		if from == "" {
			from = t.Desk
		}
		t.Units = append([]string{unit}, slices.DeleteFunc(t.OpenTasks(), func(u string) bool { return u == unit })...)
		if t.Kind == Handoff {
			t.Desk = ""
		}
		t.ClaimedBy, t.ClaimedAt = "", time.Time{}
		data := map[string]string{"from": from, "to": unit}
		if r := t.pendingReturn(); r != nil {
			r.ReassignedBy, r.ReassignedTo, r.ReassignedAt = actor, unit, now
			data["reassigned"] = "true"
		}
		if t.Status != Paused {
			t.Status = Routed
		}
		b.event(Event{Type: EvTransferred, Actor: actor, Text: reason, At: now, Data: data})
		return nil
	})
}

// Pause stops the clocks while the ticket waits for the business
// (materials missing); Resume adds the paused working time back.
func (s *Store) Pause(ctx context.Context, tenant, id, actor, reason string) (*Ticket, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fault.Invalidf("pause_reason", "暂停需要填写原因(如等待补充材料)")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if t.Status == Paused {
			return fault.New(fault.Conflict, "already_paused", "工单已暂停")
		}
		t.Status, t.PauseReason = Paused, reason
		for _, c := range t.Clocks {
			if c.Running() && c.Paused.IsZero() {
				c.Paused = now
			}
		}
		b.event(Event{Type: EvPaused, Actor: actor, Text: reason, At: now})
		return nil
	})
}

// Resume restarts a paused ticket's clocks, moving their deadlines by the
// working time they were paused.
func (s *Store) Resume(ctx context.Context, tenant, id, actor string) (*Ticket, error) {
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if t.Status != Paused {
			return fault.New(fault.Conflict, "not_paused", "工单未暂停")
		}
		t.Status, t.PauseReason = Answered, ""
		switch {
		case t.Reopened > 0 && t.Clocks[ClockFollowup].Running():
			t.Status = Reopened
		case t.FirstReply.IsZero():
			t.Status = Claimed
		}
		if t.ClaimedBy == "" {
			t.Status = Routed
		}
		data := map[string]string{}
		for name, c := range t.Clocks {
			if c.Paused.IsZero() {
				continue
			}
			d := s.clockDuration(t, name)
			c.Due = s.policy.Extend(t.Region, c.Due, d, c.Paused, now)
			c.Held += s.policy.Elapsed(t.Region, c.Paused, now)
			c.WarnAt = s.warnAt(t.Region, c)
			c.Paused = time.Time{}
			data[name] = c.Due.Format(time.RFC3339)
		}
		b.event(Event{Type: EvResumed, Actor: actor, At: now, Data: data})
		return nil
	})
}

// warnAt is when a clock has run its warning share of the working time
// it really runs: the time it was held (paused) counts neither towards
// the share nor as running time, so a pause cannot bring a warning
// forward.
func (s *Store) warnAt(region string, c *Clock) time.Time {
	run := s.policy.Elapsed(region, c.Start, c.Due) - c.Held
	if c.Held <= 0 || run <= 0 {
		return s.policy.WarnAt(region, c.Start, c.Due)
	}
	r := s.policy.Rules(region)
	return s.policy.Calendar().AddWorkingTime(c.Start, c.Held+time.Duration(float64(run)*r.WarnAt), r.Hours)
}

// Resolve closes the work on a ticket with a summary for the business.
func (s *Store) Resolve(ctx context.Context, tenant, id, actor, summary string) (*Ticket, error) {
	summary = strings.TrimSpace(summary)
	if summary == "" {
		return nil, fault.Invalidf("summary_required", "办结需要填写处理结果")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if len(t.OpenTasks()) > 0 {
			return errTasksOpen
		}
		if t.ClaimedBy == "" {
			t.ClaimedBy, t.ClaimedAt = actor, now
		}
		for name := range t.Clocks {
			s.stopClock(t, b, name, now)
		}
		if t.Reopened > 0 {
			t.FollowedUp = true
		}
		t.Status, t.ResolvedAt, t.Summary = Resolved, now, summary
		t.PauseReason = ""
		b.event(Event{Type: EvResolved, Actor: actor, Text: summary, At: now})
		return nil
	})
}

// Rate records the business's 好差评 rating of a resolved ticket. A bad
// rating reopens it for follow-up (差评回访整改) on its own clock.
func (s *Store) Rate(ctx context.Context, tenant, id, user string, r Rating, comment string) (*Ticket, error) {
	if r != Good && r != Neutral && r != Bad {
		return nil, fault.Invalidf("bad_rating", "rating must be good, neutral or bad")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if t.User != user {
			return ErrNotFound
		}
		if t.Status != Resolved {
			return fault.New(fault.Conflict, "not_rateable", "只能评价已办结的诉求")
		}
		t.Rating, t.RatedAt, t.Status = r, now, Rated
		b.event(Event{Type: EvRated, Actor: "business:" + user, Text: comment, At: now,
			Data: map[string]string{"rating": string(r)}})
		if r != Bad {
			return nil
		}
		t.Status = Reopened
		t.Reopened++
		t.FollowedUp = false
		t.ResolvedAt = time.Time{}
		rules := s.policy.Rules(t.Region)
		t.Clocks[ClockFollowup] = s.newClock(t.Region, ClockFollowup, now, s.policy.Deadline(t.Region, now, rules.Followup))
		b.event(Event{Type: EvReopened, Actor: "bot", Text: "差评回访整改", At: now})
		return nil
	})
}

// Close ends a rated or resolved ticket.
func (s *Store) Close(ctx context.Context, tenant, id, actor string) (*Ticket, error) {
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if t.Status != Resolved && t.Status != Rated {
			return fault.New(fault.Conflict, "not_closable", "只能关闭已办结或已评价的工单")
		}
		t.Status = Closed
		b.event(Event{Type: EvClosed, Actor: actor, At: now})
		return nil
	})
}

// RecordDelivery notes whether a message reached the business, and
// returns the ticket with the note.
func (s *Store) RecordDelivery(ctx context.Context, tenant, id, channel string, err error) (*Ticket, error) {
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		t.Unreached = err != nil
		if err == nil {
			b.event(Event{Type: EvDelivered, Actor: "channel:" + channel, At: now})
			return nil
		}
		b.event(Event{Type: EvDeliveryFail, Actor: "channel:" + channel, Text: err.Error(), At: now})
		return nil
	})
}

// stopClock stops a running clock at now.
func (s *Store) stopClock(t *Ticket, b *batch, name string, now time.Time) {
	c := t.Clocks[name]
	if !c.Running() {
		return
	}
	if !c.Paused.IsZero() {
		c.Held += s.policy.Elapsed(t.Region, c.Paused, now)
		c.Paused = time.Time{}
	}
	c.Stopped = now
	b.event(Event{Type: EvClockStopped, Actor: "bot", At: now,
		Data: map[string]string{"clock": name, "on_time": boolString(c.MetOnTime())}})
}

// clockDuration is the configured length of a ticket's clock.
func (s *Store) clockDuration(t *Ticket, name string) clock.Duration {
	r := s.policy.Rules(t.Region)
	switch name {
	case ClockFirstResponse:
		return r.FirstResponse
	case ClockFollowup:
		return r.Followup
	}
	if t.Class == Difficult {
		return r.Difficult
	}
	return r.General
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
