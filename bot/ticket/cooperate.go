package ticket

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontdoor/bot/fault"
)

// Task is a cooperating unit's part of a case (协办): what the lead unit
// asks of it, by when — its own, shorter clock on the region's calendar
// — and how it ended.
type Task struct {
	Unit   string    `json:"unit"`
	Text   string    `json:"text"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Due    time.Time `json:"due"`
	WarnAt time.Time `json:"warn_at"`
	// State is open, done or released (the lead unit no longer needs it).
	State   string    `json:"state"`
	Warned  bool      `json:"warned,omitempty"`
	Overdue bool      `json:"overdue,omitempty"`
	EndedBy string    `json:"ended_by,omitempty"`
	EndedAt time.Time `json:"ended_at,omitempty"`
	Result  string    `json:"result,omitempty"`
}

// Task states.
const (
	TaskOpen     = "open"
	TaskDone     = "done"
	TaskReleased = "released"
)

// OnTime reports whether a finished task was done by its deadline.
func (k *Task) OnTime() bool { return k.State == TaskDone && !k.EndedAt.After(k.Due) }

// openTask is unit's open task, if any.
func (t *Ticket) openTask(unit string) *Task {
	for i := range t.Tasks {
		if t.Tasks[i].Unit == unit && t.Tasks[i].State == TaskOpen {
			return &t.Tasks[i]
		}
	}
	return nil
}

// OpenTasks are the units whose part of the case is still open.
func (t *Ticket) OpenTasks() []string {
	var out []string
	for _, k := range t.Tasks {
		if k.State == TaskOpen {
			out = append(out, k.Unit)
		}
	}
	return out
}

var (
	errTaskIncomplete = fault.Invalidf("cooperate_incomplete", "协办需要选择协办单位并写明需要协办的事项")
	errTaskOwner      = fault.New(fault.Conflict, "cooperate_owner", "主办单位不能作为协办单位")
	errTaskTwice      = fault.New(fault.Conflict, "cooperate_twice", "该单位已有未完成的协办任务")
	errNoTask         = fault.New(fault.Conflict, "no_task", "该单位没有未完成的协办任务")
	errTasksOpen      = fault.New(fault.Conflict, "tasks_open", "还有协办任务未完成,完成或撤销后才能办结")
)

// AddTask asks a cooperating unit for its part of the case: the unit
// sees the ticket in its queue from now on, with its own deadline.
func (s *Store) AddTask(ctx context.Context, tenant, id, actor, unit, text string) (*Ticket, error) {
	unit, text = strings.TrimSpace(unit), strings.TrimSpace(text)
	if unit == "" || text == "" {
		return nil, errTaskIncomplete
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		switch {
		case unit == t.Owner():
			return errTaskOwner
		case t.openTask(unit) != nil:
			return errTaskTwice
		}
		r := s.policy.Rules(t.Region)
		due := s.policy.Deadline(t.Region, now, r.Cooperate)
		t.Tasks = append(t.Tasks, Task{Unit: unit, Text: text, By: actor, At: now, Due: due,
			WarnAt: s.policy.WarnAt(t.Region, now, due), State: TaskOpen})
		if !slices.Contains(t.Units, unit) {
			t.Units = append(t.Units, unit)
		}
		b.event(Event{Type: EvTaskAdded, Actor: actor, Text: text, At: now,
			Data: map[string]string{"unit": unit, "due": due.Format(time.RFC3339)}})
		return nil
	})
}

// EndTask closes unit's open task: done by the cooperating unit with its
// result, or released by the lead unit (or a manager) with the reason.
func (s *Store) EndTask(ctx context.Context, tenant, id, actor, unit, state, text string) (*Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		if state == TaskDone {
			return nil, fault.Invalidf("task_result", "请填写协办结果")
		}
		return nil, fault.Invalidf("task_reason", "请填写撤销协办的原因")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		if err := requireOpen(t); err != nil {
			return err
		}
		k := t.openTask(unit)
		if k == nil {
			return errNoTask
		}
		k.State, k.EndedBy, k.EndedAt, k.Result = state, actor, now, text
		typ := EvTaskDone
		if state == TaskReleased {
			typ = EvTaskReleased
		}
		b.event(Event{Type: typ, Actor: actor, Text: text, At: now,
			Data: map[string]string{"unit": unit, "on_time": boolString(k.OnTime())}})
		return nil
	})
}

// fireTasks records the warnings and deadlines of open tasks that are due
// at now.
func fireTasks(t *Ticket, now time.Time, record func(Event)) {
	for i := range t.Tasks {
		k := &t.Tasks[i]
		if k.State != TaskOpen {
			continue
		}
		if !k.Warned && !now.Before(k.WarnAt) {
			k.Warned = true
			record(Event{Type: EvTaskWarned, Actor: "clock", At: now, Data: map[string]string{
				"unit": k.Unit, "due": k.Due.Format(time.RFC3339)}})
		}
		if !k.Overdue && !now.Before(k.Due) {
			k.Overdue = true
			record(Event{Type: EvTaskOverdue, Actor: "clock", At: now, Data: map[string]string{
				"unit": k.Unit, "due": k.Due.Format(time.RFC3339)}})
		}
	}
}

// nextTaskFire is the next moment an open task needs attention.
func nextTaskFire(t *Ticket) time.Time {
	var next time.Time
	for _, k := range t.Tasks {
		if k.State != TaskOpen {
			continue
		}
		at := k.Due
		if !k.Warned {
			at = k.WarnAt
		} else if k.Overdue {
			continue
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}
