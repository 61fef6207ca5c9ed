package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
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
		views = append(views, listed(viewTicket(t, now)))
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

// ContactViews counts the views of the business's full number the audit
// trail holds; the page shows the count instead of each one in its thread.
func (d *ticketDetail) ContactViews() int {
	n := 0
	for _, e := range d.Events {
		if e.Type == ticket.EvContactViewed {
			n++
		}
	}
	return n
}

// detail reads everything the ticket page shows, the business's full
// phone number included (a view the audit trail records).
func (c *console) detail(ctx context.Context, u *staff.User, id string) (*ticketDetail, error) {
	t, err := c.engine.ViewTicket(ctx, u, id)
	if err != nil {
		return nil, err
	}
	return c.detailOf(ctx, u, t)
}

// detailOf reads the rest of a ticket's page: its thread, the units it
// may go to and the item it cites.
func (c *console) detailOf(ctx context.Context, u *staff.User, t *ticket.Ticket) (*ticketDetail, error) {
	id := t.ID
	evs, err := c.tickets.Events(ctx, u.Tenant, id)
	if err != nil {
		return nil, err
	}
	units, err := c.engine.Units(ctx, t.Region)
	if err != nil {
		return nil, err
	}
	kb := c.engine.KB()
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

// apiAction runs a staff action on a ticket.
// POST /api/v1/staff/tickets/:id/{claim,reply,transfer,pause,resume,resolve,note}.
func (c *console) apiAction(g *gin.Context) error {
	name := g.Param("action")
	if !slices.Contains(bot.Actions, name) {
		return errBadAction
	}
	var req bot.Action
	if g.Request.ContentLength != 0 || name != "claim" && name != "resume" {
		if err := c.kit.ReadJSON(g, &req); err != nil {
			return err
		}
	}
	req.Name = name
	res, err := c.act(g.Request.Context(), principalOf(g).user, g.Param("id"), req)
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
	// Gone says the action took the ticket out of the user's sight (a
	// return, a transfer to another unit).
	Gone bool `json:"gone,omitempty"`
}

// act makes the one call into the bot that a staff action is, and reads
// for a reply whether it reached the business.
func (c *console) act(ctx context.Context, u *staff.User, id string, a bot.Action) (*actionResult, error) {
	t, err := c.engine.Act(ctx, u, id, a)
	if err != nil {
		return nil, err
	}
	res := &actionResult{Ticket: listed(viewTicket(t, c.tickets.Now())), Gone: !u.CanSee(t)}
	if a.Name == "reply" {
		res.Delivery, res.DeliveryText = c.lastDelivery(ctx, u.Tenant, id)
	}
	return res, nil
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
	us, err := c.engine.Units(g.Request.Context(), region)
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
