package main

import (
	"os"
	"os/signal"
	"syscall"

	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/handlers"
)

// consoleDeps wires the staff accounts and reports into the HTTP layer.
func (a *app) consoleDeps() handlers.ConsoleDeps {
	return handlers.ConsoleDeps{Staff: a.staffStore(), Redis: a.rdb, ResolutionTarget: a.cfg.ResolutionTarget,
		SecureCookies: a.cfg.SecureCookies, Done: stopRequested()}
}

// staffStore is the store of console users and sessions.
func (a *app) staffStore() *staff.Store {
	return staff.NewStore(a.rdb, store.Keys{Prefix: a.cfg.RedisPrefix}, staff.Options{SessionTTL: a.cfg.SessionTTL,
		Cost: a.cfg.BcryptCost, Throttle: staff.Throttle{MaxFailures: a.cfg.LoginMaxFailures, Window: a.cfg.LoginWindow}})
}

// stopRequested closes when the process is asked to stop. The console's
// event streams end on it at once: a graceful shutdown waits for open
// connections, and an open console never idles.
func stopRequested() <-chan struct{} {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		<-sig
		close(done)
	}()
	return done
}
