package ticket_test

import (
	"context"
	"slices"
	"testing"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// dispatcher is the region's dispatch unit in these tests.
const dispatcher = "区中小企业服务局"

// TestReturnAndReassign: the owning unit returns a misdispatched ticket
// with a reason; it waits in the dispatcher's queue with its clocks
// running; the dispatcher re-assigns it and the return records who did.
func TestReturnAndReassign(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	opened := e.open(t, complaint("u-1", "发票领用被卡"))
	id := opened.ID
	must(e.store.Claim(ctx, tenant, id, "staff-a"))(t)

	t.Run("refused", func(t *testing.T) {
		_, err := e.store.ReturnToDispatch(ctx, tenant, id, "staff-a", unitA, dispatcher, " ")
		wantFault(t, err, fault.Invalid, "return_reason")
		_, err = e.store.ReturnToDispatch(ctx, tenant, id, "staff-b", unitB, dispatcher, "不归我们")
		wantFault(t, err, fault.Forbidden, "not_your_unit")
		_, err = e.store.ReturnToDispatch(ctx, tenant, id, "staff-a", unitA, unitA, "不归我们")
		wantFault(t, err, fault.Conflict, "dispatcher_return")
	})

	e.clock.Set(at(2026, 11, 23, 10, 0))
	tk := must(e.store.ReturnToDispatch(ctx, tenant, id, "staff-a", unitA, dispatcher, "属税务事项,非市场监管职责"))(t)
	if tk.Status != ticket.Returned || !slices.Equal(tk.Units, []string{dispatcher}) || tk.ClaimedBy != "" || tk.Owner() != dispatcher {
		t.Fatalf("after return: status %s units %v claimed %q", tk.Status, tk.Units, tk.ClaimedBy)
	}
	if len(tk.Returns) != 1 || tk.Returns[0].Unit != unitA || tk.Returns[0].By != "staff-a" || tk.Returns[0].Dispatcher != dispatcher {
		t.Errorf("returns = %+v", tk.Returns)
	}
	for name, c := range opened.Clocks {
		if got := tk.Clocks[name]; got.Running() != c.Running() || !got.Due.Equal(c.Due) {
			t.Errorf("clock %s changed by the return: %+v, was %+v", name, got, c)
		}
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: unitA}))(t)); slices.Contains(got, id) {
		t.Errorf("the returning unit still lists it: %v", got)
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: dispatcher}))(t)); !slices.Equal(got, []string{id}) {
		t.Errorf("the dispatcher lists %v", got)
	}
	_, err := e.store.ReturnToDispatch(ctx, tenant, id, "disp-1", dispatcher, dispatcher, "再退")
	wantFault(t, err, fault.Conflict, "already_returned")

	e.clock.Set(at(2026, 11, 23, 10, 30))
	tk = must(e.store.Transfer(ctx, tenant, id, "disp-1", unitB, "改派税务"))(t)
	if tk.Status != ticket.Routed || !slices.Equal(tk.Units, []string{unitB}) {
		t.Fatalf("after re-assignment: status %s units %v", tk.Status, tk.Units)
	}
	r := tk.Returns[0]
	if r.ReassignedBy != "disp-1" || r.ReassignedTo != unitB || !r.ReassignedAt.Equal(at(2026, 11, 23, 10, 30)) {
		t.Errorf("return after re-assignment = %+v", r)
	}
	tr := ofType(e.events(t, id), ticket.EvTransferred)
	if len(tr) != 1 || tr[0].Data["reassigned"] != "true" || tr[0].Data["from"] != dispatcher {
		t.Errorf("transferred events = %+v", tr)
	}
	if rt := ofType(e.events(t, id), ticket.EvReturned); len(rt) != 1 || rt[0].Data["unit"] != unitA || rt[0].Text == "" {
		t.Errorf("returned events = %+v", rt)
	}
	// The new unit may return it too; each return is kept.
	tk = must(e.store.ReturnToDispatch(ctx, tenant, id, "staff-b", unitB, dispatcher, "也不属税务"))(t)
	if len(tk.Returns) != 2 || tk.Returns[1].Unit != unitB {
		t.Errorf("second return = %+v", tk.Returns)
	}
}

func TestPausedTicketIsNotReturned(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0))
	id := e.open(t, complaint("u-1", "材料")).ID
	must(e.store.Pause(ctx, tenant, id, "staff-a", "等材料"))(t)
	_, err := e.store.ReturnToDispatch(ctx, tenant, id, "staff-a", unitA, dispatcher, "不归我们")
	wantFault(t, err, fault.Conflict, "paused_return")
}
