package main

import "frontdoor/handlers"

// consoleDeps wires the staff accounts and reports into the HTTP layer.
func (a *app) consoleDeps() handlers.ConsoleDeps { return handlers.ConsoleDeps{} }
