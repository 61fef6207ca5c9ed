package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
)

// queueFilter narrows the tickets a user may see.
type queueFilter struct {
	Status string // open (default in the console), closed, all, or a status
	Kind   string
	Unit   string
	Limit  int
}

var (
	errBadStatus = fault.Invalidf("bad_status", "status 应为 open、closed、all 或工单状态之一")
	errBadKind   = fault.Invalidf("bad_kind", "kind 应为 complaint、assist 或 handoff")
	errBadID     = fault.New(fault.NotFound, "ticket_not_found", "no such ticket")
	errBadAction = fault.New(fault.NotFound, "not_found", "no such endpoint")
)

var statuses = []ticket.Status{ticket.Routed, ticket.Claimed, ticket.Answered, ticket.Paused, ticket.Resolved,
	ticket.Rated, ticket.Closed, ticket.Reopened}

// readFilter binds and validates the queue filters of a request.
func readFilter(g *gin.Context, defaultStatus string) (queueFilter, error) {
	f := queueFilter{Status: g.DefaultQuery("status", defaultStatus), Kind: g.Query("kind"), Unit: g.Query("unit"),
		Limit: maxTicketsListed}
	switch {
	case f.Status == "", f.Status == "open", f.Status == "closed", f.Status == "all":
	case !slices.Contains(statuses, ticket.Status(f.Status)):
		return f, errBadStatus
	}
	switch ticket.Kind(f.Kind) {
	case "", ticket.Complaint, ticket.Assist, ticket.Handoff:
	default:
		return f, errBadKind
	}
	if l := g.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxTicketsListed {
			return f, fault.Invalidf("bad_limit", "limit 应为 1 到 %d", maxTicketsListed)
		}
		f.Limit = n
	}
	return f, nil
}

func (f queueFilter) keep(t *ticket.Ticket) bool {
	switch f.Status {
	case "", "all":
	case "open":
		if !t.Status.Open() {
			return false
		}
	case "closed":
		if t.Status.Open() {
			return false
		}
	default:
		if string(t.Status) != f.Status {
			return false
		}
	}
	if f.Kind != "" && string(t.Kind) != f.Kind {
		return false
	}
	return f.Unit == "" || t.HasUnit(f.Unit)
}

