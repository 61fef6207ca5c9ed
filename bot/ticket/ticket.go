// Package ticket keeps the requests a person must handle — complaints,
// 帮办代办 requests and hand-offs — in Redis, their system of record: the
// ticket, its audit trail (a Redis Stream of events), the indexes the
// console and progress queries read, and the clocks that keep 有呼必应.
package ticket

import (
	"time"
)

// Status is where a ticket stands in its life:
// routed → claimed → answered → (paused ↔ answered) → resolved → rated →
// closed, and reopened after a bad rating.
type Status string

// The statuses.
const (
	Routed   Status = "routed"
	Claimed  Status = "claimed"
	Answered Status = "answered"
	Paused   Status = "paused"
	Resolved Status = "resolved"
	Rated    Status = "rated"
	Closed   Status = "closed"
	Reopened Status = "reopened"
	// Returned tickets wait for the region's dispatcher (退单).
	Returned Status = "returned"
)

// Open reports whether the ticket still needs work.
func (s Status) Open() bool {
	switch s {
	case Resolved, Rated, Closed:
		return false
	}
	return true
}

// Chinese names the status for businesses and staff.
func (s Status) Chinese() string {
	switch s {
	case Routed:
		return "已受理,待接单"
	case Claimed:
		return "已接单,办理中"
	case Answered:
		return "已答复,办理中"
	case Paused:
		return "暂停(等待补充材料)"
	case Resolved:
		return "已办结"
	case Rated:
		return "已评价"
	case Closed:
		return "已关闭"
	case Reopened:
		return "已重新办理(差评回访)"
	case Returned:
		return "已退回,待改派"
	}
	return string(s)
}

// Kind is why a ticket was opened.
type Kind string

// The kinds.
const (
	Complaint Kind = "complaint"
	Assist    Kind = "assist"
	Handoff   Kind = "handoff"
)

// Chinese names the kind.
func (k Kind) Chinese() string {
	switch k {
	case Complaint:
		return "投诉"
	case Assist:
		return "帮办代办"
	case Handoff:
		return "人工服务"
	}
	return string(k)
}

// Class sizes a problem: general problems get the short clock.
type Class string

// The classes (一般问题 / 疑难问题).
const (
	General   Class = "general"
	Difficult Class = "difficult"
)

// Rating is a 好差评 rating.
type Rating string

// The ratings.
const (
	Good    Rating = "good"
	Neutral Rating = "neutral"
	Bad     Rating = "bad"
)

// Chinese names the rating.
func (r Rating) Chinese() string {
	switch r {
	case Good:
		return "好评"
	case Neutral:
		return "中评"
	case Bad:
		return "差评"
	}
	return string(r)
}

// ItemRef is the knowledge-base item a ticket is about.
type ItemRef struct {
	ID     string `json:"id"`
	Doc    string `json:"doc"`
	Number string `json:"number"`
	Title  string `json:"title"`
}

// Clock is one response clock of a ticket.
type Clock struct {
	Name    string        `json:"name"` // first_response | resolution | followup
	Start   time.Time     `json:"start"`
	Due     time.Time     `json:"due"`
	WarnAt  time.Time     `json:"warn_at"`
	Warned  bool          `json:"warned,omitempty"`
	Overdue bool          `json:"overdue,omitempty"`
	Stopped time.Time     `json:"stopped,omitempty"` // when the event that satisfies it happened
	Paused  time.Time     `json:"paused,omitempty"`  // when the current pause began
	Held    time.Duration `json:"held,omitempty"`    // working time spent paused so far
}

// Running reports whether the clock still counts.
func (c *Clock) Running() bool { return c != nil && c.Stopped.IsZero() }

// MetOnTime reports whether the clock stopped before its deadline.
func (c *Clock) MetOnTime() bool { return !c.Stopped.IsZero() && !c.Stopped.After(c.Due) }

