package main

import "frontdoor/handlers"

// consoleDeps wires the staff accounts and reports into the HTTP layer;
// stopping closes the console's event streams at once, since a graceful
// shutdown waits for open connections and an open console never idles.
func (a *app) consoleDeps(stopping <-chan struct{}) handlers.ConsoleDeps {
	return handlers.ConsoleDeps{Staff: a.Staff, Feeds: a.conn, ResolutionTarget: a.cfg.ResolutionTarget,
		SecureCookies: a.cfg.SecureCookies, Done: stopping}
}