// queue lists the tickets a user may see, filtered, due first.
func (c *console) queue(ctx context.Context, u *staff.User, f queueFilter) ([]*ticket.Ticket, error) {
	seen := map[string]bool{}
	var out []*ticket.Ticket
	for _, q := range u.Queries(maxTicketsListed) {
		ts, err := c.tickets.List(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if seen[t.ID] || !u.CanSee(t) || !f.keep(t) {
				continue
			}
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	sortQueue(out)
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// visible reads a ticket the user may see; any other id is "not found",
// whether it exists or not, so ids reveal nothing across units.
func (c *console) visible(ctx context.Context, u *staff.User, id string) (*ticket.Ticket, error) {
	if id == "" || len(id) > 64 || !printable(id) {
		return nil, errBadID
	}
	t, err := c.tickets.Get(ctx, u.Tenant, id)
	if err != nil {
		return nil, err
	}
	if !u.CanSee(t) {
		return nil, ticket.ErrNotFound
	}
	return t, nil
}

// apiTickets lists the caller's tickets with their clocks.
// GET /api/v1/staff/tickets?status=&kind=&unit=&limit=.
func (c *console) apiTickets(g *gin.Context) error {
	p := principalOf(g)
	f, err := readFilter(g, "all")
	if err != nil {
		return err
	}
	ts, err := c.queue(g.Request.Context(), p.user, f)
	if err != nil {
		return err
	}
	now := c.tickets.Now()
	views := make([]ticketView, 0, len(ts))
	for _, t := range ts {
		views = append(views, viewTicket(t, now))
	}
	g.JSON(http.StatusOK, gin.H{"tickets": views, "user": viewUser(p.user), "now": now})
	return nil
}

// ticketDetail is a ticket with its thread and the item it cites.
type ticketDetail struct {
	Ticket ticketView  `json:"ticket"`
	Events []eventView `json:"events"`
	Item   *itemView   `json:"item"`
	// Units are the units it may be transferred to.
	Units []string `json:"transfer_units"`
}

// detail reads everything the ticket page shows.
func (c *console) detail(ctx context.Context, u *staff.User, id string) (*ticketDetail, error) {
	t, err := c.visible(ctx, u, id)
	if err != nil {
		return nil, err
	}
	evs, err := c.tickets.Events(ctx, u.Tenant, id)
	if err != nil {
		return nil, err
	}
	units, err := c.transferUnits(ctx, t.Region)
	if err != nil {
		return nil, err
	}
	kb := c.s.engine.KB()
	return &ticketDetail{Ticket: viewTicket(t, c.tickets.Now()), Events: viewEvents(evs), Item: viewItem(kb, t.Item),
		Units: units}, nil
}

// apiTicket shows one ticket. GET /api/v1/staff/tickets/:id.
func (c *console) apiTicket(g *gin.Context) error {
	d, err := c.detail(g.Request.Context(), principalOf(g).user, g.Param("id"))
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, d)
	return nil
}

// actionRequest is the body of the staff actions; each uses its fields.
type actionRequest struct {
	Text    string `json:"text"`
	Unit    string `json:"unit"`
	Reason  string `json:"reason"`
	Summary string `json:"summary"`
}

// actions are the staff actions by URL name.
var actions = []string{"claim", "reply", "transfer", "pause", "resume", "resolve", "note"}

// apiAction runs a staff action on a ticket.
// POST /api/v1/staff/tickets/:id/{claim,reply,transfer,pause,resume,resolve,note}.
func (c *console) apiAction(g *gin.Context) error {
	name := g.Param("action")
	if !slices.Contains(actions, name) {
		return errBadAction
	}
	var req actionRequest
	if g.Request.ContentLength != 0 || name != "claim" && name != "resume" {
		if err := c.s.readJSON(g, &req); err != nil {
			return err
		}
	}
	res, err := c.act(g.Request.Context(), principalOf(g).user, g.Param("id"), name, req)
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, res)
	return nil
}

// actionResult is what an action answers: the ticket after it and, for a
// reply, whether it reached the business.
type actionResult struct {
	Ticket       ticketView `json:"ticket"`
	Delivery     string     `json:"delivery,omitempty"`
	DeliveryText string     `json:"delivery_text,omitempty"`
}

// maxActionRunes bounds what staff type into a ticket.
const maxActionRunes = 4000

// act checks that the user may act on the ticket and makes the one call
// into the bot that the action is.
func (c *console) act(ctx context.Context, u *staff.User, id, name string, req actionRequest) (*actionResult, error) {
	t, err := c.visible(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if err := checkAction(name, req); err != nil {
		return nil, err
	}
	if name == "transfer" {
		if err := c.checkUnit(ctx, t.Region, req.Unit); err != nil {
			return nil, err
		}
	}
	tenant, actor := u.Tenant, u.Name
	switch name {
	case "claim":
		t, err = c.tickets.Claim(ctx, tenant, id, actor)
	case "reply":
		t, err = c.s.engine.StaffReply(ctx, tenant, id, actor, req.Text)
	case "transfer":
		t, err = c.tickets.Transfer(ctx, tenant, id, actor, req.Unit, req.Reason)
	case "pause":
		t, err = c.tickets.Pause(ctx, tenant, id, actor, req.Reason)
	case "resume":
		t, err = c.tickets.Resume(ctx, tenant, id, actor)
	case "resolve":
		t, err = c.s.engine.Resolve(ctx, tenant, id, actor, req.Summary)
	case "note":
		t, err = c.tickets.Note(ctx, tenant, id, actor, req.Text)
	}
	if err != nil {
		return nil, err
	}
	if name != "reply" && name != "resolve" {
		c.s.engine.Announce(ctx, t, name)
	}
	res := &actionResult{Ticket: viewTicket(t, c.tickets.Now())}
	if name == "reply" {
		res.Delivery, res.DeliveryText = c.lastDelivery(ctx, tenant, id)
	}
	return res, nil
}

// checkAction validates what staff typed before anything is written.
func checkAction(name string, req actionRequest) error {
	for _, s := range []string{req.Text, req.Unit, req.Reason, req.Summary} {
		if len([]rune(s)) > maxActionRunes {
			return fault.Invalidf("text_too_long", "内容最多 %d 字", maxActionRunes)
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch {
	case name == "reply" && blank(req.Text):
		return fault.Invalidf("empty_reply", "答复内容不能为空")
	case name == "note" && blank(req.Text):
		return fault.Invalidf("empty_note", "备注内容不能为空")
	case name == "transfer" && (blank(req.Unit) || blank(req.Reason)):
		return fault.Invalidf("transfer_incomplete", "转办需要选择接收单位并填写原因")
	case name == "pause" && blank(req.Reason):
		return fault.Invalidf("pause_reason", "暂停需要填写原因(如等待补充材料)")
	case name == "resolve" && blank(req.Summary):
		return fault.Invalidf("summary_required", "办结需要填写处理结果")
	}
	return nil
}

// transferUnits are the units of a region: those its documents and
// catalogue name, and those staff accounts work for.
func (c *console) transferUnits(ctx context.Context, region string) ([]string, error) {
	users, err := c.staff.List(ctx)
	if err != nil {
		return nil, err
	}
	var extra []string
	for _, u := range users {
		if u.Region == region && u.Unit != "" {
			extra = append(extra, u.Unit)
		}
	}
	us := unitsOf(c.s.engine.KB(), region, extra)
	return slices.DeleteFunc(us, func(s string) bool { return s == "" }), nil
}

// checkUnit refuses a transfer to a unit the region does not know, which
// would leave the ticket where no staff member sees it.
func (c *console) checkUnit(ctx context.Context, region, unit string) error {
	us, err := c.transferUnits(ctx, region)
	if err != nil {
		return err
	}
	if !slices.Contains(us, strings.TrimSpace(unit)) {
		return fault.Invalidf("unknown_unit", "%s 没有单位 %q", region, unit)
	}
	return nil
}

// apiUnits lists the units a region's tickets can go to (the transfer
// picker). GET /api/v1/staff/units?region=R.
func (c *console) apiUnits(g *gin.Context) error {
	u := principalOf(g).user
	region := g.DefaultQuery("region", u.Region)
	if region == "" {
		return fault.Invalidf("missing_region", "region is required")
	}
	if u.Role != staff.RoleAdmin && region != u.Region {
		return fault.New(fault.Forbidden, "other_region", "只能查看本区域的单位")
	}
	us, err := c.transferUnits(g.Request.Context(), region)
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, gin.H{"region": region, "units": us})
	return nil
}

// lastDelivery is the delivery outcome of the latest reply.
func (c *console) lastDelivery(ctx context.Context, tenant, id string) (string, string) {
	evs, err := c.tickets.Events(ctx, tenant, id)
	if err != nil {
		return "", ""
	}
	views := viewEvents(evs)
	for i := len(views) - 1; i >= 0; i-- {
		if views[i].Type == ticket.EvReply {
			return views[i].Delivery, views[i].DeliveryText
		}
	}
	return "", ""
}
