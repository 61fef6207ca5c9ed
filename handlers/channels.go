package handlers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot"
	"frontdoor/bot/delivery"
	"frontdoor/bot/fault"
	"frontdoor/bot/outbox"
	"frontdoor/bot/store"
	"frontdoor/handlers/wxapi"
	"frontdoor/handlers/wxproto"
)

// ChannelDeps configure the WeChat Official Account and WeCom channels and
// the web chat.
type ChannelDeps struct {
	// WeChat are the Official Accounts served at /wechat/:account.
	WeChat []WeChatAccount
	// WeCom are the WeCom apps served at /wecom/:account.
	WeCom []WeComAccount
	// Pushers deliver, by channel (bot.ChannelWeChat, bot.ChannelWeCom),
	// the replies that miss the passive-reply budget; the engine is given
	// the same ones for staff replies.
	Pushers map[string]bot.Pusher
	// Redis and Keys hold the per-message delivery records that let every
	// replica answer a platform retry the way the first delivery was
	// answered.
	Redis store.Client
	Keys  store.Keys
	// ReplyBudget is how long a callback waits for the engine before it
	// acknowledges with "success" and pushes the reply instead (default
	// 4 s: the platforms give up on a callback after 5 s).
	ReplyBudget time.Duration
	// WebChatTenant is the tenant of businesses using the web chat
	// (default "demo").
	WebChatTenant string
}

// WeChatAccount is an Official Account the server answers for.
type WeChatAccount struct {
	// Name is the account's path segment: /wechat/<name>.
	Name string
	// Token is the callback token set in the platform console.
	Token string
	// AESKey is the EncodingAESKey; empty for plaintext-only accounts.
	AESKey string
	// AppID is the account's AppID, the receiver of encrypted messages.
	AppID string
	// Region fixes the region of the account's businesses (optional).
	Region string
	// Tenant owns the account's tickets and sessions.
	Tenant string
}

// WeComAccount is a WeCom app the server answers for.
type WeComAccount struct {
	// Name is the app's path segment: /wecom/<name>.
	Name   string
	Token  string
	AESKey string
	// CorpID is the corporation id, the receiver of encrypted messages.
	CorpID  string
	AgentID string
	Region  string
	Tenant  string
}

const (
	// defaultReplyBudget leaves a second of the platforms' five for the
	// network and the encryption of the reply.
	defaultReplyBudget = 4 * time.Second
	// wxRecordTTL outlives every platform retry of a message by far.
	wxRecordTTL = time.Hour
	// wxWorkTimeout bounds an answer that goes out by push.
	wxWorkTimeout = time.Minute
	// wxPoll is how often a retry looks at the record of the delivery it
	// repeats.
	wxPoll = 50 * time.Millisecond
	// wxRecordTimeout bounds one record operation, so that a slow Redis
	// cannot eat the platform's five seconds.
	wxRecordTimeout = time.Second
	// ackOA is the Official Account's "received, no passive reply".
	ackOA = "success"
)

// Polite texts for what the engine cannot answer. They go to businesses,
// so they are in Chinese.
const (
	wxMediaText       = "暂时只能看懂文字消息,请直接输入文字描述您的问题。"
	wxVoiceText       = "没有听清这段语音,请发送文字。"
	wxUnknownText     = "暂不支持这类消息,请直接输入文字描述您的问题。"
	wxEmptyText       = "请发送文字,直接描述您的问题。"
	wxRateText        = "消息太频繁,请稍后再试。"
	wxBusyText        = "系统繁忙,请稍后再试。"
	wxTooLongText     = "消息太长了,请精简后再发送,或分几条发送。"
	wxUnreadText      = "抱歉,这条消息没能处理,请换个说法再试。"
	wxNoPushText      = "您的问题正在处理中,请稍后再发送一次。"
	wxPolicyPrompt    = "请直接输入您想了解的政策问题,例如“开办企业要多久”“低压接电几天能通”。"
	wxComplaintPrompt = "请直接描述您要投诉的问题:什么事情、涉及哪个部门或窗口、在哪个地区。我们会转交牵头单位办理,并告诉您工单号。"
	wxMenuText        = "您可以直接输入问题,或回复“转人工”由政务服务小哥为您服务。"
)

