package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// group is the consumer group every replica's sender reads in.
const group = "senders"

// Deps are what a sender needs.
type Deps struct {
	Redis    store.Client
	Keys     store.Keys
	Tickets  *ticket.Store
	KB       func() *knowledge.Base
	Registry prometheus.Registerer
	Logger   *slog.Logger
}

// Config says where alerts go and how hard to try.
type Config struct {
	// Targets receive every alert: WeCom group-robot webhook URLs, or
	// mailto: addresses when Mail is set.
	Targets []string
	// ConsoleURL, when set, makes each alert link to its ticket page.
	ConsoleURL string
	// Mail sends mailto: targets (nil: they are skipped and logged).
	Mail *Mailer
	// Interval is how often a sender looks for alerts (default 1 s).
	Interval time.Duration
	// Timeout bounds one delivery (default 5 s).
	Timeout time.Duration
	// MaxAttempts bounds the deliveries of one alert (default 8); the
	// waits between them double from RetryAfter (default 2 s).
	MaxAttempts int
	RetryAfter  time.Duration
}

// Sender delivers a tenant's alerts; start one per replica with Run.
type Sender struct {
	cfg      Config
	d        Deps
	consumer string
	post     *poster
	metrics  *prometheus.CounterVec
	groups   sync.Map // tenants whose group exists
}

// New builds a sender.
func New(cfg Config, d Deps) *Sender {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 2 * time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	m := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_alerts_total",
		Help: "Alerts by kind and outcome: sent, retried (a target failed), failed (given up) or unrouted (no target)."}, []string{"kind", "outcome"})
	if d.Registry != nil {
		d.Registry.MustRegister(m)
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &Sender{cfg: cfg, d: d, consumer: host + "-" + hex.EncodeToString(b), post: newPoster(cfg.Timeout, cfg.Mail),
		metrics: m}
}

