package httpkit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "request_id"

// Middleware is what every request passes through, in order: an id,
// panic recovery, then logging and counting.
func (k *Kit) Middleware() []gin.HandlerFunc {
	return []gin.HandlerFunc{tagRequest, k.recoverPanics, k.observe}
}

// tagRequest tags every request with an id, the caller's when it sends a
// sane one, so that logs and error bodies can be matched.
func tagRequest(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 || !printable(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// RequestID is the request's id, for logs.
func RequestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// recoverPanics turns a panic — always our bug — into a logged 500.
func (k *Kit) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			k.Log.Error("panic", "value", fmt.Sprint(v), "request_id", RequestID(c), "path", c.Request.URL.Path,
				"stack", string(debug.Stack()))
			k.metrics.panics.Inc()
			if !c.Writer.Written() {
				c.AbortWithStatusJSON(http.StatusInternalServerError,
					errorBody{Error: "internal error", Code: "internal", RequestID: RequestID(c)})
			}
		}
	}()
	c.Next()
}

// observe logs each request and counts it by route and status.
func (k *Kit) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	k.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	k.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(elapsed.Seconds())
	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		return
	}
	k.Log.Info("request", "method", c.Request.Method, "route", route, "status", status,
		"ms", float64(elapsed.Microseconds())/1000, "request_id", RequestID(c), "remote", c.ClientIP())
}

// httpMetrics are the HTTP layer's Prometheus metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	rejected *prometheus.CounterVec
	panics   prometheus.Counter
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "frontdoor_http_request_duration_seconds",
			Help: "HTTP request latency by route and method.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"route", "method"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_http_rejected_total",
			Help: "Requests refused with a client or availability error, by error code."}, []string{"code"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{Name: "frontdoor_http_panics_total",
			Help: "Handler panics recovered (each one is a bug)."}),
	}
	reg.MustRegister(m.requests, m.latency, m.rejected, m.panics)
	return m
}