// welcomeText greets a business that follows the account and says what
// the bot can do.
func wxWelcome(region string) string {
	where := ""
	if region != "" {
		where = region
	}
	return "您好,欢迎关注!我是" + where + "政务服务助手,有呼必应。您可以直接发文字:\n" +
		"· 政策咨询,如“开办企业要多久”“接电要几天”\n" +
		"· 投诉,如“审批一直拖着不办”\n" +
		"· 帮办代办,如“能不能派人帮我们办施工许可”\n" +
		"· 办理进度,回复“进度”\n" +
		"· 人工服务,回复“转人工”"
}

// wxAccount is a configured account ready to serve callbacks.
type wxAccount struct {
	channel string // bot.ChannelWeChat or bot.ChannelWeCom
	name    string
	token   string
	region  string
	tenant  string
	// cipher is nil for plaintext-only Official Accounts.
	cipher  *wxproto.Cipher
	welcome string
}

// ack is the body that acknowledges a callback without a passive reply:
// "success" for Official Accounts, the empty body for WeCom.
func (a *wxAccount) ack() string {
	if a.channel == bot.ChannelWeCom {
		return ""
	}
	return ackOA
}

// channels serves the WeChat-style channels and the web chat. Handlers
// are its methods, so its state lives with the server and not in package
// variables.
type channels struct {
	s       *Server
	wechat  map[string]*wxAccount
	wecom   map[string]*wxAccount
	pushers map[string]bot.Pusher
	records delivery.Records
	budget  time.Duration
	metrics *channelMetrics
	web     *webChat
}

// channelRoutes registers the channel endpoints.
func (s *Server) channelRoutes(r *gin.Engine) {
	d := s.deps.ChannelDeps
	ch := &channels{s: s, pushers: d.Pushers, records: delivery.New(d.Redis, d.Keys, wxRecordTTL, wxRecordTimeout),
		budget: d.ReplyBudget, metrics: newChannelMetrics(s.registry)}
	if ch.budget <= 0 {
		ch.budget = defaultReplyBudget
	}
	ch.wechat = ch.officialAccounts(d.WeChat)
	ch.wecom = ch.weComApps(d.WeCom)
	ch.web = newWebChat(s, d.WebChatTenant)

	r.GET("/wechat/:account", s.wrap(ch.wechatVerify))
	r.POST("/wechat/:account", s.wrap(ch.wechatMessage))
	r.GET("/wecom/:account", s.wrap(ch.wecomVerify))
	r.POST("/wecom/:account", s.wrap(ch.wecomMessage))
	ch.web.routes(r)
}

// canPush reports whether a reply for the account can still be delivered
// once the passive-reply window has passed.
func (ch *channels) canPush(a *wxAccount) bool {
	p := ch.pushers[a.channel]
	if p == nil {
		return false
	}
	if h, ok := p.(interface{ Has(string) bool }); ok {
		return h.Has(a.name)
	}
	return true
}

// warnNoPush says at start-up which accounts cannot deliver slow replies.
func (ch *channels) warnNoPush(a *wxAccount) {
	if !ch.canPush(a) {
		ch.s.log.Warn("channel account has no API credentials: replies slower than the reply budget cannot be pushed",
			"channel", a.channel, "account", a.name)
	}
}

// wxAction is what a callback message calls for: a fixed reply, a
// question for the engine, or (both empty) a plain acknowledgement.
type wxAction struct {
	reply string
	ask   string
}

// wxDecide maps a message or event to its action. Only text (and voice
// the platform recognised, and menu items that mean a request) reaches the
// engine; everything else gets a fixed, polite answer.
func wxDecide(m *wxproto.Message, welcome string) wxAction {
	switch strings.ToLower(m.MsgType) {
	case "text":
		if strings.TrimSpace(m.Content) == "" {
			return wxAction{reply: wxEmptyText}
		}
		return wxAction{ask: m.Content}
	case "voice":
		if strings.TrimSpace(m.Recognition) == "" {
			return wxAction{reply: wxVoiceText}
		}
		return wxAction{ask: m.Recognition}
	case "image", "location", "link", "video", "shortvideo", "file":
		return wxAction{reply: wxMediaText}
	case "event":
		return wxEvent(m, welcome)
	}
	return wxAction{reply: wxUnknownText}
}

