package bot

import (
	"context"
	"slices"
	"strings"

	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
)

// Actions are what staff can do to a ticket, by name: return is 退单 to
// the region's dispatcher, extend asks for 延期 and extension answers it;
// cooperate asks a cooperating unit for its part (协办), which that unit
// ends with cooperate_done, or the lead unit with cooperate_release.
var Actions = []string{"claim", "reply", "transfer", "pause", "resume", "resolve", "note", "return", "extend", "extension",
	"cooperate", "cooperate_done", "cooperate_release"}

// Action is one thing staff do to a ticket, with what they typed.
type Action struct {
	Name    string `json:"-"`
	Text    string `json:"text"`
	Unit    string `json:"unit"`
	Reason  string `json:"reason"`
	Summary string `json:"summary"`
	// WorkingDays is the extension asked for (extend).
	WorkingDays int `json:"working_days"`
	// Approve and Note answer an extension request (extension).
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

var (
	errManagersDecide = fault.New(fault.Forbidden, "extension_forbidden", "延期申请须由本区域管理人员审批")
	errLeadOnly       = fault.New(fault.Forbidden, "lead_unit_only", "只有主办单位或管理人员可以安排或撤销协办")
)

// maxActionRunes bounds what staff type into a ticket.
const maxActionRunes = 4000

var errBadAction = fault.New(fault.NotFound, "not_found", "no such endpoint")

// TicketFor returns the ticket id names if u may see it; one of another
// unit or region is as absent as one that does not exist.
func (e *Engine) TicketFor(ctx context.Context, u *staff.User, id string) (*ticket.Ticket, error) {
	if id == "" || len(id) > 64 || strings.IndexFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return nil, ticket.ErrNotFound
	}
	t, err := e.tickets.Get(ctx, u.Tenant, id)
	if err != nil {
		return nil, err
	}
	if !u.CanSee(t) {
		return nil, ticket.ErrNotFound
	}
	return t, nil
}

// Units are the units a region's tickets can go to: those its documents
// and catalogue name, and those staff accounts work for.
func (e *Engine) Units(ctx context.Context, region string) ([]string, error) {
	us := e.kb().Units(region)
	if e.staff != nil {
		users, err := e.staff.List(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Region == region && u.Unit != "" {
				us = append(us, u.Unit)
			}
		}
	}
	slices.Sort(us)
	us = slices.Compact(us)
	return slices.DeleteFunc(us, func(s string) bool { return s == "" }), nil
}

