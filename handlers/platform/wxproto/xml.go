package wxproto

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	// MaxBodySize bounds a callback body. Real callbacks are a few KiB;
	// the bound keeps a hostile body from costing more than a fixed amount
	// of parsing work and memory.
	MaxBodySize = 64 << 10

	// MaxDepth bounds element nesting, counting the root as 1. Callback
	// messages use at most four levels (e.g. SendPicsInfo/PicList/item).
	MaxDepth = 8
)

// Errors from ReadBody, ParseEnvelope and ParseMessage. Every decoding
// failure is or wraps exactly one of them.
var (
	// ErrTooLarge means the body exceeds MaxBodySize.
	ErrTooLarge = errors.New("wxproto: XML body exceeds MaxBodySize")
	// ErrTooDeep means elements nest deeper than MaxDepth.
	ErrTooDeep = errors.New("wxproto: XML nesting exceeds MaxDepth")
	// ErrDirective means the body has a <!...> directive such as DOCTYPE or
	// ENTITY. Callbacks never contain one, so it is refused rather than
	// interpreted, which rules out entity expansion attacks.
	ErrDirective = errors.New("wxproto: XML directives (DOCTYPE, ENTITY, ...) are not accepted")
	// ErrBadRoot means the root element is not an un-namespaced <xml>.
	ErrBadRoot = errors.New("wxproto: XML root element must be <xml>")
	// ErrDuplicateElement means a decoded field occurs twice under the root.
	ErrDuplicateElement = errors.New("wxproto: XML field element appears more than once")
	// ErrMalformedXML covers every other syntax or structure problem.
	ErrMalformedXML = errors.New("wxproto: malformed XML")
	// ErrMissingEncrypt means an envelope has no or an empty Encrypt field.
	ErrMissingEncrypt = errors.New("wxproto: envelope has no Encrypt element")
)

// Envelope is the outer body of an encrypted callback. In the Official
// Account compatible mode the same body also carries the plaintext fields,
// which ParseEnvelope ignores.
type Envelope struct {
	ToUserName string
	Encrypt    string
	AgentID    string // WeCom only
}

// Message is a plaintext callback message or event. Only the fields used by
// the common message and event types are decoded; everything else in the
// body is ignored. Values are kept verbatim (no trimming) except CreateTime.
type Message struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	MsgId        string // 64-bit id; a string so no consumer truncates it
	MsgDataId    string
	Idx          string
	Recognition  string
	MediaId      string
	Format       string
	PicUrl       string
	Location_X   string
	Location_Y   string
	Scale        string
	Label        string
	Title        string
	Description  string
	Url          string
	Event        string
	EventKey     string
	Ticket       string
	AgentID      string
}

// DedupeKey identifies a delivery across platform retries. Messages carry
// MsgId; events do not, and the platforms document retrying them keyed by
// sender and CreateTime, so the fallback is
// FromUserName|CreateTime[|Event|EventKey].
func (m *Message) DedupeKey() string {
	if m.MsgId != "" {
		return m.MsgId
	}
	key := m.FromUserName + "|" + strconv.FormatInt(m.CreateTime, 10)
	if m.Event != "" {
		key += "|" + m.Event + "|" + m.EventKey
	}
	return key
}

// ReadBody reads r up to MaxBodySize bytes and returns ErrTooLarge if it
// holds more, so handlers never buffer an unbounded request.
func ReadBody(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBodySize {
		return nil, ErrTooLarge
	}
	return body, nil
}

// ParseEnvelope decodes the encrypted callback body under the same limits
// as ParseMessage and fails with ErrMissingEncrypt when there is nothing to
// decrypt.
func ParseEnvelope(body []byte) (Envelope, error) {
	var e Envelope
	err := decodeFlat(body, func(name string) *string {
		switch name {
		case "ToUserName":
			return &e.ToUserName
		case "Encrypt":
			return &e.Encrypt
		case "AgentID":
			return &e.AgentID
		}
		return nil
	})
	if err != nil {
		return Envelope{}, err
	}
	if e.Encrypt == "" {
		return Envelope{}, ErrMissingEncrypt
	}
	return e, nil
}

// ParseMessage decodes a plaintext callback message.
//
// Limits: at most MaxBodySize bytes and MaxDepth levels; no directives, so
// DOCTYPE and entity declarations are refused outright; the single root
// must be <xml> without a namespace. Only direct children of the root are
// fields; a field must hold text or CDATA only and may appear at most once
// (ErrDuplicateElement), so two readers of the same body cannot disagree
// about which copy counts. Unknown elements are skipped.
func ParseMessage(body []byte) (Message, error) {
	var m Message
	var createTime string
	err := decodeFlat(body, func(name string) *string {
		if name == "CreateTime" {
			return &createTime
		}
		return m.field(name)
	})
	if err != nil {
		return Message{}, err
	}
	if createTime != "" {
		ct, err := strconv.ParseInt(strings.TrimSpace(createTime), 10, 64)
		if err != nil {
			return Message{}, fmt.Errorf("%w: CreateTime is not an integer", ErrMalformedXML)
		}
		m.CreateTime = ct
	}
	return m, nil
}

// field maps an element name to its string field; nil means "ignore".
func (m *Message) field(name string) *string {
	switch name {
	case "ToUserName":
		return &m.ToUserName
	case "FromUserName":
		return &m.FromUserName
	case "MsgType":
		return &m.MsgType
	case "Content":
		return &m.Content
	case "MsgId":
		return &m.MsgId
	case "MsgDataId":
		return &m.MsgDataId
	case "Idx":
		return &m.Idx
	case "Recognition":
		return &m.Recognition
	case "MediaId":
		return &m.MediaId
	case "Format":
		return &m.Format
	case "PicUrl":
		return &m.PicUrl
	case "Location_X":
		return &m.Location_X
	case "Location_Y":
		return &m.Location_Y
	case "Scale":
		return &m.Scale
	case "Label":
		return &m.Label
	case "Title":
		return &m.Title
	case "Description":
		return &m.Description
	case "Url":
		return &m.Url
	case "Event":
		return &m.Event
	case "EventKey":
		return &m.EventKey
	case "Ticket":
		return &m.Ticket
	case "AgentID":
		return &m.AgentID
	}
	return nil
}