// wxEvent handles events: a welcome on subscribe, the menu on CLICK, and
// silence for the many events that are notifications (VIEW, LOCATION,
// enter_agent, template and mass-send reports…).
func wxEvent(m *wxproto.Message, welcome string) wxAction {
	switch strings.ToLower(m.Event) {
	case "subscribe":
		return wxAction{reply: welcome}
	case "click":
		return wxMenu(m.EventKey)
	}
	return wxAction{}
}

// wxMenu maps the menu keys, Chinese or English, to their behaviour.
func wxMenu(key string) wxAction {
	switch strings.ToUpper(strings.TrimSpace(key)) {
	case "政策查询", "POLICY":
		return wxAction{reply: wxPolicyPrompt}
	case "我要投诉", "COMPLAINT":
		return wxAction{reply: wxComplaintPrompt}
	case "办理进度", "PROGRESS":
		return wxAction{ask: "查询办理进度"}
	case "转人工", "HUMAN":
		return wxAction{ask: "转人工"}
	}
	return wxAction{reply: wxMenuText}
}

// wxPassive is the passive reply to a callback; text "" means
// acknowledge only. at is the reply's CreateTime, kept in the record so
// that a retry gets a byte-identical plaintext reply.
type wxPassive struct {
	text string
	at   int64
}

func passiveNow(text string) wxPassive { return wxPassive{text: text, at: time.Now().Unix()} }

// respond works out the passive reply to a verified, decoded message.
func (ch *channels) respond(ctx context.Context, a *wxAccount, m *wxproto.Message) wxPassive {
	if strings.TrimSpace(m.FromUserName) == "" {
		return wxPassive{} // nobody to answer
	}
	act := wxDecide(m, a.welcome)
	switch {
	case act.ask != "":
		return ch.ask(ctx, a, m, act.ask)
	case act.reply != "":
		ch.metrics.replies.WithLabelValues(a.channel, "fixed").Inc()
		return passiveNow(act.reply)
	}
	return ch.passive(a, wxPassive{})
}

// ask puts a question to the engine under the 5-second rule. The first
// delivery of a message claims its record; a platform retry follows the
// record: the same passive reply, or an acknowledgement when the answer
// goes by push. Across replicas exactly one of them pushes, and never
// after a passive reply.
func (ch *channels) ask(ctx context.Context, a *wxAccount, m *wxproto.Message, text string) wxPassive {
	deadline := time.Now().Add(ch.budget)
	in := bot.Inbound{Tenant: a.tenant, Region: a.region, User: m.FromUserName, Text: text, MsgID: m.DedupeKey(),
		Channel: a.channel, Account: a.name}
	key := ch.records.Key(a.tenant, a.channel, a.name, in.User, in.MsgID)
	pending := wxPending + ":" + strconv.FormatUint(rand.Uint64(), 36)
	for range 3 {
		prior, err := ch.records.Claim(ctx, key, pending)
		if err != nil {
			ch.s.log.WarnContext(ctx, "delivery record unavailable", "channel", a.channel, "account", a.name, "err", err)
			return ch.passive(a, passiveNow(wxBusyText))
		}
		if prior == "" {
			return ch.work(ctx, a, in, key, pending, deadline)
		}
		if p, ok := ch.follow(ctx, a, in, key, prior, deadline); ok {
			return p
		}
	}
	return ch.passive(a, passiveNow(wxBusyText))
}

// work handles a message whose record this delivery claimed.
func (ch *channels) work(ctx context.Context, a *wxAccount, in bot.Inbound, key, pending string, deadline time.Time) wxPassive {
	done := ch.start(ctx, in)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case o := <-done:
		p := passiveNow(ch.replyText(ctx, a, o))
		if ok, err := ch.records.Swap(ctx, key, pending, encodeReply(p)); err == nil && !ok {
			// A retry gave up waiting and took the answer over for push.
			return ch.passive(a, wxPassive{})
		}
		return ch.passive(a, p)
	case <-timer.C:
	}
	p, ok, err := ch.takeOver(ctx, a, in, key, pending, func() <-chan wxOutcome { return done }, true)
	if err == nil && !ok {
		return ch.passive(a, wxPassive{}) // a retry took it over
	}
	return ch.passive(a, p)
}

