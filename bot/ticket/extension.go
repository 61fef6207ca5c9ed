package ticket

import (
	"context"
	"strconv"
	"strings"
	"time"

	"frontdoor/bot/fault"
)

// MaxExtensionDays bounds one 延期 request: the seeds' 疑难 clock is 15
// working days, and an extension longer than that is a new case.
const MaxExtensionDays = 15

// Extension is one 延期 request and its answer. Pending until a manager of
// the region answers; approved, it moves the resolution deadline by Days
// working days on the official calendar.
type Extension struct {
	Days   int       `json:"working_days"`
	Reason string    `json:"reason"`
	Unit   string    `json:"unit"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// State is pending, approved or refused.
	State     string    `json:"state"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitempty"`
	Note      string    `json:"note,omitempty"`
	// DueBefore and DueAfter are the resolution deadline either side of
	// an approval.
	DueBefore time.Time `json:"due_before"`
	DueAfter  time.Time `json:"due_after,omitempty"`
}

// Extension states.
const (
	ExtensionPending  = "pending"
	ExtensionApproved = "approved"
	ExtensionRefused  = "refused"
)

// PendingExtension is the request still waiting for an answer, if any.
func (t *Ticket) PendingExtension() *Extension {
	if n := len(t.Extensions); n > 0 && t.Extensions[n-1].State == ExtensionPending {
		return &t.Extensions[n-1]
	}
	return nil
}

var (
	errExtensionPending = fault.New(fault.Conflict, "extension_pending", "已有延期申请在等待审批")
	errNoExtension      = fault.New(fault.Conflict, "no_extension", "没有待审批的延期申请")
	errExtensionLate    = fault.New(fault.Conflict, "extension_too_late",
		"延期须在办理期限届满前至少一个工作日申请;期限将至或已过,请按时办结")
	errExtensionExpired = fault.New(fault.Conflict, "extension_expired", "办理期限已过,延期申请已失效,计时照常")
	errNoResolution     = fault.New(fault.Conflict, "no_resolution_clock", "工单没有在计时的办理期限")
)

// RequestExtension asks for Days more working days to resolve the ticket.
// It must come at least one full working day before the resolution
// deadline, from a unit the ticket is routed to; until a manager approves
// it the clock runs on.
func (s *Store) RequestExtension(ctx context.Context, tenant, id, actor, unit string, days int, reason string) (*Ticket, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case days < 1 || days > MaxExtensionDays:
		return nil, fault.Invalidf("extension_days", "延期天数须为 1 至 %d 个工作日", MaxExtensionDays)
	case reason == "":
		return nil, fault.Invalidf("extension_reason", "延期需要填写原因(如疑难问题需多部门会商)")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		if unit == "" || !t.HasUnit(unit) {
			return fault.New(fault.Forbidden, "not_your_unit", "只有工单所在单位可以申请延期")
		}
		c := t.Clocks[ClockResolution]
		if !c.Running() {
			return errNoResolution
		}
		if t.PendingExtension() != nil {
			return errExtensionPending
		}
		if s.policy.Calendar().WorkingDaysBetween(now, c.Due) < 1 {
			return errExtensionLate
		}
		t.Extensions = append(t.Extensions, Extension{Days: days, Reason: reason, Unit: unit, By: actor, At: now,
			State: ExtensionPending, DueBefore: c.Due})
		b.event(Event{Type: EvExtensionAsk, Actor: actor, Text: reason, At: now,
			Data: map[string]string{"working_days": strconv.Itoa(days), "unit": unit}})
		return nil
	})
}

// DecideExtension answers the pending request. Approved before the
// deadline, the resolution clock's deadline moves by the requested working
// days on the official calendar (holidays and 调休 days as the calendar
// has them) and its warning with it; refused, or answered too late, the
// clock runs on as it was.
func (s *Store) DecideExtension(ctx context.Context, tenant, id, actor string, approve bool, note string) (*Ticket, error) {
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, fault.Invalidf("extension_note", "不同意延期需要说明理由")
	}
	var expired bool
	t, err := s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		expired = false
		if err := requireOpen(t); err != nil {
			return err
		}
		x := t.PendingExtension()
		if x == nil {
			return errNoExtension
		}
		c := t.Clocks[ClockResolution]
		x.DecidedBy, x.DecidedAt, x.Note = actor, now, note
		data := map[string]string{"approved": strconv.FormatBool(approve), "working_days": strconv.Itoa(x.Days)}
		switch {
		case approve && (!c.Running() || !now.Before(c.Due)):
			x.State, expired = ExtensionRefused, true
			x.Note = strings.TrimSpace(x.Note + " " + errExtensionExpired.Msg)
			data["approved"], data["expired"] = "false", "true"
		case approve:
			x.State = ExtensionApproved
			c.Due = s.policy.Calendar().DeadlineWorkingDays(c.Due, x.Days)
			c.WarnAt = s.warnAt(t.Region, c)
			c.Warned = c.Warned && !now.Before(c.WarnAt)
			x.DueAfter = c.Due
			data["due"] = c.Due.Format(time.RFC3339)
		default:
			x.State = ExtensionRefused
		}
		b.event(Event{Type: EvExtensionDone, Actor: actor, Text: note, At: now, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if expired {
		return t, errExtensionExpired
	}
	return t, nil
}
