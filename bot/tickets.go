package bot

import (
	"context"
	"slices"
	"sort"
	"strings"

	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// difficultCues mark a problem the documents call 疑难: several bodies,
// a long history, a stuck project.
var difficultCues = []string{"多个部门", "好几个部门", "几个部门", "跨部门", "历史遗留", "多年", "一年多", "两年", "好几年",
	"协调不了", "都说不归", "互相推"}

// route opens a ticket for a complaint or an assistance request, routed
// to the lead units of the item it is about, or to the region's
// dispatcher when no item fits or two fit alike that different units
// lead: a ticket sent to a guessed unit costs a government office more
// than the dispatcher's minute to assign it.
func (e *Engine) route(ctx context.Context, in Inbound, a asked, res []knowledge.Hit, kind ticket.Kind, sess *session) (Reply, error) {
	kb, region, question := a.kb, a.region, a.text
	settings := kb.RegionSettings(region)
	item, units := e.routedTo(settings, res)
	if item != nil {
		sess.Item = item.ID
	}
	contact, ask := e.contactFor(question, sess)
	req := ticket.Request{Tenant: in.Tenant, Region: region, User: in.User, Channel: in.Channel, Account: in.Account,
		Kind: kind, Class: classOf(question), Text: question, Units: units, MsgID: in.MsgID,
		Contact: contact, Conversation: sess.turns(), Announce: e.announcement(ticket.EvOpened)}
	if kind == ticket.Assist {
		req.Desk = deskOf(settings)
	}
	if item != nil {
		req.Item = &ticket.ItemRef{ID: item.ID, Doc: item.Doc, Number: item.Number, Title: item.Title}
	}
	intent := Complaint
	if kind == ticket.Assist {
		intent = AssistRequest
	}
	req.Guard = e.guardOf(in, region, kind, question, true)
	p, err := e.tickets.Prepare(ctx, req)
	if err != nil {
		return Reply{}, err
	}
	if r, held, err := e.held(ctx, in, p, intent, region); held || err != nil {
		return r, err
	}
	t, opening := p.Ticket, p.Opening
	e.remember(in, region, kind, question, opening)
	r := Reply{Text: ticketText(e.tickets, t, a, item), Intent: intent, Ticket: ref(t), Region: region,
		Citations: []Citation{}, opening: opening}
	if item != nil {
		r.Citations = e.citations(kb, res)
	}
	if ask {
		askContact(&r, t, sess)
	}
	return r, nil
}

// routedTo is the item a complaint or a paperwork request is about, if one
// fits clearly, and the units it goes to: the item's, else the region's
// dispatcher.
func (e *Engine) routedTo(settings knowledge.RegionSettings, res []knowledge.Hit) (*knowledge.Item, []string) {
	var item *knowledge.Item
	if len(res) > 0 && res[0].Score >= e.cfg.RouteScore && !e.unclearUnit(res) {
		item = res[0].Item
		if units := item.RoutingUnits(); len(units) > 0 {
			return item, units
		}
	}
	return item, []string{dispatcherOf(settings)}
}

// Routing is where the engine sends a complaint, or with assist a request
// for paperwork, about text in region of kb: the item it is about, if one
// fits clearly, and the units it goes to. It measures routing apart
// from reading the intent (evaluate.CrossRetrieval), on a base of the
// caller's.
func (e *Engine) Routing(kb *knowledge.Base, region, text string, assist bool) (*knowledge.Item, []string, error) {
	q, err := kb.Ask(region, text)
	if err != nil {
		return nil, nil, err
	}
	prefer := ""
	if assist {
		prefer = knowledge.TagAssist
	}
	item, units := e.routedTo(kb.RegionSettings(region), q.Search(5, prefer))
	return item, units, nil
}

// unclearUnit reports a ranking whose two best items fit alike and are
// led by different units.
func (e *Engine) unclearUnit(res []knowledge.Hit) bool {
	if len(res) < 2 || res[1].Score < res[0].Score*(1-e.cfg.ItemMargin) {
		return false
	}
	return !slices.Equal(res[0].Item.RoutingUnits(), res[1].Item.RoutingUnits())
}

// handoff gives the conversation to the region's 政务服务小哥 desk.
func (e *Engine) handoff(ctx context.Context, in Inbound, kb *knowledge.Base, region, question string, sess *session) (Reply, error) {
	desk := deskOf(kb.RegionSettings(region))
	contact, ask := e.contactFor(question, sess)
	// A hand-off asks for a person, not about a matter: two visitors of one
	// office who both ask are two conversations, so none is joined; but an
	// address's share of tickets holds.
	p, err := e.tickets.Prepare(ctx, ticket.Request{Tenant: in.Tenant, Region: region, User: in.User,
		Channel: in.Channel, Account: in.Account, Kind: ticket.Handoff, Class: ticket.General, Text: question,
		Desk: desk, MsgID: in.MsgID, Contact: contact, Conversation: sess.turns(), Announce: e.announcement(ticket.EvOpened),
		Guard: e.guardOf(in, region, ticket.Handoff, question, false)})
	if err != nil {
		return Reply{}, err
	}
	if r, held, err := e.held(ctx, in, p, Human, region); held || err != nil {
		return r, err
	}
	t, opening := p.Ticket, p.Opening
	r := Reply{Text: handoffText(e.tickets, t), Intent: Human, Handoff: true, Ticket: ref(t), Region: region,
		Citations: []Citation{}, opening: opening}
	if ask {
		askContact(&r, t, sess)
	}
	return r, nil
}

// progress lists the business's requests with where they stand.
func (e *Engine) progress(ctx context.Context, in Inbound, region string) (Reply, error) {
	ts, err := e.tickets.List(ctx, ticket.Query{Tenant: in.Tenant, User: in.User, Limit: 20})
	if err != nil {
		return Reply{}, err
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Status.Open() && !ts[j].Status.Open() })
	r := Reply{Text: progressText(e.tickets, ts), Intent: ProgressQuery, Region: region, Citations: []Citation{}}
	for _, t := range ts {
		if t.Status.Open() {
			r.Ticket = ref(t)
			break
		}
	}
	return r, nil
}