// takeOver ends the wait for a slow answer: the record moves from pending
// to push and the answer is pushed when it is ready, or, for an account
// that cannot push, to a passive "still working" reply. ok is false when
// another delivery changed the record first. When Redis fails the owner of
// the claim pushes anyway: an answer twice is better than none.
func (ch *channels) takeOver(ctx context.Context, a *wxAccount, in bot.Inbound, key, pending string,
	answer func() <-chan wxOutcome, owner bool) (wxPassive, bool, error) {
	if !ch.canPush(a) {
		p := passiveNow(wxNoPushText)
		ok, err := ch.records.Swap(ctx, key, pending, encodeReply(p))
		return p, ok, err
	}
	ok, err := ch.records.Swap(ctx, key, pending, wxPush)
	if ok || (err != nil && owner) {
		ch.pushLater(a, in, key, answer())
	}
	return wxPassive{}, ok, err
}

// follow answers a retry from the record of the first delivery. A
// delivery still in progress is waited for up to the budget; after that
// this retry takes the answer over for push, fetching it from the engine,
// which returns the first delivery's reply without handling it twice.
// ok is false when the record vanished and must be claimed again.
func (ch *channels) follow(ctx context.Context, a *wxAccount, in bot.Inbound, key, prior string,
	deadline time.Time) (wxPassive, bool) {
	for v := prior; ; {
		switch {
		case v == "":
			return wxPassive{}, false
		case strings.HasPrefix(v, wxReplyPrefix):
			ch.metrics.replies.WithLabelValues(a.channel, "retry").Inc()
			return decodeReply(v), true
		case strings.HasPrefix(v, wxPush):
			ch.metrics.replies.WithLabelValues(a.channel, "retry").Inc()
			return wxPassive{}, true
		}
		if !time.Now().Before(deadline) {
			// v is the first delivery's pending claim, as last read
			p, ok, err := ch.takeOver(ctx, a, in, key, v, func() <-chan wxOutcome { return ch.start(ctx, in) }, false)
			if err != nil {
				return ch.passive(a, wxPassive{}), true
			}
			if ok {
				return ch.passive(a, p), true
			}
		} else if err := wxSleep(ctx, wxPoll); err != nil {
			return wxPassive{}, true
		}
		var err error
		if v, err = ch.records.Get(ctx, key); err != nil {
			return ch.passive(a, passiveNow(wxBusyText)), true
		}
	}
}

// passive counts the way a callback was answered.
func (ch *channels) passive(a *wxAccount, p wxPassive) wxPassive {
	how := "passive"
	if p.text == "" {
		how = "ack"
	}
	ch.metrics.replies.WithLabelValues(a.channel, how).Inc()
	return p
}

// wxOutcome is the engine's answer to a message.
type wxOutcome struct {
	reply bot.Reply
	err   error
}

// start asks the engine in the background, detached from the request: a
// slow answer must still be produced, and pushed, after the callback has
// been acknowledged.
func (ch *channels) start(ctx context.Context, in bot.Inbound) <-chan wxOutcome {
	done := make(chan wxOutcome, 1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wxWorkTimeout)
	ch.s.bg.Add(1)
	go func() {
		defer ch.s.bg.Done()
		defer cancel()
		defer func() {
			// The request's own recovery does not reach this goroutine.
			if v := recover(); v != nil {
				ch.s.log.Error("panic answering a channel message", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				done <- wxOutcome{err: fmt.Errorf("panic: %v", v)}
			}
		}()
		r, err := ch.s.engine.Handle(ctx, in)
		// A reply written but not yet on the replicas it waits for is kept
		// by the engine, and asking again returns it once they hold it: the
		// business gets its ticket, by push if need be, rather than "busy,
		// send it again", which would open a second one.
		for errors.Is(err, store.ErrUnconfirmed) && wxSleep(ctx, wxPoll) == nil {
			r, err = ch.s.engine.Handle(ctx, in)
		}
		done <- wxOutcome{reply: r, err: err}
	}()
	return done
}

// replyText is what the business is told: the engine's reply cut to the
// platform's limit, nothing when staff hold the conversation, or a polite
// text for an error.
func (ch *channels) replyText(ctx context.Context, a *wxAccount, o wxOutcome) string {
	if o.err != nil {
		return ch.politeText(ctx, a, o.err)
	}
	if o.reply.Silent {
		return ""
	}
	head, _ := wxproto.TruncateBytes(o.reply.Text, wxproto.MaxTextBytes)
	return head
}

// politeText answers an engine error without a 5xx, which would only make
// the platform retry and show the business an error.
func (ch *channels) politeText(ctx context.Context, a *wxAccount, err error) string {
	fe, ok := fault.As(err)
	switch {
	case ok && fe.Kind == fault.RateLimited:
		return wxRateText
	case ok && fe.Kind == fault.Invalid && fe.Code == "text_too_long":
		return wxTooLongText
	case ok && fe.Kind == fault.Invalid && (fe.Code == "empty_text" || fe.Code == "bad_encoding"):
		return wxEmptyText
	case ok && fe.Kind == fault.Invalid:
		// unknown_region here is a misconfigured account region.
		ch.s.log.WarnContext(ctx, "channel message refused", "channel", a.channel, "account", a.name, "code", fe.Code)
		return wxUnreadText
	}
	ch.s.log.WarnContext(ctx, "channel message not answered", "channel", a.channel, "account", a.name, "err", err)
	return wxBusyText
}

// pushLater waits for the engine's answer and pushes it. The outcome is
// kept in the delivery record and the user's outbox, which is where the
// console sees what reached the business.
func (ch *channels) pushLater(a *wxAccount, in bot.Inbound, key string, done <-chan wxOutcome) {
	ch.s.bg.Add(1)
	go func() {
		defer ch.s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), wxWorkTimeout)
		defer cancel()
		var o wxOutcome
		select {
		case o = <-done:
		case <-ctx.Done():
			o = wxOutcome{err: ctx.Err()}
		}
		result := ch.push(ctx, a, in.User, ch.replyText(ctx, a, o))
		if _, err := ch.records.Swap(ctx, key, wxPush, wxPush+":"+result); err != nil {
			ch.s.log.Warn("record push outcome", "channel", a.channel, "account", a.name, "err", err)
		}
	}()
}

