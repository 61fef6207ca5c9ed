// Package bot is the conversation core: it turns a business's message into
// the right outcome — an answer that states the figure, a ticket routed to
// the unit that leads the policy, a hand-off to service staff — whatever
// channel the message came from. It knows nothing of HTTP or XML.
package bot

import (
	"encoding/json"
	"time"

	"frontdoor/bot/ticket"
)

// Intent is what a business wants from a message.
type Intent string

// The intents.
const (
	PolicyQuery   Intent = "policy_query"
	Complaint     Intent = "complaint"
	AssistRequest Intent = "assist_request"
	ProgressQuery Intent = "progress_query"
	Rating        Intent = "rating"
	Human         Intent = "human"
	Greeting      Intent = "greeting"
	OutOfScope    Intent = "out_of_scope"
)

// Channel names.
const (
	ChannelAPI    = "api"
	ChannelWeb    = "web"
	ChannelWeChat = "wechat"
	ChannelWeCom  = "wecom"
)

// Inbound is one message from a business, from any channel.
type Inbound struct {
	Tenant string
	// Region as the channel or the business gave it; may be empty.
	Region string
	User   string
	Text   string
	// MsgID makes handling idempotent per user.
	MsgID   string
	Channel string
	// Account is the channel account the message came through (a WeChat
	// Official Account name), needed to push later messages back.
	Account string
	// Addr is the sender's network address where it tells businesses
	// apart (the web chat's visitors); empty where every message comes
	// from one platform or one tenant's server.
	Addr string
}

// Reply is what the business is told, and what happened.
type Reply struct {
	Text      string     `json:"reply"`
	Intent    Intent     `json:"intent"`
	Citations []Citation `json:"citations"`
	Ticket    *TicketRef `json:"ticket"`
	Handoff   bool       `json:"handoff"`
	// Choices are the numbered options of a question the bot asks back;
	// the business answers with the number.
	Choices []Choice `json:"choices,omitempty"`
	Region  string   `json:"region,omitempty"`
	// More says the text was cut to the channel's limit; the rest follows
	// when the business replies 1.
	More bool `json:"more,omitempty"`
	// Silent means a person holds the conversation: nothing is sent back,
	// the message went into the ticket's thread.
	Silent bool `json:"silent,omitempty"`

	// opening is the ticket this reply opens, written with the reply.
	opening *ticket.Opening
	// gap, when set, says why the question was not answered well
	// (gaps.NotFound); the others are read from the reply itself.
	gap string
	// encoded is the reply as Handle stored it for its message.
	encoded []byte
}

// JSON is the reply encoded as JSON. For a reply Handle just gave these
// are the bytes stored for its message, so that a reply is encoded once;
// a caller that changes the reply must encode it itself.
func (r Reply) JSON() ([]byte, error) {
	if r.encoded != nil {
		return r.encoded, nil
	}
	return json.Marshal(r)
}

// Citation is a knowledge-base item an answer rests on.
type Citation struct {
	Doc   string   `json:"doc"`
	Item  string   `json:"item"`
	Title string   `json:"title"`
	Text  string   `json:"text"`
	Lead  []string `json:"lead_units"`
	Resp  []string `json:"responsible_units"`
	Score float64  `json:"score"`
	// DocTitle names the document for people.
	DocTitle string `json:"doc_title,omitempty"`
	Path     string `json:"path,omitempty"`
}

// TicketRef is the ticket a message opened or touched.
type TicketRef struct {
	ID     string    `json:"id"`
	Status string    `json:"status"`
	Units  []string  `json:"units"`
	Due    time.Time `json:"due"`
	// Desk is the hand-off desk, for tickets that go to service staff.
	Desk string `json:"desk,omitempty"`
}
