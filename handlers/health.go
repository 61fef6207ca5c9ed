package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
	"frontdoor/handlers/httpkit"
)

// MetricsAccess is how the main listener serves /metrics: open (the
// default, for development), behind a Bearer key, or not at all because a
// listener of its own, on the internal network, serves it
// (MetricsHandler).
type MetricsAccess struct {
	Key       string
	Elsewhere bool
}

var errMetricsKey = fault.New(fault.Unauthorized, "bad_metrics_key", "metrics key required")

// MetricsHandler serves the Prometheus metrics, for a listener of their own.
func (s *Server) MetricsHandler() http.Handler { return s.metricsHandler }

// metricsBehindKey serves /metrics, asking for the key when one is set:
// GET /metrics.
func (s *Server) metricsBehindKey(c *gin.Context) error {
	if want := s.metricsAccess.Key; want != "" && !httpkit.Presents(c, want) {
		return errMetricsKey
	}
	s.MetricsHandler().ServeHTTP(c.Writer, c.Request)
	return nil
}

// healthz says the process is up.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether the server can do its work: Redis answers and the
// knowledge base is loaded. Load balancers take replicas out on red.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			return fault.Wrap(fault.Unavailable, "not_ready", "not ready: "+err.Error(), err)
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}