// push delivers text and records the outcome: delivered, undeliverable
// (the platform refuses this user for now), failed, or none.
func (ch *channels) push(ctx context.Context, a *wxAccount, user, text string) string {
	if text == "" {
		return "none"
	}
	p := ch.pushers[a.channel]
	if p == nil {
		return "failed"
	}
	err := p.Push(ctx, a.name, user, text)
	result, status := "delivered", "delivered"
	switch {
	case errors.Is(err, wxapi.ErrUndeliverable):
		result, status = "undeliverable", "undelivered"
	case err != nil:
		result, status = "failed", "undelivered"
	}
	ch.metrics.pushes.WithLabelValues(a.channel, result).Inc()
	if err != nil {
		ch.s.log.Warn("push of a slow reply failed", "channel", a.channel, "account", a.name, "result", result, "err", err)
	}
	msg := outbox.Message{Text: text, From: "bot", Time: time.Now(), Status: status}
	if _, err := ch.s.engine.Outbox().Append(ctx, a.tenant, user, msg); err != nil {
		ch.s.log.Warn("record pushed reply in outbox", "channel", a.channel, "account", a.name, "err", err)
	}
	return result
}

func wxSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// What the delivery record of a message (package delivery) holds:
//
//	pending:<token>           the first delivery (token) is with the engine
//	reply:<unix>:<text>       answered passively with text (empty: ack)
//	push[:<outcome>]          acknowledged; the answer goes by push
const (
	wxPending     = "pending"
	wxReplyPrefix = "reply:"
	wxPush        = "push"
)

func encodeReply(p wxPassive) string {
	return wxReplyPrefix + strconv.FormatInt(p.at, 10) + ":" + p.text
}

func decodeReply(v string) wxPassive {
	rest := strings.TrimPrefix(v, wxReplyPrefix)
	at, text, _ := strings.Cut(rest, ":")
	n, _ := strconv.ParseInt(at, 10, 64)
	return wxPassive{text: text, at: n}
}

// channelMetrics count how callbacks were answered.
type channelMetrics struct {
	replies *prometheus.CounterVec
	pushes  *prometheus.CounterVec
}

func newChannelMetrics(reg prometheus.Registerer) *channelMetrics {
	m := &channelMetrics{
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_channel_callbacks_total",
			Help: "Platform callbacks by channel and how they were answered (passive, ack, fixed, retry)."},
			[]string{"channel", "how"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_channel_slow_pushes_total",
			Help: "Replies that missed the passive-reply budget and went by push, by outcome."},
			[]string{"channel", "outcome"}),
	}
	reg.MustRegister(m.replies, m.pushes)
	return m
}
