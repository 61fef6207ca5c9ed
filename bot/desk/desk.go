// Package desk answers the messages that WeChat-style platforms deliver by
// callback, under their rule that a callback gets its passive reply within
// five seconds or not at all. It asks the engine; an answer ready within
// the budget goes back passively, a slower one is acknowledged and pushed
// once ready through the platform's API. The platforms retry a callback
// they think lost, possibly on another replica: a delivery record per
// message (package delivery) makes every retry answered the way the first
// delivery was, and exactly one delivery push, never after a passive
// reply. The channel handlers verify, decrypt and make one call here; the
// desk knows nothing of HTTP or XML.
package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot"
	"frontdoor/bot/delivery"
	"frontdoor/bot/fault"
	"frontdoor/bot/outbox"
	"frontdoor/bot/store"
)

const (
	// DefaultBudget leaves a second of the platforms' five for the network
	// and the encryption of the reply.
	DefaultBudget = 4 * time.Second
	// recordTTL outlives every platform retry of a message by far.
	recordTTL = time.Hour
	// workTimeout bounds an answer that goes out by push.
	workTimeout = time.Minute
	// poll is how often a retry looks at the record of the delivery it
	// repeats.
	poll = 50 * time.Millisecond
	// recordTimeout bounds one record operation, so that a slow Redis
	// cannot eat the platform's five seconds.
	recordTimeout = time.Second
)

// Deps are what a desk works with.
type Deps struct {
	Engine *bot.Engine
	// Redis and Keys hold the delivery records.
	Redis store.Client
	Keys  store.Keys
	// Pushers deliver, by channel, the answers that miss the budget.
	Pushers map[string]bot.Pusher
	// Registry gets the desk's counters (nil: not registered).
	Registry prometheus.Registerer
	Logger   *slog.Logger
}

// Desk answers platform callbacks.
type Desk struct {
	engine  *bot.Engine
	records delivery.Records
	pushers map[string]bot.Pusher
	budget  time.Duration
	log     *slog.Logger
	metrics *metrics
	// bg counts answers still being worked out or pushed after their
	// callback was acknowledged; Drain waits for them.
	bg sync.WaitGroup
	// now is the clock replies are stamped with.
	now func() time.Time
}

