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
	LLM         *prometheus.CounterVec // by outcome: ok, timeout, error, rejected
	RedisErrors prometheus.Counter
	RateLimited prometheus.Counter
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
			Help: "Language-model phrasing attempts, by outcome."}, []string{"outcome"}),
		RedisErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "frontdoor_redis_errors_total",
			Help: "Redis operations that failed because Redis was unreachable."}),
		RateLimited: prometheus.NewCounter(prometheus.CounterOpts{Name: "frontdoor_rate_limited_total",
			Help: "Messages refused by the per-user rate limit."}),
	}
	if reg != nil {
		reg.MustRegister(m.Messages, m.Tickets, m.Ratings, m.ClockEvents, m.Deliveries, m.LLM, m.RedisErrors, m.RateLimited)
	}
	return m
}
