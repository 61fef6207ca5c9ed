// Package handlers is frontdoor's HTTP face. It mounts one package per
// audience on one router — api (tenants' systems), platform (WeChat and
// WeCom callbacks), chat (the web chat), console (staff and managers) —
// and serves health and metrics for operators itself. Handlers bind and
// validate a request, make one call into bot or knowledge, and respond;
// they know nothing of policy. What they share is in httpkit.
package handlers

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"frontdoor/bot"
	"frontdoor/handlers/api"
	"frontdoor/handlers/chat"
	"frontdoor/handlers/console"
	"frontdoor/handlers/httpkit"
	"frontdoor/handlers/platform"
)

// Deps are what the HTTP layer needs.
type Deps struct {
	Engine *bot.Engine
	// Ready checks dependencies for /readyz (Redis reachable, knowledge
	// base loaded).
	Ready func(ctx context.Context) error
	// Metrics says how /metrics is served on the main listener.
	Metrics MetricsAccess
	// TrustedProxies may set X-Forwarded-For (none by default, so that a
	// client cannot pick the address its login attempts are counted under).
	TrustedProxies []string
	Registry       *prometheus.Registry
	Logger         *slog.Logger
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64

	// API configures the JSON message API and the admin endpoint.
	API api.Deps
	// Platform configures the WeChat and WeCom callbacks.
	Platform platform.Deps
	// Chat configures the web chat.
	Chat chat.Deps
	// Console configures the staff console, staff API and dashboard.
	Console console.Deps
}

// Server routes HTTP requests.
type Server struct {
	kit            *httpkit.Kit
	ready          func(ctx context.Context) error
	metricsAccess  MetricsAccess
	metricsHandler http.Handler
	router         *gin.Engine
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
	s := &Server{kit: httpkit.New(d.Logger, d.Registry, d.MaxBodyBytes), ready: d.Ready, metricsAccess: d.Metrics,
		metricsHandler: promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry})}
	s.router = s.routes(d)
	return s
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.router }

// routes is the one router: shared middleware, the operators' endpoints,
// then each audience's package.
func (s *Server) routes(d Deps) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		s.kit.Log.Error("trusted proxies", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.kit.Middleware()...)
	r.NoRoute(s.kit.Wrap(func(c *gin.Context) error { return httpkit.ErrNoRoute }))
	r.NoMethod(s.kit.Wrap(func(c *gin.Context) error { return httpkit.ErrNoMethod }))

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.kit.Wrap(s.readyz))
	if !s.metricsAccess.Elsewhere {
		r.GET("/metrics", s.kit.Wrap(s.metricsBehindKey))
	}

	api.Mount(r, s.kit, d.Engine, d.API)
	platform.Mount(r, s.kit, d.Platform)
	chat.Mount(r, s.kit, d.Engine, d.Chat)
	console.Mount(r, s.kit, d.Engine, d.Console)
	return r
}