// Act is every staff action, whoever asks (the API, the console's pages):
// it checks that u may see the ticket and that the action is complete,
// makes the change, and tells the business (a reply, a resolution) or the
// consoles (everything else) about it.
func (e *Engine) Act(ctx context.Context, u *staff.User, id string, a Action) (*ticket.Ticket, error) {
	if !slices.Contains(Actions, a.Name) {
		return nil, errBadAction
	}
	t, err := e.TicketFor(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	if a.Name == "transfer" || a.Name == "cooperate" {
		if err := e.checkUnit(ctx, t.Region, a.Unit); err != nil {
			return nil, err
		}
	}
	if (a.Name == "cooperate" || a.Name == "cooperate_release") && u.Role == staff.RoleStaff && u.Unit != t.Owner() {
		return nil, errLeadOnly
	}
	tenant, actor := u.Tenant, u.Name
	switch a.Name {
	case "claim":
		t, err = e.tickets.Claim(ctx, tenant, id, actor)
	case "reply":
		return e.StaffReply(ctx, tenant, id, actor, a.Text)
	case "transfer":
		t, err = e.tickets.Transfer(ctx, tenant, id, actor, a.Unit, a.Reason)
	case "pause":
		t, err = e.tickets.Pause(ctx, tenant, id, actor, a.Reason)
	case "resume":
		t, err = e.tickets.Resume(ctx, tenant, id, actor)
	case "resolve":
		return e.Resolve(ctx, tenant, id, actor, a.Summary)
	case "note":
		t, err = e.tickets.Note(ctx, tenant, id, actor, a.Text)
	case "return":
		t, err = e.tickets.ReturnToDispatch(ctx, tenant, id, actor, u.Unit, e.dispatcher(t.Region), a.Reason)
	case "extend":
		t, err = e.tickets.RequestExtension(ctx, tenant, id, actor, u.Unit, a.WorkingDays, a.Reason)
	case "extension":
		return e.decideExtension(ctx, u, t, a)
	case "cooperate":
		t, err = e.tickets.AddTask(ctx, tenant, id, actor, a.Unit, a.Text)
	case "cooperate_done":
		t, err = e.tickets.EndTask(ctx, tenant, id, actor, u.Unit, ticket.TaskDone, a.Text)
	case "cooperate_release":
		t, err = e.tickets.EndTask(ctx, tenant, id, actor, strings.TrimSpace(a.Unit), ticket.TaskReleased, a.Reason)
	}
	if err != nil {
		return nil, err
	}
	e.Announce(ctx, t, a.Name)
	return t, nil
}

// check validates what staff typed before anything is written.
func (a Action) check() error {
	for _, s := range []string{a.Text, a.Unit, a.Reason, a.Summary, a.Note} {
		if len([]rune(s)) > maxActionRunes {
			return fault.Invalidf("text_too_long", "内容最多 %d 字", maxActionRunes)
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch {
	case a.Name == "reply" && blank(a.Text):
		return fault.Invalidf("empty_reply", "答复内容不能为空")
	case a.Name == "note" && blank(a.Text):
		return fault.Invalidf("empty_note", "备注内容不能为空")
	case a.Name == "transfer" && (blank(a.Unit) || blank(a.Reason)):
		return fault.Invalidf("transfer_incomplete", "转办需要选择接收单位并填写原因")
	case a.Name == "pause" && blank(a.Reason):
		return fault.Invalidf("pause_reason", "暂停需要填写原因(如等待补充材料)")
	case a.Name == "resolve" && blank(a.Summary):
		return fault.Invalidf("summary_required", "办结需要填写处理结果")
	case a.Name == "return" && blank(a.Reason):
		return fault.Invalidf("return_reason", "退单需要填写原因(为何不属于本单位职责)")
	case a.Name == "cooperate" && (blank(a.Unit) || blank(a.Text)):
		return fault.Invalidf("cooperate_incomplete", "协办需要选择协办单位并写明需要协办的事项")
	case a.Name == "cooperate_done" && blank(a.Text):
		return fault.Invalidf("task_result", "请填写协办结果")
	case a.Name == "cooperate_release" && (blank(a.Unit) || blank(a.Reason)):
		return fault.Invalidf("task_reason", "撤销协办需要选择单位并填写原因")
	case a.Name == "extension" && a.Approve == nil:
		return fault.Invalidf("extension_answer", "请选择同意或不同意延期(approve: true/false)")
	}
	return nil
}

// checkUnit refuses a transfer to a unit the region does not know, which
// would leave the ticket where no staff member sees it.
func (e *Engine) checkUnit(ctx context.Context, region, unit string) error {
	us, err := e.Units(ctx, region)
	if err != nil {
		return err
	}
	if !slices.Contains(us, strings.TrimSpace(unit)) {
		return fault.Invalidf("unknown_unit", "%s 没有单位 %q", region, unit)
	}
	return nil
}

// dispatcher is the unit that takes a region's returned tickets and
// re-assigns them: the catalogue's dispatcher for the region.
func (e *Engine) dispatcher(region string) string {
	return dispatcherOf(e.kb().RegionSettings(region))
}

// decideExtension lets a manager of the ticket's region (or an admin)
// answer its 延期 request; an approval is told to the business with the
// new deadline.
func (e *Engine) decideExtension(ctx context.Context, u *staff.User, t *ticket.Ticket, a Action) (*ticket.Ticket, error) {
	if !u.CanReport(t.Region) {
		return nil, errManagersDecide
	}
	t, err := e.tickets.DecideExtension(ctx, u.Tenant, t.ID, u.Name, *a.Approve, a.Note)
	if err != nil {
		return nil, err
	}
	e.Announce(ctx, t, ticket.EvExtensionDone)
	if x := t.Extensions[len(t.Extensions)-1]; x.State == ticket.ExtensionApproved {
		if err := e.tellBusiness(ctx, t, "bot", extendedText(t, &x)); err != nil {
			return t, err
		}
	}
	return t, nil
}
