package ticket_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

const police = "区公安分局"

// TestTaskDeadlinesAcrossHolidays: a cooperating unit's 3 working days
// count on the official calendar, over 国庆 and 春节 and their 调休 days.
func TestTaskDeadlinesAcrossHolidays(t *testing.T) {
	tests := []struct {
		name  string
		asked time.Time
		due   time.Time
	}{
		// Wed 30 Sep: 国庆 1–7 Oct, then Thu 8, Fri 9, Sat 10 (调休).
		{"国庆", at(2026, 9, 30, 10, 0), endOf(2026, 10, 10)},
		// Fri 13 Feb: Sat 14 (调休), 春节 15–23, then Tue 24, Wed 25.
		{"春节", at(2026, 2, 13, 10, 0), endOf(2026, 2, 25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.asked)
			id := e.open(t, complaint("u-h", "需要公安协查")).ID
			tk := must(e.store.AddTask(context.Background(), tenant, id, "staff-a", police, "核实现场阻工人员身份"))(t)
			sameTime(t, "task due", tk.Tasks[0].Due, tt.due)
			if !tk.Tasks[0].WarnAt.After(tt.asked) || !tk.Tasks[0].WarnAt.Before(tt.due) {
				t.Errorf("task warns at %s", tk.Tasks[0].WarnAt)
			}
		})
	}
}

// TestCooperation: the lead unit asks a cooperating unit for its part;
// the unit sees the ticket in its queue, its clock warns and passes due
// on its own, the lead unit cannot resolve until the part is done or
// released, and a transfer of the lead keeps the cooperating unit.
func TestCooperation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, at(2026, 11, 23, 9, 0)) // Mon
	id := e.open(t, complaint("u-c", "工地被人围堵,无法施工")).ID

	t.Run("refused", func(t *testing.T) {
		_, err := e.store.AddTask(ctx, tenant, id, "staff-a", police, " ")
		wantFault(t, err, fault.Invalid, "cooperate_incomplete")
		_, err = e.store.AddTask(ctx, tenant, id, "staff-a", unitA, "自己协办自己")
		wantFault(t, err, fault.Conflict, "cooperate_owner")
	})
	tk := must(e.store.AddTask(ctx, tenant, id, "staff-a", police, "出警维持现场秩序"))(t)
	_, err := e.store.AddTask(ctx, tenant, id, "staff-a", police, "再要一次")
	wantFault(t, err, fault.Conflict, "cooperate_twice")
	if !slices.Equal(tk.Units, []string{unitA, police}) || tk.Owner() != unitA {
		t.Fatalf("units %v owner %s", tk.Units, tk.Owner())
	}
	if got := ids(must(e.store.List(ctx, ticket.Query{Tenant: tenant, Unit: police}))(t)); !slices.Equal(got, []string{id}) {
		t.Errorf("the cooperating unit lists %v", got)
	}
	sameTime(t, "task due", tk.Tasks[0].Due, endOf(2026, 11, 26))

	// The lead moves to another unit: the cooperating unit stays on it.
	tk = must(e.store.Transfer(ctx, tenant, id, "staff-a", unitB, "属税务"))(t)
	if !slices.Equal(tk.Units, []string{unitB, police}) {
		t.Errorf("after the transfer: units %v", tk.Units)
	}

	// Its clock: a warning, then past due, each once.
	sc := &ticket.Scheduler{Store: e.store}
	e.clock.Set(tk.Tasks[0].WarnAt.Add(time.Minute))
	must(sc.RunOnce(ctx, tenant))(t)
	e.clock.Set(tk.Tasks[0].Due.Add(time.Minute))
	must(sc.RunOnce(ctx, tenant))(t)
	must(sc.RunOnce(ctx, tenant))(t)
	evs := e.events(t, id)
	if len(ofType(evs, ticket.EvTaskWarned)) != 1 || len(ofType(evs, ticket.EvTaskOverdue)) != 1 {
		t.Errorf("task clock events: %v", types(evs))
	}

	_, err = e.store.Resolve(ctx, tenant, id, "staff-b", "已处理")
	wantFault(t, err, fault.Conflict, "tasks_open")
	_, err = e.store.EndTask(ctx, tenant, id, "staff-b", unitB, ticket.TaskDone, "不是我的任务")
	wantFault(t, err, fault.Conflict, "no_task")
	tk = must(e.store.EndTask(ctx, tenant, id, "police-1", police, ticket.TaskDone, "已出警,现场恢复施工"))(t)
	if k := tk.Tasks[0]; k.State != ticket.TaskDone || k.OnTime() || k.EndedBy != "police-1" {
		t.Errorf("task = %+v", k)
	}
	must(e.store.Resolve(ctx, tenant, id, "staff-b", "已协调公安处置"))(t)

	// A released task also lets the lead resolve.
	id2 := e.open(t, complaint("u-c2", "另一件事")).ID
	must(e.store.AddTask(ctx, tenant, id2, "staff-a", police, "协查"))(t)
	_, err = e.store.EndTask(ctx, tenant, id2, "staff-a", police, ticket.TaskReleased, "")
	wantFault(t, err, fault.Invalid, "task_reason")
	must(e.store.EndTask(ctx, tenant, id2, "staff-a", police, ticket.TaskReleased, "企业已自行解决"))(t)
	must(e.store.Resolve(ctx, tenant, id2, "staff-a", "企业已自行解决"))(t)
}
