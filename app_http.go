package main

import (
	"context"

	"frontdoor/handlers"
	"frontdoor/handlers/api"
	"frontdoor/handlers/chat"
	"frontdoor/handlers/console"
	"frontdoor/handlers/platform"
	"frontdoor/knowledge"
)

// httpDeps wires the assembled system into the HTTP layer, one audience
// at a time. stopping closes the console's event streams at once, since a
// graceful shutdown waits for open connections and an open console never
// idles.
func (a *app) httpDeps(stopping <-chan struct{}) handlers.Deps {
	cfg := a.cfg
	return handlers.Deps{Engine: a.Engine, Ready: a.ready, Metrics: cfg.metricsAccess(a.log),
		TrustedProxies: cfg.Proxies(), Registry: a.registry, Logger: a.log, MaxBodyBytes: cfg.MaxBodyBytes,
		API: api.Deps{Tenants: cfg.AllTenants(), AdminKey: cfg.AdminKey,
			Reload: func(context.Context) (*knowledge.Base, error) { return a.lib.Reload() }},
		Platform: platform.Deps{Desk: a.Desk, WeChat: cfg.WeChat, WeCom: cfg.WeCom},
		Chat:     chat.Deps{Tenant: cfg.WebChatTenant},
		Console: console.Deps{Staff: a.Staff, Feeds: a.conn, ResolutionTarget: cfg.ResolutionTarget,
			SecureCookies: cfg.SecureCookies, Done: stopping}}
}
