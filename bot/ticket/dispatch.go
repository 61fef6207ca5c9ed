package ticket

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontdoor/bot/fault"
)

// Return is one 退单: a unit sent the ticket back to the region's
// dispatcher, saying why it is not theirs; Reassigned* say who sent it on,
// and where (改派).
type Return struct {
	Unit         string    `json:"unit"`
	By           string    `json:"by"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
	Dispatcher   string    `json:"dispatcher"`
	ReassignedBy string    `json:"reassigned_by,omitempty"`
	ReassignedTo string    `json:"reassigned_to,omitempty"`
	ReassignedAt time.Time `json:"reassigned_at,omitempty"`
}

// pendingReturn is the return still waiting for the dispatcher, if any.
func (t *Ticket) pendingReturn() *Return {
	if t.Status != Returned || len(t.Returns) == 0 {
		return nil
	}
	return &t.Returns[len(t.Returns)-1]
}

var (
	errNotYours      = fault.New(fault.Forbidden, "not_your_unit", "只有工单所在单位可以退单")
	errDispatcherOwn = fault.New(fault.Conflict, "dispatcher_return", "派单单位不能退单,请直接改派(转办)给责任单位")
	errReturned      = fault.New(fault.Conflict, "already_returned", "工单已退回,等待派单单位改派")
	errPausedReturn  = fault.New(fault.Conflict, "paused_return", "工单暂停计时中,请先恢复计时再退单")
)

// ReturnToDispatch is 退单: unit, which owns the ticket, sends it back to
// the region's dispatcher with a reason, for the dispatcher to re-assign
// (Transfer). The clocks keep running — a misdispatch costs the business
// time — and the return is counted against the dispatch in the reports.
func (s *Store) ReturnToDispatch(ctx context.Context, tenant, id, actor, unit, dispatcher, reason string) (*Ticket, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fault.Invalidf("return_reason", "退单需要填写原因(为何不属于本单位职责)")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		switch {
		case t.Status == Returned:
			return errReturned
		case unit == "" || t.Owner() != unit:
			return errNotYours
		case unit == dispatcher:
			return errDispatcherOwn
		case t.Status == Paused:
			return errPausedReturn
		}
		t.Returns = append(t.Returns, Return{Unit: unit, By: actor, Reason: reason, At: now, Dispatcher: dispatcher})
		t.Units = append([]string{dispatcher}, slices.DeleteFunc(t.OpenTasks(), func(u string) bool { return u == dispatcher })...)
		t.Desk = ""
		t.ClaimedBy, t.ClaimedAt = "", time.Time{}
		t.Status = Returned
		b.event(Event{Type: EvReturned, Actor: actor, Text: reason, At: now,
			Data: map[string]string{"unit": unit, "dispatcher": dispatcher}})
		return nil
	})
}
