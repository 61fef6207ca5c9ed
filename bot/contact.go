package bot

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"frontdoor/bot/fault"
	"frontdoor/bot/privacy"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
)

// A business's contact: asked once, right after its first ticket opens
// (the clock already runs), kept in its profile for the tickets after,
// and attached to the ticket it was asked for.

func (e *Engine) bizKey(tenant, user string) string { return e.keys.Tenant(tenant, "biz", user) }

// reCompany finds a business's name by how Chinese business names end.
var reCompany = regexp.MustCompile(`[\p{Han}A-Za-z0-9()()·&]{2,40}?(?:有限责任公司|股份有限公司|有限公司|分公司|公司|集团|厂|合作社|事务所|工作室|商行|经营部|门市部|超市|酒店|宾馆|饭店|餐厅|诊所|药店|中心|店)`)

// companyLead are the words a business puts before its name.
var companyLead = regexp.MustCompile(`^(?:我们是|我们|我是|我司是|我司|本公司是|本公司|公司名称|企业名称|单位名称|名称|单位|企业|公司)[::是为]?`)

// reSkip is a business declining to leave its contact.
var reSkip = regexp.MustCompile(`^(?:不用|不需要|不方便|不留|跳过|算了|暂不|暂时不|不想留|不必|没有|无)(?:了|吧|啊|呢|留)?[。.!！~～]*$`)

// parseContact reads a company name and a phone number from a message;
// ok when it holds either, skip when the business declines.
func parseContact(text string) (c ticket.Contact, ok, skip bool) {
	t := strings.TrimSpace(text)
	if reSkip.MatchString(t) || strings.Contains(t, "不留联系方式") || strings.Contains(t, "不方便留") {
		return c, false, true
	}
	if ps := privacy.Phones(t); len(ps) > 0 {
		c.Phone = ps[0]
	}
	for _, part := range strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune(",,;;、 \t\n/|", r) }) {
		part = companyLead.ReplaceAllString(strings.TrimSpace(part), "")
		if m := reCompany.FindString(part); m != "" {
			c.Company = m
			break
		}
	}
	return c, c.Company != "" || c.Phone != "", false
}

// knownContact is what the business's profile holds, if anything.
func (s *session) knownContact() *ticket.Contact {
	if s.BizCompany == "" && s.BizPhone == "" {
		return nil
	}
	return &ticket.Contact{Company: s.BizCompany, Phone: s.BizPhone}
}

// contactFor is the contact a new ticket carries — the profile's, or
// what the business wrote in the message itself — and whether the bot
// should ask for one (once per business).
func (e *Engine) contactFor(text string, sess *session) (c *ticket.Contact, ask bool) {
	if c = sess.knownContact(); c != nil {
		return c, false
	}
	if got, ok, _ := parseContact(text); ok && got.Phone != "" {
		got.At = e.now()
		return &got, false
	}
	return nil, sess.BizAsked == ""
}

// askContact adds the question for a contact to a reply that opened t,
// and makes the next message its answer.
func askContact(r *Reply, t *ticket.Ticket, sess *session) {
	r.Text += "\n\n" + contactAskText
	sess.Awaiting, sess.ContactTicket, sess.askedContact = "contact", t.ID, true
}

// takeContact handles the message after the question: a contact is
// attached to the ticket and kept for the business's next ones; "跳过"
// is thanked; anything else is a message of its own (taken=false).
func (e *Engine) takeContact(ctx context.Context, in Inbound, sess *session) (r Reply, taken bool, err error) {
	id := sess.ContactTicket
	sess.Awaiting, sess.ContactTicket = "", ""
	c, ok, skip := parseContact(in.Text)
	if skip {
		return Reply{Text: contactSkippedText, Intent: Greeting, Region: sess.Region, Citations: []Citation{}}, true, nil
	}
	if !ok || id == "" {
		return Reply{}, false, nil
	}
	t, err := e.tickets.SetContact(ctx, in.Tenant, id, c)
	if err != nil {
		return Reply{}, false, err
	}
	if err := e.rdb.HSet(ctx, e.bizKey(in.Tenant, in.User), "company", c.Company, "phone", c.Phone).Err(); err != nil {
		return Reply{}, false, e.storeErr(err)
	}
	sess.BizCompany, sess.BizPhone = c.Company, c.Phone
	e.Announce(ctx, t, ticket.EvContact)
	return Reply{Text: contactSavedText(c), Intent: intentOfKind(t.Kind), Ticket: ref(t), Region: t.Region,
		Citations: []Citation{}}, true, nil
}

