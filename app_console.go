package main

import (
	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/handlers"
)

// consoleDeps wires the staff accounts and reports into the HTTP layer;
// stopping closes the console's event streams at once, since a graceful
// shutdown waits for open connections and an open console never idles.
func (a *app) consoleDeps(stopping <-chan struct{}) handlers.ConsoleDeps {
	return handlers.ConsoleDeps{Staff: a.staffStore(), Feeds: a.conn, ResolutionTarget: a.cfg.ResolutionTarget,
		SecureCookies: a.cfg.SecureCookies, Done: stopping}
}

// staffStore is the store of console users and sessions.
func (a *app) staffStore() *staff.Store {
	return staff.NewStore(a.rdb, store.Keys{Prefix: a.cfg.RedisPrefix}, staff.Options{SessionTTL: a.cfg.SessionTTL,
		Cost: a.cfg.BcryptCost, Throttle: staff.Throttle{MaxFailures: a.cfg.LoginMaxFailures,
			AddrMaxFailures: 4 * a.cfg.LoginMaxFailures, Window: a.cfg.LoginWindow}})
}
