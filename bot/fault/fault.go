// Package fault is the small catalogue of errors the product shows to its
// clients. Domain packages return a *fault.Error with a stable code and a
// message a client can act on; the HTTP layer maps its Kind to a status.
// Anything else that reaches a client is our bug and shows as "internal".
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the client should do about it.
type Kind int

// The kinds, from the client's point of view.
const (
	Internal     Kind = iota // our bug: log it, say sorry
	Invalid                  // fix the request
	Unauthorized             // present valid credentials
	Forbidden                // these credentials may not do this
	NotFound                 // no such thing (or not yours)
	Conflict                 // the state does not allow it now
	TooLarge                 // send less
	RateLimited              // slow down; RetryAfter says how long
	Unavailable              // a dependency is down; retry later
	NotAllowed               // use another method on this endpoint
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case TooLarge:
		return "too_large"
	case RateLimited:
		return "rate_limited"
	case Unavailable:
		return "unavailable"
	case NotAllowed:
		return "not_allowed"
	}
	return "internal"
}

// Error is a client-facing error.
type Error struct {
	Kind Kind
	// Code is stable and machine-readable: "unknown_region", "text_too_long".
	Code string
	// Msg is for people; it may be shown to a business or an operator.
	Msg string
	// RetryAfter is set for RateLimited, for a message another replica
	// still handles (Conflict), and sometimes for Unavailable.
	RetryAfter time.Duration
	// Err is the cause, for logs; never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Msg, e.Err)
	}
	return e.Code + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error of a kind.
func New(kind Kind, code, msg string) *Error { return &Error{Kind: kind, Code: code, Msg: msg} }

// Wrap makes an error of a kind that keeps its cause for the logs.
func Wrap(kind Kind, code, msg string, err error) *Error {
	return &Error{Kind: kind, Code: code, Msg: msg, Err: err}
}

// Invalidf is the common case of a request the client must fix. Text
// arguments are the client's own input, so each is cut to QuoteLimit runes:
// an error must name what was wrong, not echo 10,000 characters back.
func Invalidf(code, format string, args ...any) *Error {
	quoted := make([]any, len(args)) // a caller's slice passed with ... stays as it was
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = Clip(s, QuoteLimit)
		}
		quoted[i] = a
	}
	return &Error{Kind: Invalid, Code: code, Msg: fmt.Sprintf(format, quoted...)}
}

// QuoteLimit is how many runes of a client's input an error message quotes.
const QuoteLimit = 40

// Clip keeps the first n runes of s and marks a cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// As extracts a *Error from err's chain.
func As(err error) (*Error, bool) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// KindOf is the kind of err (Internal for foreign errors).
func KindOf(err error) Kind {
	if fe, ok := As(err); ok {
		return fe.Kind
	}
	return Internal
}