func intentOfKind(k ticket.Kind) Intent {
	switch k {
	case ticket.Assist:
		return AssistRequest
	case ticket.Handoff:
		return Human
	}
	return Complaint
}

// record adds an exchange to the session's conversation, which a ticket
// opened later in the session carries for staff to read. The
// conversation is kept a turn a line (encodeTurn): a message appends its
// two lines and drops the oldest past ticket.MaxTurns by counting
// newlines, without decoding the conversation (a JSON array re-read and
// re-written on every message was a tenth of a message's CPU).
func (s *session) record(question, answer string, at time.Time) {
	var b strings.Builder
	var add []ticket.Turn
	if strings.HasPrefix(s.Conv, "[") { // the array form kept before
		add = s.turns()
	} else {
		b.WriteString(s.Conv)
	}
	add = append(add, ticket.Turn{From: "business", Text: fault.Clip(question, ticket.MaxTurnRunes), At: at},
		ticket.Turn{From: "bot", Text: fault.Clip(answer, ticket.MaxTurnRunes), At: at})
	for _, t := range add {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		encodeTurn(&b, t)
	}
	conv := b.String()
	for n := strings.Count(conv, "\n") + 1; n > ticket.MaxTurns; n-- {
		conv = conv[strings.IndexByte(conv, '\n')+1:]
	}
	s.Conv = conv
}

// turnEscapes keep a turn's text on its line and its fields apart.
var (
	turnEscaper   = strings.NewReplacer("\\", "\\\\", "\n", "\\n", "\t", "\\t", "\r", "\\r")
	turnUnescaper = strings.NewReplacer("\\\\", "\\", "\\n", "\n", "\\t", "\t", "\\r", "\r")
)

// encodeTurn writes a turn as one line: who, a tab, Unix milliseconds, a
// tab, the text with backslash, line breaks and tabs escaped. Reading
// twelve such lines costs a ticket a few splits, where JSON cost it a
// decoder's reflection over every turn.
func encodeTurn(b *strings.Builder, t ticket.Turn) {
	b.WriteString(t.From)
	b.WriteByte('\t')
	b.WriteString(strconv.FormatInt(t.At.UnixMilli(), 10))
	b.WriteByte('\t')
	turnEscaper.WriteString(b, t.Text)
}

// turns are the conversation so far.
func (s *session) turns() []ticket.Turn {
	var ts []ticket.Turn
	if strings.HasPrefix(s.Conv, "[") {
		_ = json.Unmarshal([]byte(s.Conv), &ts)
		return ts
	}
	for line := range strings.SplitSeq(s.Conv, "\n") {
		from, rest, ok := strings.Cut(line, "\t")
		at, text, ok2 := strings.Cut(rest, "\t")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || !ok2 || err != nil {
			continue
		}
		ts = append(ts, ticket.Turn{From: from, Text: turnUnescaper.Replace(text), At: time.UnixMilli(ms)})
	}
	return ts
}

// ViewTicket is TicketFor for a page or an API answer that shows the
// business's full phone number: the audit trail records who saw it.
func (e *Engine) ViewTicket(ctx context.Context, u *staff.User, id string) (*ticket.Ticket, error) {
	t, err := e.TicketFor(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if t.Contact != nil && t.Contact.Phone != "" {
		if err := e.tickets.RecordContactView(ctx, u.Tenant, id, u.Name); err != nil {
			return nil, err
		}
	}
	return t, nil
}