// New builds a desk that waits budget (DefaultBudget when 0) for a
// passive reply.
func New(budget time.Duration, d Deps) *Desk {
	if budget <= 0 {
		budget = DefaultBudget
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Desk{engine: d.Engine, records: delivery.New(d.Redis, d.Keys, recordTTL, recordTimeout), pushers: d.Pushers,
		budget: budget, log: d.Logger, metrics: newMetrics(d.Registry), now: time.Now}
}

// Account is the platform account a callback came to.
type Account struct {
	Channel string // bot.ChannelWeChat or bot.ChannelWeCom
	Name    string
	Tenant  string
	// Region fixes the region of the account's businesses (optional).
	Region string
}

// Passive is the passive reply to a callback; Text "" means acknowledge
// only. At is the reply's CreateTime, kept in the record so that a retry
// gets a byte-identical reply.
type Passive struct {
	Text string
	At   int64
}

// CanPush reports whether an answer for the account can still be
// delivered once the passive-reply window has passed.
func (d *Desk) CanPush(a Account) bool {
	p := d.pushers[a.Channel]
	if p == nil {
		return false
	}
	if h, ok := p.(interface{ Has(string) bool }); ok {
		return h.Has(a.Name)
	}
	return true
}

// Fixed answers a callback with a text that needs no engine (a welcome,
// a prompt for text instead of a picture).
func (d *Desk) Fixed(a Account, text string) Passive {
	d.metrics.replies.WithLabelValues(a.Channel, "fixed").Inc()
	return d.stamp(text)
}

// Ack acknowledges a callback that calls for no answer.
func (d *Desk) Ack(a Account) Passive { return d.passive(a, Passive{}) }

func (d *Desk) stamp(text string) Passive { return Passive{Text: text, At: d.now().Unix()} }

// Ask puts a business's text to the engine under the 5-second rule: user
// is the platform's id of the business, msgID the platform's id of the
// message. The first delivery of a message claims its record; a platform
// retry follows the record: the same passive reply, or an acknowledgement
// when the answer goes by push. Across replicas exactly one of them
// pushes, and never after a passive reply.
func (d *Desk) Ask(ctx context.Context, a Account, user, msgID, text string) Passive {
	deadline := d.now().Add(d.budget)
	in := bot.Inbound{Tenant: a.Tenant, Region: a.Region, User: user, Text: text, MsgID: msgID,
		Channel: a.Channel, Account: a.Name}
	key := d.records.Key(a.Tenant, a.Channel, a.Name, in.User, in.MsgID)
	pending := recPending + ":" + strconv.FormatUint(rand.Uint64(), 36)
	for range 3 {
		prior, err := d.records.Claim(ctx, key, pending)
		if err != nil {
			d.log.WarnContext(ctx, "delivery record unavailable", "channel", a.Channel, "account", a.Name, "err", err)
			return d.passive(a, d.stamp(bot.BusyText))
		}
		if prior == "" {
			return d.work(ctx, a, in, key, pending, deadline)
		}
		if p, ok := d.follow(ctx, a, in, key, prior, deadline); ok {
			return p
		}
	}
	return d.passive(a, d.stamp(bot.BusyText))
}

// work handles a message whose record this delivery claimed.
func (d *Desk) work(ctx context.Context, a Account, in bot.Inbound, key, pending string, deadline time.Time) Passive {
	done := d.start(ctx, in)
	timer := time.NewTimer(deadline.Sub(d.now()))
	defer timer.Stop()
	select {
	case o := <-done:
		p := d.stamp(d.replyText(ctx, a, o))
		if ok, err := d.records.Swap(ctx, key, pending, encodeReply(p)); err == nil && !ok {
			// A retry gave up waiting and took the answer over for push.
			return d.passive(a, Passive{})
		}
		return d.passive(a, p)
	case <-timer.C:
	}
	p, ok, err := d.takeOver(ctx, a, in, key, pending, func() <-chan outcome { return done }, true)
	if err == nil && !ok {
		return d.passive(a, Passive{}) // a retry took it over
	}
	return d.passive(a, p)
}

// takeOver ends the wait for a slow answer: the record moves from pending
// to push and the answer is pushed when it is ready, or, for an account
// that cannot push, to a passive "still working" reply. ok is false when
// another delivery changed the record first. When Redis fails the owner of
// the claim pushes anyway: an answer twice is better than none.
func (d *Desk) takeOver(ctx context.Context, a Account, in bot.Inbound, key, pending string,
	answer func() <-chan outcome, owner bool) (Passive, bool, error) {
	if !d.CanPush(a) {
		p := d.stamp(bot.StillWorkingText)
		ok, err := d.records.Swap(ctx, key, pending, encodeReply(p))
		return p, ok, err
	}
	ok, err := d.records.Swap(ctx, key, pending, recPush)
	if ok || (err != nil && owner) {
		d.pushLater(a, in, key, answer())
	}
	return Passive{}, ok, err
}

// follow answers a retry from the record of the first delivery. A
// delivery still in progress is waited for up to the budget; after that
// this retry takes the answer over for push, fetching it from the engine,
// which returns the first delivery's reply without handling it twice.
// ok is false when the record vanished and must be claimed again.
func (d *Desk) follow(ctx context.Context, a Account, in bot.Inbound, key, prior string, deadline time.Time) (Passive, bool) {
	for v := prior; ; {
		switch {
		case v == "":
			return Passive{}, false
		case strings.HasPrefix(v, recReplyPrefix):
			d.metrics.replies.WithLabelValues(a.Channel, "retry").Inc()
			return decodeReply(v), true
		case strings.HasPrefix(v, recPush):
			d.metrics.replies.WithLabelValues(a.Channel, "retry").Inc()
			return Passive{}, true
		}
		if !d.now().Before(deadline) {
			// v is the first delivery's pending claim, as last read
			p, ok, err := d.takeOver(ctx, a, in, key, v, func() <-chan outcome { return d.start(ctx, in) }, false)
			if err != nil {
				return d.passive(a, Passive{}), true
			}
			if ok {
				return d.passive(a, p), true
			}
		} else if err := sleep(ctx, poll); err != nil {
			return Passive{}, true
		}
		var err error
		if v, err = d.records.Get(ctx, key); err != nil {
			return d.passive(a, d.stamp(bot.BusyText)), true
		}
	}
}

// passive counts the way a callback was answered.
func (d *Desk) passive(a Account, p Passive) Passive {
	how := "passive"
	if p.Text == "" {
		how = "ack"
	}
	d.metrics.replies.WithLabelValues(a.Channel, how).Inc()
	return p
}

// outcome is the engine's answer to a message.
type outcome struct {
	reply bot.Reply
	err   error
}

// start asks the engine in the background, detached from the request: a
// slow answer must still be produced, and pushed, after the callback has
// been acknowledged.
func (d *Desk) start(ctx context.Context, in bot.Inbound) <-chan outcome {
	done := make(chan outcome, 1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		defer cancel()
		defer func() {
			// The request's own recovery does not reach this goroutine.
			if v := recover(); v != nil {
				d.log.Error("panic answering a channel message", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				done <- outcome{err: fmt.Errorf("panic: %v", v)}
			}
		}()
		r, err := d.engine.Handle(ctx, in)
		// A reply written but not yet on the replicas it waits for is kept
		// by the engine, and asking again returns it once they hold it: the
		// business gets its ticket, by push if need be, rather than "busy,
		// send it again", which would open a second one.
		for errors.Is(err, store.ErrUnconfirmed) && sleep(ctx, poll) == nil {
			r, err = d.engine.Handle(ctx, in)
		}
		done <- outcome{reply: r, err: err}
	}()
	return done
}

// replyText is what the business is told: the engine's reply cut to the
// platform's limit (the engine fits it to the channel), nothing when staff
// hold the conversation, or a polite text for an error.
func (d *Desk) replyText(ctx context.Context, a Account, o outcome) string {
	if o.err != nil {
		return d.politeText(ctx, a, o.err)
	}
	if o.reply.Silent {
		return ""
	}
	return o.reply.Text
}

// politeText answers an engine error without a 5xx, which would only make
// the platform retry and show the business an error.
func (d *Desk) politeText(ctx context.Context, a Account, err error) string {
	fe, ok := fault.As(err)
	switch {
	case ok && fe.Kind == fault.RateLimited:
		return bot.RateLimitedText
	case ok && fe.Kind == fault.Invalid && fe.Code == "text_too_long":
		return bot.TooLongText
	case ok && fe.Kind == fault.Invalid && (fe.Code == "empty_text" || fe.Code == "bad_encoding"):
		return bot.EmptyText
	case ok && fe.Kind == fault.Invalid:
		// unknown_region here is a misconfigured account region.
		d.log.WarnContext(ctx, "channel message refused", "channel", a.Channel, "account", a.Name, "code", fe.Code)
		return bot.UnreadText
	}
	d.log.WarnContext(ctx, "channel message not answered", "channel", a.Channel, "account", a.Name, "err", err)
	return bot.BusyText
}

// pushLater waits for the engine's answer and pushes it. The outcome is
// kept in the delivery record and the user's outbox, which is where the
// console sees what reached the business.
func (d *Desk) pushLater(a Account, in bot.Inbound, key string, done <-chan outcome) {
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), workTimeout)
		defer cancel()
		var o outcome
		select {
		case o = <-done:
		case <-ctx.Done():
			o = outcome{err: ctx.Err()}
		}
		result := d.push(ctx, a, in.User, d.replyText(ctx, a, o))
		if _, err := d.records.Swap(ctx, key, recPush, recPush+":"+result); err != nil {
			d.log.Warn("record push outcome", "channel", a.Channel, "account", a.Name, "err", err)
		}
	}()
}

