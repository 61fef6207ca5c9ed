package console

import (
	"sort"
	"time"

	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// Clock states as the console shows them.
const (
	stateOnTime  = ticket.StateOnTime
	stateWarning = ticket.StateWarning
	stateOverdue = ticket.StateOverdue
	stateMet     = ticket.StateMet
	stateMissed  = ticket.StateMissed
	statePaused  = ticket.StatePaused
)

var stateText = map[string]string{stateOnTime: "准时", stateWarning: "预警", stateOverdue: "超期", stateMet: "按时完成",
	stateMissed: "超时完成", statePaused: "已暂停"}

var clockOrder = []string{ticket.ClockFirstResponse, ticket.ClockResolution, ticket.ClockFollowup}

// clockView is one clock of a ticket with where it stands now.
type clockView struct {
	Name      string     `json:"name"`
	Label     string     `json:"label"`
	Start     time.Time  `json:"start"`
	Due       time.Time  `json:"due"`
	WarnAt    time.Time  `json:"warn_at"`
	Stopped   *time.Time `json:"stopped,omitempty"`
	State     string     `json:"state"`
	StateText string     `json:"state_text"`
	// HeldSeconds is the working time the clock spent paused.
	HeldSeconds int64 `json:"held_seconds,omitempty"`
}

// ticketView is a ticket as the staff API and the console show it.
type ticketView struct {
	ID          string          `json:"id"`
	Region      string          `json:"region"`
	Kind        string          `json:"kind"`
	KindText    string          `json:"kind_text"`
	Class       string          `json:"class"`
	Status      string          `json:"status"`
	StatusText  string          `json:"status_text"`
	Open        bool            `json:"open"`
	User        string          `json:"user"`
	Channel     string          `json:"channel"`
	Text        string          `json:"text"`
	Units       []string        `json:"units"`
	Owner       string          `json:"owner"`
	Desk        string          `json:"desk,omitempty"`
	Item        *ticket.ItemRef `json:"item,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Due         *time.Time      `json:"due,omitempty"`
	ClaimedBy   string          `json:"claimed_by,omitempty"`
	FirstReply  *time.Time      `json:"first_reply,omitempty"`
	ResolvedAt  *time.Time      `json:"resolved_at,omitempty"`
	Summary     string          `json:"summary,omitempty"`
	Rating      string          `json:"rating,omitempty"`
	RatingText  string          `json:"rating_text,omitempty"`
	Reopened    int             `json:"reopened,omitempty"`
	FollowedUp  bool            `json:"followed_up,omitempty"`
	Level       int             `json:"level"`
	LevelName   string          `json:"level_name,omitempty"`
	Escalations []int           `json:"escalations,omitempty"`
	PauseReason string          `json:"pause_reason,omitempty"`
	// Returns are its 退单; Extensions its 延期 requests, the last one
	// possibly pending (PendingExtension).
	Returns          []ticket.Return    `json:"returns,omitempty"`
	Extensions       []ticket.Extension `json:"extensions,omitempty"`
	PendingExtension *ticket.Extension  `json:"pending_extension,omitempty"`
	// Contact is who the business said it is; its phone is masked in
	// lists and whole on the ticket's own page (each such view is in the
	// audit trail). Conversation is what came before the ticket.
	Contact      *ticket.Contact `json:"contact,omitempty"`
	Conversation []ticket.Turn   `json:"conversation,omitempty"`
	// Unreached says the last message to the business was not delivered.
	Unreached bool `json:"unreached,omitempty"`
	// Tasks are the cooperating units' parts (协办).
	Tasks  []ticket.Task `json:"tasks,omitempty"`
	Clocks []clockView   `json:"clocks"`
	// State is the most urgent state of the clocks still running (or of
	// the resolution clock when none runs).
	State     string `json:"state"`
	StateText string `json:"state_text"`
}

// viewTicket builds the view of a ticket at now.
func viewTicket(t *ticket.Ticket, now time.Time) ticketView {
	v := ticketView{ID: t.ID, Region: t.Region, Kind: string(t.Kind), KindText: t.Kind.Chinese(), Class: string(t.Class),
		Status: string(t.Status), StatusText: t.Status.Chinese(), Open: t.Status.Open(), User: t.User, Channel: t.Channel,
		Text: t.Text, Units: t.Units, Owner: t.Owner(), Desk: t.Desk, Item: t.Item, Created: t.Created, Updated: t.Updated,
		Due: timePtr(t.Due()), ClaimedBy: t.ClaimedBy, FirstReply: timePtr(t.FirstReply), ResolvedAt: timePtr(t.ResolvedAt),
		Summary: t.Summary, Rating: string(t.Rating), Reopened: t.Reopened, FollowedUp: t.FollowedUp, Level: t.Level,
		LevelName: ticket.LevelName(t.Level), Escalations: t.Escalations, PauseReason: t.PauseReason,
		Returns: t.Returns, Extensions: t.Extensions, PendingExtension: t.PendingExtension(), Contact: t.Contact,
		Conversation: t.Conversation, Unreached: t.Unreached, Tasks: t.Tasks, Clocks: []clockView{}}
	if v.Units == nil {
		v.Units = []string{}
	}
	if t.Rating != "" {
		v.RatingText = t.Rating.Chinese()
	}
	for _, name := range clockOrder {
		c := t.Clocks[name]
		if c == nil {
			continue
		}
		cv := clockView{Name: name, Label: ticket.ClockLabel(name), Start: c.Start, Due: c.Due, WarnAt: c.WarnAt,
			Stopped: timePtr(c.Stopped), State: c.State(now), HeldSeconds: int64(c.Held / time.Second)}
		cv.StateText = stateText[cv.State]
		v.Clocks = append(v.Clocks, cv)
	}
	v.State = overallState(v.Clocks)
	v.StateText = stateText[v.State]
	return v
}

// listed is the view of a ticket in a list: the phone masked, the
// conversation left for the ticket's own page.
func listed(v ticketView) ticketView {
	if v.Contact != nil {
		c := *v.Contact
		c.Phone = ticket.MaskPhone(c.Phone)
		v.Contact = &c
	}
	v.Conversation = nil
	return v
}

// stateRank orders states by urgency.
var stateRank = map[string]int{stateOverdue: 5, stateWarning: 4, statePaused: 3, stateOnTime: 2, stateMissed: 1, stateMet: 0}

func overallState(cs []clockView) string {
	best := ""
	for _, c := range cs {
		running := c.State != stateMet && c.State != stateMissed
		if running && (best == "" || stateRank[c.State] > stateRank[best]) {
			best = c.State
		}
	}
	if best != "" {
		return best
	}
	for _, c := range cs {
		if c.Name == ticket.ClockResolution {
			return c.State
		}
	}
	return stateMet
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// sortQueue puts open tickets first, the one due soonest at the top, then
// the finished ones, most recently changed first.
func sortQueue(ts []*ticket.Ticket) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.Status.Open() != b.Status.Open() {
			return a.Status.Open()
		}
		if a.Status.Open() {
			if !a.Due().Equal(b.Due()) {
				return a.Due().Before(b.Due())
			}
			return a.ID < b.ID
		}
		return a.Updated.After(b.Updated)
	})
}

// eventView is one entry of a ticket's thread.
type eventView struct {
	ID    string            `json:"id"`
	Type  string            `json:"type"`
	Label string            `json:"label"`
	Actor string            `json:"actor"`
	Text  string            `json:"text,omitempty"`
	At    time.Time         `json:"at"`
	Data  map[string]string `json:"data,omitempty"`
	// Side places the entry in the thread: business, staff, note or system.
	Side string `json:"side"`
	// Delivery is set on staff replies: delivered, failed (the platform
	// refused it) or sent (kept for the business to fetch: JSON and web
	// channels).
	Delivery     string `json:"delivery,omitempty"`
	DeliveryText string `json:"delivery_text,omitempty"`
}

var eventLabels = map[string]string{
	ticket.EvOpened: "企业提交诉求", ticket.EvRouted: "已分派", ticket.EvMessage: "企业留言", ticket.EvReply: "答复企业",
	ticket.EvNote: "内部备注", ticket.EvClaimed: "接单", ticket.EvTransferred: "转办", ticket.EvPaused: "暂停计时",
	ticket.EvResumed: "恢复计时", ticket.EvResolved: "办结", ticket.EvRated: "企业评价", ticket.EvReopened: "差评重办",
	ticket.EvClosed: "关闭", ticket.EvWarned: "时限预警", ticket.EvOverdue: "已超期", ticket.EvEscalated: "督办",
	ticket.EvDelivered: "已送达", ticket.EvDeliveryFail: "送达失败", ticket.EvBusinessTold: "已通知企业",
	ticket.EvClockStopped: "计时停止", ticket.EvClockExtended: "时限延长", ticket.EvReturned: "退单",
	ticket.EvExtensionAsk: "申请延期", ticket.EvExtensionDone: "延期审批", ticket.EvContact: "企业留下联系方式",
	ticket.EvContactViewed: "查看联系电话", ticket.EvTaskAdded: "安排协办", ticket.EvTaskDone: "协办完成",
	ticket.EvTaskReleased: "撤销协办", ticket.EvTaskWarned: "协办预警", ticket.EvTaskOverdue: "协办超期",
}

var deliveryText = map[string]string{"delivered": "已送达企业", "failed": "送达失败", "sent": "已发送(企业通过消息接口接收)"}

// viewEvents turns the audit trail into the thread: each staff reply
// carries the delivery outcome recorded after it.
func viewEvents(evs []ticket.Event) []eventView {
	out := make([]eventView, 0, len(evs))
	lastReply := -1
	for _, e := range evs {
		if e.Type == ticket.EvDelivered || e.Type == ticket.EvDeliveryFail {
			if lastReply >= 0 && out[lastReply].Delivery == "sent" {
				out[lastReply].Delivery = map[bool]string{true: "delivered", false: "failed"}[e.Type == ticket.EvDelivered]
				out[lastReply].DeliveryText = deliveryText[out[lastReply].Delivery]
				if e.Type == ticket.EvDeliveryFail {
					out[lastReply].DeliveryText += ":" + e.Text
				}
				continue
			}
		}
		v := eventView{ID: e.ID, Type: e.Type, Label: eventLabels[e.Type], Actor: e.Actor, Text: e.Text, At: e.At,
			Data: e.Data, Side: sideOf(e.Type)}
		if v.Label == "" {
			v.Label = e.Type
		}
		if e.Type == ticket.EvReply {
			v.Delivery, v.DeliveryText = "sent", deliveryText["sent"]
			lastReply = len(out)
		}
		out = append(out, v)
	}
	return out
}

func sideOf(typ string) string {
	switch typ {
	case ticket.EvOpened, ticket.EvMessage, ticket.EvRated:
		return "business"
	case ticket.EvReply:
		return "staff"
	case ticket.EvNote:
		return "note"
	}
	return "system"
}

// itemView is the knowledge-base item a ticket cites.
type itemView struct {
	ID          string       `json:"id"`
	Doc         string       `json:"doc"`
	DocTitle    string       `json:"doc_title,omitempty"`
	Number      string       `json:"number"`
	Path        string       `json:"path,omitempty"`
	Title       string       `json:"title"`
	Text        string       `json:"text"`
	Lead        []string     `json:"lead_units"`
	Resp        []string     `json:"responsible_units"`
	Coop        []string     `json:"cooperating_units"`
	Deadline    string       `json:"deadline,omitempty"`
	Commitments []figureView `json:"commitments"`
}

// figureView is a concrete figure an item promises.
type figureView struct {
	Text    string `json:"text"`
	Subject string `json:"subject,omitempty"`
}

// viewItem finds the cited item in the current knowledge base; an item
// dropped by a reload is shown from the ticket's own reference.
func viewItem(kb *knowledge.Base, ref *ticket.ItemRef) *itemView {
	if ref == nil {
		return nil
	}
	it, ok := kb.Item(ref.ID)
	if !ok {
		return &itemView{ID: ref.ID, Doc: ref.Doc, Number: ref.Number, Title: ref.Title, Commitments: []figureView{}}
	}
	v := &itemView{ID: it.ID, Doc: it.Doc, Number: it.Number, Path: it.Path, Title: it.Title, Text: it.Text, Lead: it.Lead,
		Resp: it.Resp, Coop: it.Coop, Deadline: it.Deadline, Commitments: []figureView{}}
	for _, d := range kb.Docs {
		if d.File == it.Doc {
			v.DocTitle = d.Title
			break
		}
	}
	for _, c := range it.Commitments {
		if c.Kind == "phone" {
			continue
		}
		v.Commitments = append(v.Commitments, figureView{Text: c.Text, Subject: c.Subject})
	}
	return v
}
