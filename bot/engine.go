package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
	"frontdoor/bot/gaps"
	"frontdoor/bot/intent"
	"frontdoor/bot/kbedit"
	"frontdoor/bot/outbox"
	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// Config tunes the engine.
type Config struct {
	// MaxTextRunes refuses longer messages (default 2000).
	MaxTextRunes int
	// UserRate limits the messages of one user; AddressRate those of one
	// network address, for the channels that know it (the web chat);
	// TenantRate those of one tenant, over all its channels and users.
	// Zero rates are no limit.
	UserRate, AddressRate, TenantRate Rate
	// AddressTickets is how many requests (tickets) one address may open an
	// hour before the bot asks for a phone number with each further one;
	// twice as many it opens at most, phone or not (0: no cap).
	AddressTickets int
	// DuplicateWindow is how long a complaint or request joins the open
	// ticket of the same text from the same address (or, without an
	// address, the same user) instead of opening another (default 10 min;
	// negative: never).
	DuplicateWindow time.Duration
	// DedupeTTL is how long a message id remembers its reply (default 24 h).
	DedupeTTL time.Duration
	// ClaimTTL is how long a message's claim outlives the replica handling
	// it, which renews it every ClaimRenewal (defaults 3 s and a third of
	// that; a negative renewal never renews, to test a claim that lapses).
	ClaimTTL     time.Duration
	ClaimRenewal time.Duration
	// SessionTTL forgets an idle user's session (default 30 days).
	SessionTTL time.Duration
	// ReplyBytes caps reply text per channel (WeChat: 2048 bytes).
	ReplyBytes map[string]int
	// TenantRegions fixes the region of tenants that serve one region.
	TenantRegions map[string]string
	// AnswerScore is the least search score an item needs to be presented
	// as the answer; RouteScore the least to route a complaint to it.
	AnswerScore, RouteScore float64
	// IntentConfidence is the probability the intent model must give its
	// first choice for the engine to act on it; below it the engine asks
	// which of the likely intents (those at IntentAlternative or more) was
	// meant. Defaults 0.5 and 0.2; a negative confidence never asks.
	IntentConfidence, IntentAlternative float64
	// ItemMargin: a policy question whose two best items score within this
	// share of each other is answered with a question of which was meant,
	// and a complaint whose two best items do, led by different units, goes
	// to the region's dispatcher (default 0.03; negative: never).
	ItemMargin float64
}

