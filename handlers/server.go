// Package handlers is frontdoor's HTTP face: the JSON message API, the
// WeChat-style channel callbacks, the staff console and the manager
// dashboard, health and metrics. Handlers bind and validate a request, make
// one call into bot or knowledge, and respond; they know nothing of policy.
package handlers

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"frontdoor/bot"
	"frontdoor/knowledge"
)

// Tenant is an organisation using the API with its own key.
type Tenant struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	APIKey string `yaml:"api_key"`
	// Region fixes the region for all of the tenant's businesses (optional).
	Region string `yaml:"region"`
}

// Deps are what the HTTP layer needs.
type Deps struct {
	Engine  *bot.Engine
	Tenants []Tenant
	// Ready checks dependencies for /readyz (Redis reachable, knowledge
	// base loaded).
	Ready func(ctx context.Context) error
	// Reload reloads documents and catalogue (admin endpoint); nil disables it.
	Reload func(ctx context.Context) (*knowledge.Base, error)
	// AdminKey authorises the admin endpoints ("" disables them).
	AdminKey string
	// Metrics says how /metrics is served on the main listener.
	Metrics MetricsAccess
	// TrustedProxies may set X-Forwarded-For (none by default, so that a
	// client cannot pick the address its login attempts are counted under).
	TrustedProxies []string
	Registry       *prometheus.Registry
	Logger         *slog.Logger
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64

	// ChannelDeps configure the WeChat-style channels (channels.go).
	ChannelDeps
	// ConsoleDeps configure the staff console and dashboard (console.go).
	ConsoleDeps
}

// Server routes HTTP requests.
type Server struct {
	engine   *bot.Engine
	tenants  map[string]Tenant // by API key
	ready    func(ctx context.Context) error
	reload   func(ctx context.Context) (*knowledge.Base, error)
	adminKey string
	log      *slog.Logger
	metrics  *httpMetrics
	// metricsHandler serves the registry in Prometheus's text format.
	metricsHandler http.Handler
	registry       *prometheus.Registry
	maxBody        int64
	router         *gin.Engine
	deps           Deps
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 64 << 10
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{deps: d, engine: d.Engine, ready: d.Ready, reload: d.Reload, adminKey: d.AdminKey, log: d.Logger,
		registry: d.Registry, maxBody: d.MaxBodyBytes, tenants: map[string]Tenant{}}
	for _, t := range d.Tenants {
		s.tenants[t.APIKey] = t
	}
	s.metrics = newHTTPMetrics(d.Registry)
	s.metricsHandler = promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry})
	s.router = s.routes()
	return s
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.router }

func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(s.deps.TrustedProxies); err != nil {
		s.log.Error("trusted proxies", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.requestID, s.recoverPanics, s.observe)
	r.NoRoute(s.wrap(func(c *gin.Context) error { return errNoRoute }))
	r.NoMethod(s.wrap(func(c *gin.Context) error { return errNoMethod }))

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.wrap(s.readyz))
	if !s.deps.Metrics.Elsewhere {
		r.GET("/metrics", s.wrap(s.metricsBehindKey))
	}

	api := r.Group("/api/v1")
	api.POST("/messages", s.wrap(s.postMessage))
	api.GET("/messages", s.wrap(s.getMessages))
	api.POST("/admin/reload", s.wrap(s.adminReload))
	s.channelRoutes(r)
	s.consoleRoutes(r)
	return r
}
