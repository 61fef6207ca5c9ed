package bot

import (
	"context"
	"errors"
	"strings"

	"frontdoor/bot/gaps"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// respond decides what a message means and does it.
func (e *Engine) respond(ctx context.Context, in Inbound, sess *session) (Reply, error) {
	text := normalize(in.Text)
	if sess.Awaiting == "contact" {
		r, taken, err := e.takeContact(ctx, in, sess)
		if err != nil || taken {
			return r, err
		}
	}
	if sess.Handoff != "" {
		r, held, err := e.relay(ctx, in, sess)
		if err != nil || held {
			return r, err
		}
	}
	if sess.More != "" && (text == "1" || text == "更多" || text == "查看更多") {
		more := sess.More
		sess.More = ""
		return Reply{Text: more, Intent: PolicyQuery, Region: sess.Region}, nil
	}
	sess.More = ""
	if sess.Awaiting == "rating" && sess.RatingTicket != "" {
		if r, ok := ratingOf(text); ok {
			return e.rate(ctx, in, sess, ticket.Rating(r))
		}
	}
	// A number answering the bot's question picks what the waiting
	// question meant; anything else is a new message.
	var picked option
	if sess.Awaiting == "choice" {
		if o, ok := sess.pick(text); ok {
			picked, in.Text = o, sess.Pending
		}
		sess.Awaiting, sess.Pending, sess.Choices = "", "", ""
	}
	kb := e.kb()
	region, question := e.region(kb, in, sess)
	norm := text
	if question != in.Text || picked != (option{}) {
		norm = normalize(question)
	}
	f := facetOf(norm)
	u := understanding{intent: picked.intent}
	switch {
	case picked.item != "":
		u.intent = PolicyQuery
	case picked.intent == "":
		u = e.understand(norm)
		// A short follow-up ("那高压的呢") reads like a greeting or nothing
		// at all without the item it continues, and the model, which
		// reads no context, is seldom sure what it is.
		if sess.Item != "" && looksLikeFollowUp(norm, f) &&
			(u.intent == Greeting || u.intent == OutOfScope || u.intent == PolicyQuery || u.pred.Top().P < e.cfg.IntentConfidence) {
			u = understanding{intent: PolicyQuery, pred: u.pred}
		}
	}
	// A wording a person confirmed as a question of an item (its questions
	// file, or an editor from the gaps page) is answered by that item,
	// whatever the model made of it.
	if (u.intent == OutOfScope || u.intent == Greeting) && region != "" {
		if it, ok := kb.QuestionItem(region, question); ok {
			u, picked.item = understanding{intent: PolicyQuery}, it.ID
		}
	}
	// A message that names a matter only a few of the region's items
	// name (临床中心, 一业一证) is about them, whatever a model trained on
	// every region's messages made of the words.
	var q *knowledge.Question
	if u.intent == OutOfScope && region != "" {
		if named, err := kb.Ask(region, question); err == nil && named.NamedMatter() != "" {
			u, q = understanding{intent: PolicyQuery, pred: u.pred}, named
		}
	}
	if region != "" && wantsMyBenefits(norm) {
		return e.myBenefits(ctx, in, kb, region)
	}
	switch u.intent {
	case Greeting:
		return Reply{Text: helpText(region), Intent: Greeting, Region: region}, nil
	case OutOfScope:
		return Reply{Text: offTopicText, Intent: OutOfScope, Region: region}, nil
	case ProgressQuery:
		if len(u.unsure) == 0 {
			return e.progress(ctx, in, region)
		}
	}
	if region == "" {
		sess.Awaiting, sess.Pending = "region", question
		return Reply{Text: askRegionText(kb), Intent: u.intent}, nil
	}
	if u.intent == Human && len(u.unsure) == 0 {
		return e.handoff(ctx, in, kb, region, question, sess)
	}
	prefer := ""
	if u.intent == AssistRequest {
		prefer = knowledge.TagAssist
	}
	if q == nil {
		var err error
		if q, err = kb.Ask(region, question); err != nil {
			return Reply{}, err
		}
	}
	a := asked{kb: kb, region: region, text: question, norm: norm, q: q, facet: f,
		offTopic: u.pred.Of(string(OutOfScope))}
	if picked.item != "" {
		if it, ok := kb.Item(picked.item); ok {
			return e.answerFrom(ctx, a, it, nil, sess), nil
		}
	}
	res := q.Search(5, prefer)
	if len(u.unsure) > 0 {
		return e.askIntent(a, res, u, sess), nil
	}
	switch u.intent {
	case Complaint:
		return e.route(ctx, in, a, res, ticket.Complaint, sess)
	case AssistRequest:
		return e.route(ctx, in, a, res, ticket.Assist, sess)
	}
	if it, ok := e.followed(&a, res, sess); ok {
		return e.answerFrom(ctx, a, it, res, sess), nil
	}
	return e.answer(ctx, a, res, sess)
}

// region works out which region a message is about: the one the channel
// gives, the one the business named before or names now, or the tenant's.
// When the bot had asked for the region, the waiting question comes back.
func (e *Engine) region(kb *knowledge.Base, in Inbound, sess *session) (region, question string) {
	question = in.Text
	region = in.Region
	named, ok := kb.FindRegion(in.Text)
	switch {
	case region != "":
	case ok:
		region = named
	case sess.Region != "":
		region = sess.Region
	default:
		region = e.cfg.TenantRegions[in.Tenant]
	}
	if region == "" {
		if rs := kb.Regions(); len(rs) == 1 {
			region = rs[0]
		}
	}
	if region != "" {
		sess.Region = region
	}
	if sess.Awaiting == "region" && region != "" {
		if sess.Pending != "" && onlyNamesRegion(kb, in.Text) {
			question = sess.Pending
		}
		sess.Awaiting, sess.Pending = "", ""
	}
	return region, question
}

// onlyNamesRegion reports an answer that is just a region's name.
func onlyNamesRegion(kb *knowledge.Base, text string) bool {
	t := strings.Trim(normalize(text), " 。.!！,，")
	for _, w := range []string{"我在", "我们在", "在", "是", "我是", "企业在", "公司在", "这边", "那边", "的"} {
		t = strings.ReplaceAll(t, w, "")
	}
	_, ok := kb.ResolveRegion(t)
	return ok
}

// relay passes a message to the staff member holding the conversation.
func (e *Engine) relay(ctx context.Context, in Inbound, sess *session) (Reply, bool, error) {
	t, err := e.tickets.Relay(ctx, in.Tenant, sess.Handoff, in.User, in.Text)
	switch {
	case errors.Is(err, ticket.ErrNotFound):
		sess.Handoff = ""
		return Reply{}, false, nil
	case err != nil:
		return Reply{}, false, err
	case !t.Status.Open():
		sess.Handoff = ""
		return Reply{}, false, nil
	}
	e.Announce(ctx, t, ticket.EvMessage)
	return Reply{Intent: Human, Silent: true, Handoff: true, Ticket: ref(t), Region: t.Region}, true, nil
}

// offTopicDoubt is the probability of out_of_scope at which a question
// that no item fits is called off-topic rather than unanswered.
const offTopicDoubt = 0.2

// answer replies to a policy question from the best item, asks which item
// was meant when two fit alike, or says that nothing fits and offers a
// person.
func (e *Engine) answer(ctx context.Context, a asked, res []knowledge.Hit, sess *session) (Reply, error) {
	kb, region, question := a.kb, a.region, a.text
	if len(res) == 0 || res[0].Score < e.cfg.AnswerScore {
		// Nothing fits: the model's doubt that this is a government
		// matter at all decides whether to say so or to offer a person.
		if a.offTopic >= offTopicDoubt && (len(res) == 0 || res[0].Score < e.cfg.RouteScore) {
			return Reply{Text: offTopicText, Intent: OutOfScope, Region: region}, nil
		}
		return Reply{Text: notFoundText(question), Intent: PolicyQuery, Region: region, gap: gaps.NotFound}, nil
	}
	if wantsNoApplyList(a.norm) {
		return Reply{Text: noApplyList(a), Intent: PolicyQuery, Region: region,
			Citations: e.noApplyCitations(a, e.citations(kb, res))}, nil
	}
	if e.unsureItem(res) && a.facet == facetNone {
		return e.askItem(a, res, sess), nil
	}
	return e.answerFrom(ctx, a, res[0].Item, res, sess), nil
}

// answerFrom answers a policy question from one item, citing it first and
// then the other hits that fit, and remembers the item for follow-ups.
func (e *Engine) answerFrom(ctx context.Context, a asked, it *knowledge.Item, res []knowledge.Hit, sess *session) Reply {
	cites := []Citation{citationOf(a.kb, it, 0)}
	for _, c := range e.citations(a.kb, res) {
		if c.Doc == it.Doc && c.Path == it.Path {
			cites[0].Score = c.Score
			continue
		}
		cites = append(cites, c)
	}
	draft := policyText(a, it)
	text := draft
	if e.phraser != nil {
		hits := []knowledge.Hit{{Item: it}}
		for _, h := range res {
			if h.Item != it {
				hits = append(hits, h)
			}
		}
		text = e.phrase(ctx, a.kb, a.text, hits, draft)
	}
	sess.Item = it.ID
	if figureKinds(a.facet) != nil {
		sess.Asked = string(a.facet) // the figure a follow-up's new condition is for
	}
	return Reply{Text: text, Intent: PolicyQuery, Region: a.region, Citations: cites}
}

// citations lists the hits that fit well enough to cite, best first.
func (e *Engine) citations(kb *knowledge.Base, res []knowledge.Hit) []Citation {
	var out []Citation
	for i, h := range res {
		if i > 0 && (h.Score < e.cfg.AnswerScore || h.Score < res[0].Score*0.5) {
			break
		}
		out = append(out, citationOf(kb, h.Item, h.Score))
		if len(out) == 3 {
			break
		}
	}
	return out
}

func citationOf(kb *knowledge.Base, it *knowledge.Item, score float64) Citation {
	return Citation{Doc: it.Doc, Item: it.Number, Title: it.Title, Text: it.Text, Lead: nonNil(it.Lead),
		Resp: nonNil(it.Resp), Score: score, DocTitle: docTitle(kb, it), Path: it.Path}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ref(t *ticket.Ticket) *TicketRef {
	return &TicketRef{ID: t.ID, Status: string(t.Status), Units: nonNil(t.Units), Due: t.Due(), Desk: t.Desk}
}
