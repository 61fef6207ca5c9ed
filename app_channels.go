package main

import "frontdoor/handlers"

// channelDeps wires the channel accounts into the HTTP layer.
func (a *app) channelDeps() handlers.ChannelDeps { return handlers.ChannelDeps{} }