func (c *Config) defaults() {
	if c.MaxTextRunes <= 0 {
		c.MaxTextRunes = 2000
	}
	if c.UserRate.PerSecond > 0 && c.UserRate.Burst <= 0 {
		c.UserRate.Burst = 10
	}
	if c.DedupeTTL <= 0 {
		c.DedupeTTL = 24 * time.Hour
	}
	if c.ClaimTTL <= 0 {
		// well under the HTTP write timeout, so that a retry of a message
		// whose replica died gets its answer on the same request
		c.ClaimTTL = 3 * time.Second
	}
	if c.ClaimRenewal == 0 {
		c.ClaimRenewal = c.ClaimTTL / 3
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.ReplyBytes == nil {
		c.ReplyBytes = map[string]int{ChannelWeChat: 2048, ChannelWeCom: 2048}
	}
	if c.AnswerScore <= 0 {
		c.AnswerScore = 4.0
	}
	if c.RouteScore <= 0 {
		c.RouteScore = 3.0
	}
	if c.IntentConfidence == 0 {
		c.IntentConfidence = 0.5
	}
	if c.IntentAlternative <= 0 {
		c.IntentAlternative = 0.2
	}
	if c.ItemMargin == 0 {
		c.ItemMargin = 0.03
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = 10 * time.Minute
	}
}

// Phraser optionally rewrites a template answer from the cited items with
// a language model; docTitle names an item's document, for the answer to
// cite it by title. It must return text that cites the items it was given
// and states no figure they do not; the engine keeps the template answer
// otherwise.
type Phraser interface {
	Phrase(ctx context.Context, question string, items []*knowledge.Item, docTitle func(*knowledge.Item) string, draft string) (string, error)
}

// Deps are the engine's collaborators.
type Deps struct {
	Redis store.Client
	Keys  store.Keys
	KB    func() *knowledge.Base
	// Intents is the current intent model, trained with the knowledge base.
	Intents func() *intent.Model
	Tickets *ticket.Store
	Outbox  *outbox.Outbox
	Pushers map[string]Pusher
	Phraser Phraser
	// Staff are the staff accounts, whose units tickets may be transferred
	// to (optional).
	Staff   *staff.Store
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

// Engine handles messages. It is safe for concurrent use; all state lives
// in Redis, so any number of replicas may run one.
type Engine struct {
	cfg     Config
	rdb     store.Client
	keys    store.Keys
	kb      func() *knowledge.Base
	intents func() *intent.Model
	tickets *ticket.Store
	outbox  *outbox.Outbox
	gaps    *gaps.Store
	edits   *kbedit.Store
	pushers map[string]Pusher
	phraser Phraser
	staff   *staff.Store
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time
	uses    useCounts
}

// New builds an engine.
func New(cfg Config, d Deps) *Engine {
	cfg.defaults()
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	if d.Intents == nil {
		d.Intents = func() *intent.Model { return nil }
	}
	return &Engine{cfg: cfg, rdb: d.Redis, keys: d.Keys, kb: d.KB, intents: d.Intents, tickets: d.Tickets, outbox: d.Outbox,
		gaps: gaps.New(d.Redis, d.Keys), edits: kbedit.New(d.Redis, d.Keys),
		pushers: d.Pushers, phraser: d.Phraser, staff: d.Staff, metrics: d.Metrics, log: d.Logger, now: d.Now}
}

// Tickets is the ticket store the engine opens tickets in.
func (e *Engine) Tickets() *ticket.Store { return e.tickets }

// Gaps are the questions the bot did not answer well.
func (e *Engine) Gaps() *gaps.Store { return e.gaps }

// Outbox is where messages to businesses are kept.
func (e *Engine) Outbox() *outbox.Outbox { return e.outbox }

// KB is the current knowledge base.
func (e *Engine) KB() *knowledge.Base { return e.kb() }

// Handle turns one message into a reply. A message retried with the same
// id gets the same reply and changes nothing; a message that fails leaves
// nothing behind, so it can be retried.
func (e *Engine) Handle(ctx context.Context, in Inbound) (Reply, error) {
	if err := e.check(&in); err != nil {
		return Reply{}, err
	}
	st, err := e.begin(ctx, in)
	if err != nil {
		return Reply{}, err
	}
	switch st.state {
	case "dup":
		return e.resend(ctx, in, st.stored)
	case "busy":
		return e.awaitStored(ctx, in)
	case "limited":
		e.metrics.RateLimited.WithLabelValues(st.scope).Inc()
		return Reply{}, &fault.Error{Kind: fault.RateLimited, Code: "rate_limited",
			Msg: RateLimitedText, RetryAfter: st.retryAfter}
	}
	defer e.keepClaim(in, st.token)()
	// A ticket the reply opens is written together with the reply and the
	// session. Should another delivery of the message have opened one first
	// (possible only once this one's claim expired), nothing was written and
	// the message is answered again, now with that ticket.
	for range 2 {
		sess := st.session
		reply, err := e.respond(ctx, in, &sess)
		if err != nil {
			e.release(ctx, in)
			return Reply{}, err
		}
		opening := reply.opening
		reply.opening = nil
		// What the business missed while a reply window was closed goes
		// first; a reply that would say nothing (staff hold the
		// conversation) says that instead.
		missed, kept := e.kept(ctx, in, &sess)
		switch {
		case missed != "" && reply.Silent:
			reply.Text, reply.Silent = missed, false
		case missed != "":
			reply.Text = missed + "\n\n" + reply.Text
		}
		reply = e.fit(in, reply, &sess)
		sess.record(in.Text, reply.Text, e.now())
		stored, _ := json.Marshal(reply)
		applied, err := e.commit(ctx, in, stored, sess, opening)
		if errors.Is(err, store.ErrUnconfirmed) {
			// Written, but not yet on enough replicas: keep the reply, so
			// that the retry gets it once they confirm it.
			return Reply{}, e.storeErr(err)
		}
		if err != nil {
			e.release(ctx, in)
			return Reply{}, err
		}
		if !applied {
			continue
		}
		if opening != nil {
			e.metrics.Tickets.WithLabelValues(string(opening.Ticket().Kind)).Inc()
		}
		if missed != "" {
			e.handedOver(ctx, in, kept)
		}
		e.noteGaps(ctx, in, reply, st.session)
		e.noteUse(in, reply, st.session)
		reply.encoded = stored
		e.metrics.Messages.WithLabelValues(string(reply.Intent), in.Channel).Inc()
		return reply, nil
	}
	e.release(ctx, in)
	return Reply{}, fault.Wrap(fault.Unavailable, "store_conflict", "服务暂时不可用,请稍后再试",
		errors.New("the message's ticket changed twice while it was answered"))
}

// check validates a message before anything is stored.
func (e *Engine) check(in *Inbound) error {
	in.Text = strings.TrimSpace(in.Text)
	switch {
	case in.Tenant == "":
		return fault.Invalidf("missing_tenant", "tenant is required")
	case strings.TrimSpace(in.User) == "":
		return fault.Invalidf("missing_user", "user is required")
	case len(in.User) > 128:
		return fault.Invalidf("user_too_long", "user must be at most 128 bytes")
	case len(in.MsgID) > 128:
		return fault.Invalidf("msg_id_too_long", "msg_id must be at most 128 bytes")
	case in.Text == "":
		return fault.Invalidf("empty_text", "text is required")
	case !utf8.ValidString(in.Text):
		return fault.Invalidf("bad_encoding", "text must be UTF-8")
	case utf8.RuneCountInString(in.Text) > e.cfg.MaxTextRunes:
		return fault.Invalidf("text_too_long", "text must be at most %d characters", e.cfg.MaxTextRunes)
	}
	if in.Channel == "" {
		in.Channel = ChannelAPI
	}
	if in.Region != "" {
		kb := e.kb()
		r, ok := kb.ResolveRegion(in.Region)
		if !ok {
			return fault.Invalidf("unknown_region", "unknown region %q; known regions: %s", in.Region, strings.Join(kb.Regions(), ", "))
		}
		in.Region = r
	}
	return nil
}

// awaitStored waits for another replica handling the same message: for
// its reply, or for its claim to lapse when it died. A holder that is
// alive but slow is waited for twice ClaimTTL before the client is asked
// to come back.
func (e *Engine) awaitStored(ctx context.Context, in Inbound) (Reply, error) {
	deadline := time.NewTimer(2 * e.cfg.ClaimTTL)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		case <-deadline.C:
			return Reply{}, &fault.Error{Kind: fault.Conflict, Code: "message_in_progress",
				Msg: "this message is still being handled; retry later", RetryAfter: time.Second}
		case <-tick.C:
			v, err := e.rdb.Get(ctx, e.msgKey(in)).Result()
			if errors.Is(err, redis.Nil) {
				return e.Handle(ctx, in) // the other handler failed and released it
			}
			if err != nil {
				return Reply{}, e.storeErr(err)
			}
			if !strings.HasPrefix(v, "pending") {
				return e.resend(ctx, in, v)
			}
		}
	}
}

// replication is what the engine's own writes wait for: the same as its
// ticket store's, which a reply opening a ticket is written by, so that
// one setting covers every write that answers a business.
func (e *Engine) replication() store.Replication { return e.tickets.Replication }

// resend answers a message again with the reply stored for it, once the
// replicas the configuration asks for hold that reply.
func (e *Engine) resend(ctx context.Context, in Inbound, stored string) (Reply, error) {
	if err := e.replication().Confirm(ctx, e.rdb, e.msgKey(in), e.cfg.DedupeTTL); err != nil {
		return Reply{}, e.storeErr(err)
	}
	return decodeStored(stored)
}

func decodeStored(s string) (Reply, error) {
	var r Reply
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return Reply{}, fmt.Errorf("stored reply: %w", err)
	}
	if r.Citations == nil {
		r.Citations = []Citation{}
	}
	return r, nil
}

func (e *Engine) storeErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := fault.As(err); ok {
		return err
	}
	if store.IsUnavailable(err) {
		e.metrics.RedisErrors.Inc()
		return fault.Wrap(fault.Unavailable, "store_unavailable", "服务暂时不可用,请稍后再试", err)
	}
	return err
}
