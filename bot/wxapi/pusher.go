package wxapi

import (
	"context"
	"errors"
)

// maxPushParts bounds how many messages one push may become: both
// platforms count messages against a quota per user.
const maxPushParts = 3

// Sender sends one text message to one user of an account.
type Sender interface {
	SendText(ctx context.Context, user, text string) error
}

// Pusher delivers messages to businesses by account name; it is the
// bot.Pusher of a channel. It holds no mutable state.
type Pusher struct {
	senders map[string]Sender
}

// NewPusher routes pushes for the accounts in senders (account name →
// client).
func NewPusher(senders map[string]Sender) *Pusher {
	m := make(map[string]Sender, len(senders))
	for k, v := range senders {
		m[k] = v
	}
	return &Pusher{senders: m}
}

// Has reports whether the account has API credentials, i.e. whether a
// reply that missed the passive-reply window can still be delivered.
func (p *Pusher) Has(account string) bool {
	return p != nil && p.senders[account] != nil
}

// Push sends text to user through account. Text longer than a platform
// message is sent in parts cut on character boundaries.
func (p *Pusher) Push(ctx context.Context, account, user, text string) error {
	if !p.Has(account) {
		return ErrUnknownAccount
	}
	if text == "" {
		return errors.New("wxapi: empty message")
	}
	s := p.senders[account]
	for i, rest := 0, text; rest != "" && i < maxPushParts; i++ {
		var part string
		part, rest = TruncateBytes(rest, MaxTextBytes)
		if err := s.SendText(ctx, user, part); err != nil {
			return err
		}
	}
	return nil
}
