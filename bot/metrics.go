package bot

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's counters.
type Metrics struct {
	Messages    *prometheus.CounterVec // by intent and channel
	Tickets     *prometheus.CounterVec // opened, by kind
	Ratings     *prometheus.CounterVec // by rating
	ClockEvents *prometheus.CounterVec // warned, overdue, escalated
	Deliveries  *prometheus.CounterVec // pushes to businesses, by channel and outcome
	LLM         *prometheus.CounterVec // by outcome: ok, timeout, error, rejected, open
	RedisErrors prometheus.Counter
	RateLimited *prometheus.CounterVec // by scope: user, address, tenant
	// TicketGuard counts requests that opened no ticket of their own, by
	// outcome: joined (the open ticket of the same text), contact_asked
	// (an address over its hourly share, without a phone number), refused
	// (an address over twice its share).
	TicketGuard *prometheus.CounterVec
}

// NewMetrics creates the counters and registers them with reg (nil: not
// registered, for tests and tools).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_messages_total",
			Help: "Messages handled, by intent and channel."}, []string{"intent", "channel"}),
		Tickets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_tickets_opened_total",
			Help: "Tickets opened, by kind."}, []string{"kind"}),
		Ratings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_ratings_total",
			Help: "好差评 ratings recorded, by rating."}, []string{"rating"}),
		ClockEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_clock_events_total",
			Help: "Clock events fired: warnings, deadlines passed, escalations."}, []string{"event"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_deliveries_total",
			Help: "Messages pushed to businesses, by channel and outcome."}, []string{"channel", "outcome"}),
		LLM: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_llm_requests_total",
			Help: "Language-model phrasings, by outcome: ok (the model's text used), rejected (cites no item given or states a figure they do not), timeout, error, open (not asked: the circuit breaker is open)."}, []string{"outcome"}),
		RedisErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "frontdoor_redis_errors_total",
			Help: "Redis operations that failed because Redis was unreachable."}),
		RateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_rate_limited_total",
			Help: "Messages refused by a rate limit, by the limit's scope (user, address, tenant)."}, []string{"scope"}),
		TicketGuard: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_ticket_guard_total",
			Help: "Complaints and requests that opened no ticket of their own: joined, contact_asked, refused."}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.Messages, m.Tickets, m.Ratings, m.ClockEvents, m.Deliveries, m.LLM, m.RedisErrors, m.RateLimited, m.TicketGuard)
	}
	return m
}