// Ticket is a request a person must handle.
type Ticket struct {
	ID      string `json:"id"`
	Tenant  string `json:"tenant"`
	Region  string `json:"region"`
	User    string `json:"user"`
	Channel string `json:"channel"`
	Account string `json:"account,omitempty"`
	Kind    Kind   `json:"kind"`
	Class   Class  `json:"class"`
	Status  Status `json:"status"`
	// Text is the business's own words.
	Text string `json:"text"`
	// Units the ticket is routed to, owner first; Desk is the region's
	// 政务服务小哥 desk for hand-offs.
	Units   []string  `json:"units"`
	Desk    string    `json:"desk,omitempty"`
	Item    *ItemRef  `json:"item,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`

	ClaimedBy   string    `json:"claimed_by,omitempty"`
	ClaimedAt   time.Time `json:"claimed_at,omitempty"`
	FirstReply  time.Time `json:"first_reply,omitempty"`
	ResolvedAt  time.Time `json:"resolved_at,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	Rating      Rating    `json:"rating,omitempty"`
	RatedAt     time.Time `json:"rated_at,omitempty"`
	Reopened    int       `json:"reopened,omitempty"`
	FollowedUp  bool      `json:"followed_up,omitempty"` // a bad rating was followed up
	Level       int       `json:"level,omitempty"`       // escalation level 0–3
	LevelAt     time.Time `json:"level_at,omitempty"`    // when the current level was reached
	Escalations []int     `json:"escalations,omitempty"` // levels reached, in order
	PauseReason string    `json:"pause_reason,omitempty"`
	// Returns are the ticket's 退单, oldest first; Extensions its 延期
	// requests, the last one possibly still pending.
	Returns    []Return    `json:"returns,omitempty"`
	Extensions []Extension `json:"extensions,omitempty"`
	// Tasks are the cooperating units' parts of the case (协办).
	Tasks []Task `json:"tasks,omitempty"`
	// Contact is who the business is and its number, as it told the bot;
	// Conversation what it and the bot said before the ticket opened.
	Contact      *Contact `json:"contact,omitempty"`
	Conversation []Turn   `json:"conversation,omitempty"`
	// Unreached says the last message to the business was not delivered
	// (a platform's reply window had closed): staff should call it.
	Unreached bool `json:"unreached,omitempty"`

	Clocks map[string]*Clock `json:"clocks"`
	// Version increases with every change; writes are compare-and-set.
	Version int64 `json:"version"`
}

// Clock names.
const (
	ClockFirstResponse = "first_response"
	ClockResolution    = "resolution"
	ClockFollowup      = "followup"
)

// Due is when the ticket must be resolved (or followed up, when reopened).
func (t *Ticket) Due() time.Time {
	if c := t.Clocks[ClockFollowup]; c.Running() {
		return c.Due
	}
	if c := t.Clocks[ClockResolution]; c != nil {
		return c.Due
	}
	return time.Time{}
}

// Owner is the unit that owns the ticket.
func (t *Ticket) Owner() string {
	if len(t.Units) > 0 {
		return t.Units[0]
	}
	return t.Desk
}

// HasUnit reports whether the ticket is routed to a unit.
func (t *Ticket) HasUnit(unit string) bool {
	for _, u := range t.Units {
		if u == unit {
			return true
		}
	}
	return t.Desk == unit
}

// Event is one entry of a ticket's audit trail.
type Event struct {
	ID    string            `json:"id"`
	Type  string            `json:"type"`
	Actor string            `json:"actor"`
	Text  string            `json:"text,omitempty"`
	At    time.Time         `json:"at"`
	Data  map[string]string `json:"data,omitempty"`
}

// Event types.
const (
	EvOpened        = "opened"
	EvRouted        = "routed"
	EvMessage       = "message" // the business wrote
	EvReply         = "reply"   // staff answered the business
	EvNote          = "note"    // internal note
	EvClaimed       = "claimed"
	EvTransferred   = "transferred"
	EvPaused        = "paused"
	EvResumed       = "resumed"
	EvResolved      = "resolved"
	EvRated         = "rated"
	EvReopened      = "reopened"
	EvClosed        = "closed"
	EvWarned        = "warned"
	EvOverdue       = "overdue"
	EvEscalated     = "escalated"
	EvDelivered     = "delivered"
	EvDeliveryFail  = "delivery_failed"
	EvBusinessTold  = "business_notified"
	EvClockStopped  = "clock_stopped"
	EvClockExtended = "clock_extended"
	EvReturned      = "returned"           // 退单 to the dispatch queue
	EvExtensionAsk  = "extension_asked"    // 延期申请
	EvExtensionDone = "extension_answered" // 延期审批
	EvContact       = "contact"            // the business gave its contact
	EvContactViewed = "contact_viewed"     // staff saw the full number
	EvTaskAdded     = "task_added"         // 协办 asked of a unit
	EvTaskDone      = "task_done"
	EvTaskReleased  = "task_released"
	EvTaskWarned    = "task_warned"
	EvTaskOverdue   = "task_overdue"
)

// Clock states, as the console and the clocks command show them.
const (
	StateOnTime  = "on_time"
	StateWarning = "warning"
	StateOverdue = "overdue"
	StateMet     = "met"
	StateMissed  = "missed"
	StatePaused  = "paused"
)

// State says where the clock stands at now.
func (c *Clock) State(now time.Time) string {
	switch {
	case !c.Stopped.IsZero() && c.MetOnTime():
		return StateMet
	case !c.Stopped.IsZero():
		return StateMissed
	case !c.Paused.IsZero():
		return StatePaused
	case !now.Before(c.Due):
		return StateOverdue
	case !now.Before(c.WarnAt):
		return StateWarning
	}
	return StateOnTime
}