// Run sends the alerts of tenants until ctx ends. It never blocks a
// message's path: the stream is written with the ticket, and read here,
// apart.
func (s *Sender) Run(ctx context.Context, tenants func() []string) {
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		for _, tenant := range tenants() {
			if err := s.Pass(ctx, tenant); err != nil && ctx.Err() == nil {
				s.d.Logger.Warn("alerts", "tenant", tenant, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Pass sends the tenant's new alerts and retries those whose wait is
// over; it returns when there is nothing more to do now.
func (s *Sender) Pass(ctx context.Context, tenant string) error {
	key := s.d.Tickets.AlertsKey(tenant)
	if err := s.ensureGroup(ctx, tenant, key); err != nil {
		return err
	}
	if err := s.retry(ctx, tenant, key); err != nil {
		return err
	}
	for {
		res, err := s.d.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: s.consumer,
			Streams: []string{key, ">"}, Count: 20, Block: -1}).Result()
		if errors.Is(err, redis.Nil) || err == nil && (len(res) == 0 || len(res[0].Messages) == 0) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, m := range res[0].Messages {
			s.deliver(ctx, tenant, key, m, 1)
		}
	}
}

// ensureGroup creates the consumer group once, from the stream's start,
// so alerts written before any sender ran are sent too.
func (s *Sender) ensureGroup(ctx context.Context, tenant, key string) error {
	if _, ok := s.groups.Load(tenant); ok {
		return nil
	}
	err := s.d.Redis.XGroupCreateMkStream(ctx, key, group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	s.groups.Store(tenant, true)
	return nil
}

// retry takes over alerts whose last delivery failed (or whose sender
// died) once they have waited long enough: RetryAfter, doubling with each
// attempt. Claiming with that idle time makes one sender win each.
func (s *Sender) retry(ctx context.Context, tenant, key string) error {
	pending, err := s.d.Redis.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: key, Group: group, Idle: s.cfg.RetryAfter,
		Start: "-", End: "+", Count: 50}).Result()
	if err != nil {
		return err
	}
	for _, p := range pending {
		wait := s.cfg.RetryAfter << min(p.RetryCount-1, 10)
		if p.Idle < wait {
			continue
		}
		ms, err := s.d.Redis.XClaim(ctx, &redis.XClaimArgs{Stream: key, Group: group, Consumer: s.consumer,
			MinIdle: wait, Messages: []string{p.ID}}).Result()
		if err != nil {
			return err
		}
		for _, m := range ms {
			s.deliver(ctx, tenant, key, m, int(p.RetryCount)+1)
		}
	}
	return nil
}

// Alert is one entry of the stream.
type Alert struct {
	ID, Tenant, Kind, Ticket, Event, Text string
	Data                                  map[string]string
	At                                    time.Time
}

func parse(tenant string, m redis.XMessage) Alert {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	a := Alert{ID: m.ID, Tenant: tenant, Kind: str("kind"), Ticket: str("ticket"), Event: str("event"), Text: str("text")}
	_ = json.Unmarshal([]byte(str("data")), &a.Data)
	if ms, err := strconv.ParseInt(str("at"), 10, 64); err == nil {
		a.At = time.UnixMilli(ms)
	}
	return a
}

// deliver sends one alert to each of its targets that has not had it
// yet. Done, it is acknowledged; a failed target leaves it pending for a
// retry, until the attempts run out.
func (s *Sender) deliver(ctx context.Context, tenant, key string, m redis.XMessage, attempt int) {
	a := parse(tenant, m)
	t, err := s.d.Tickets.Get(ctx, tenant, a.Ticket)
	if err != nil {
		if errors.Is(err, ticket.ErrNotFound) {
			s.d.Redis.XAck(ctx, key, group, m.ID)
		}
		return
	}
	doneKey := s.d.Keys.Tenant(tenant, "alert", m.ID)
	done, err := s.d.Redis.SMembers(ctx, doneKey).Result()
	if err != nil {
		return
	}
	msg := render(a, t, s.cfg.ConsoleURL, s.d.Tickets.Policy().Calendar().Location())
	targets := s.targets(a, t)
	failed := false
	for _, target := range targets {
		if slices.Contains(done, target) {
			continue
		}
		if err := s.post.send(ctx, target, msg); err != nil {
			failed = true
			s.d.Logger.Warn("alert not delivered", "ticket", a.Ticket, "kind", a.Kind, "target", Redact(target),
				"attempt", attempt, "err", err)
			continue
		}
		pipe := s.d.Redis.TxPipeline()
		pipe.SAdd(ctx, doneKey, target)
		pipe.Expire(ctx, doneKey, 7*24*time.Hour)
		_, _ = pipe.Exec(ctx)
	}
	switch {
	case !failed:
		s.finish(ctx, key, doneKey, m.ID)
		outcome := "sent"
		if len(targets) == 0 {
			outcome = "unrouted"
		}
		s.metrics.WithLabelValues(a.Kind, outcome).Inc()
	case attempt >= s.cfg.MaxAttempts:
		s.finish(ctx, key, doneKey, m.ID)
		s.metrics.WithLabelValues(a.Kind, "failed").Inc()
		s.d.Logger.Error("alert given up", "ticket", a.Ticket, "kind", a.Kind, "attempts", attempt)
	default:
		s.metrics.WithLabelValues(a.Kind, "retried").Inc()
	}
}

// finish acknowledges an alert and removes it, so the stream holds only
// what is still to be sent.
func (s *Sender) finish(ctx context.Context, key, doneKey, id string) {
	pipe := s.d.Redis.TxPipeline()
	pipe.XAck(ctx, key, group, id)
	pipe.XDel(ctx, key, id)
	pipe.Del(ctx, doneKey)
	_, _ = pipe.Exec(ctx)
}

func (s *Sender) kb() *knowledge.Base {
	if s.d.KB == nil {
		return nil
	}
	return s.d.KB()
}

// targets are everyone an alert reaches: the configured targets, and
// those the catalogue gives the units concerned — the receiving unit, and
// for 督办 the region's supervisor (一次) and office (二次, 问责).
func (s *Sender) targets(a Alert, t *ticket.Ticket) []string {
	out := slices.Clone(s.cfg.Targets)
	b := s.kb()
	if b == nil || b.Catalog == nil {
		return out
	}
	rs := b.RegionSettings(t.Region)
	units := []string{unitOf(a, t)}
	switch a.Kind {
	case Level1:
		units = append(units, rs.Supervisor)
	case Level2:
		units = append(units, rs.Office)
	case Level3:
		units = append(units, rs.Supervisor, rs.Office)
	}
	for _, u := range units {
		out = append(out, rs.NotifyTargets(u)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unitOf is the unit an alert is for: the one that received the ticket,
// the dispatcher a return went to, the owner a clock event names.
func unitOf(a Alert, t *ticket.Ticket) string {
	for _, k := range []string{"to", "dispatcher", "unit"} {
		if u := a.Data[k]; u != "" {
			return u
		}
	}
	return t.Owner()
}

// Redact keeps a webhook's key out of logs and messages.
func Redact(target string) string {
	if i := strings.Index(target, "key="); i >= 0 {
		return target[:i] + "key=…"
	}
	return target
}