// push delivers text and records the outcome: delivered, undeliverable
// (the platform refuses this user for now), failed, or none.
func (d *Desk) push(ctx context.Context, a Account, user, text string) string {
	if text == "" {
		return "none"
	}
	p := d.pushers[a.Channel]
	if p == nil {
		return "failed"
	}
	err := p.Push(ctx, a.Name, user, text)
	result, status := "delivered", "delivered"
	switch {
	case errors.Is(err, bot.ErrUndeliverable):
		result, status = "undeliverable", "undelivered"
	case err != nil:
		result, status = "failed", "undelivered"
	}
	d.metrics.pushes.WithLabelValues(a.Channel, result).Inc()
	if err != nil {
		d.log.Warn("push of a slow reply failed", "channel", a.Channel, "account", a.Name, "result", result, "err", err)
	}
	msg := outbox.Message{Text: text, From: "bot", Time: d.now(), Status: status}
	if _, err := d.engine.Outbox().Append(ctx, a.Tenant, user, msg); err != nil {
		d.log.Warn("record pushed reply in outbox", "channel", a.Channel, "account", a.Name, "err", err)
	}
	return result
}

// Drain waits for the answers still being worked out or pushed, until ctx
// ends.
func (d *Desk) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { d.bg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func sleep(ctx context.Context, dur time.Duration) error {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// What the delivery record of a message holds:
//
//	pending:<token>           the first delivery (token) is with the engine
//	reply:<unix>:<text>       answered passively with text (empty: ack)
//	push[:<outcome>]          acknowledged; the answer goes by push
const (
	recPending     = "pending"
	recReplyPrefix = "reply:"
	recPush        = "push"
)

func encodeReply(p Passive) string {
	return recReplyPrefix + strconv.FormatInt(p.At, 10) + ":" + p.Text
}

func decodeReply(v string) Passive {
	rest := strings.TrimPrefix(v, recReplyPrefix)
	at, text, _ := strings.Cut(rest, ":")
	n, _ := strconv.ParseInt(at, 10, 64)
	return Passive{Text: text, At: n}
}

// metrics count how callbacks were answered.
type metrics struct {
	replies *prometheus.CounterVec
	pushes  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_channel_callbacks_total",
			Help: "Platform callbacks by channel and how they were answered (passive, ack, fixed, retry)."},
			[]string{"channel", "how"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_channel_slow_pushes_total",
			Help: "Replies that missed the passive-reply budget and went by push, by outcome."},
			[]string{"channel", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.replies, m.pushes)
	}
	return m
}
