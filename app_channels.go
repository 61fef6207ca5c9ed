package main

import (
	"frontdoor/bot"
	"frontdoor/bot/store"
	"frontdoor/handlers"
)

// pushers are the platform senders staff replies and clock notices use to
// reach businesses on WeChat-style channels.
func (a *app) pushers(keys store.Keys) map[string]bot.Pusher { return nil }

// phraser is the optional language model that phrases answers.
func (a *app) phraser() bot.Phraser { return nil }

// channelDeps wires the channel accounts into the HTTP layer.
func (a *app) channelDeps() handlers.ChannelDeps { return handlers.ChannelDeps{} }