// rate records the business's rating of a resolved request.
func (e *Engine) rate(ctx context.Context, in Inbound, sess *session, r ticket.Rating) (Reply, error) {
	id := sess.RatingTicket
	sess.Awaiting, sess.RatingTicket = "", ""
	t, err := e.tickets.Rate(ctx, in.Tenant, id, in.User, r, in.Text)
	if err != nil {
		return Reply{}, err
	}
	e.metrics.Ratings.WithLabelValues(string(r)).Inc()
	e.noteRating(t)
	e.Announce(ctx, t, ticket.EvRated)
	text := ratedText
	if r == ticket.Bad {
		text = badRatedText(t, e.tickets.Policy().Rules(t.Region).Followup)
		e.noteBadRating(ctx, t)
	}
	return Reply{Text: text, Intent: Rating, Ticket: ref(t), Region: t.Region, Citations: []Citation{}}, nil
}

func dispatcherOf(s knowledge.RegionSettings) string {
	switch {
	case s.Dispatcher != "":
		return s.Dispatcher
	case s.Desk != "":
		return s.Desk
	}
	return "政务服务中心"
}

func deskOf(s knowledge.RegionSettings) string {
	switch {
	case s.Desk != "":
		return s.Desk
	case s.Dispatcher != "":
		return s.Dispatcher
	}
	return "政务服务中心"
}

func classOf(text string) ticket.Class {
	if containsAny(text, difficultCues) {
		return ticket.Difficult
	}
	return ticket.General
}

// joinUnits lists units for a sentence.
func joinUnits(us []string, max int) string {
	if len(us) > max {
		return strings.Join(us[:max], "、") + "等"
	}
	return strings.Join(us, "、")
}
