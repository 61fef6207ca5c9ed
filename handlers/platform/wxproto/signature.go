package wxproto

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Timestamp errors are distinct so that logs tell a malformed request apart
// from clock skew on either side.
var (
	// ErrBadTimestamp means the timestamp is not plain decimal Unix seconds.
	ErrBadTimestamp = errors.New("wxproto: timestamp is not a decimal number")
	// ErrTimestampTooOld means the request is older than the window:
	// a replay, or a slow or stuck clock on the sender's side.
	ErrTimestampTooOld = errors.New("wxproto: timestamp is too old")
	// ErrTimestampInFuture means the request is ahead of the window, which
	// usually points at a slow clock on this host.
	ErrTimestampInFuture = errors.New("wxproto: timestamp is too far in the future")
)

// Sign returns the lowercase hex SHA-1 of parts sorted and concatenated.
// Both platforms use this one scheme: the plaintext-mode signature passes
// (token, timestamp, nonce) and msg_signature additionally passes the
// Encrypt field. Sorting makes the argument order irrelevant.
func Sign(parts ...string) string {
	sorted := slices.Clone(parts)
	slices.Sort(sorted)
	h := sha1.New()
	for _, p := range sorted {
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verify reports whether expected equals Sign(parts...). The comparison is
// constant-time so response timing does not leak how much of a forged
// signature matched. An empty expected value never verifies, which guards
// against handlers that forget to check for a missing query parameter.
// The platforms send lowercase hex; other spellings are rejected.
func Verify(expected string, parts ...string) bool {
	if expected == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(expected), []byte(Sign(parts...))) == 1
}

// CheckTimestamp parses ts as Unix seconds and refuses it unless it lies
// within window of now in either direction. Signatures do not expire on
// their own, so this bounds how long a captured request can be replayed.
// Only plain decimal digits are accepted (no sign, no spaces); a negative
// window refuses every timestamp.
func CheckTimestamp(ts string, now time.Time, window time.Duration) error {
	sec, err := parseUnixSeconds(ts)
	if err != nil {
		return err
	}
	limit := int64(window / time.Second)
	// sec is below 1e18, so this cannot overflow for the Unix time of any
	// real clock.
	age := now.Unix() - sec
	switch {
	case age > limit:
		return fmt.Errorf("%w: %ds old, window %v", ErrTimestampTooOld, age, window)
	case -age > limit:
		return fmt.Errorf("%w: %ds ahead, window %v", ErrTimestampInFuture, -age, window)
	}
	return nil
}

// parseUnixSeconds accepts 1 to 18 decimal digits; 18 digits cannot
// overflow int64 and already reach far beyond any plausible clock.
func parseUnixSeconds(ts string) (int64, error) {
	switch {
	case len(ts) == 0:
		return 0, fmt.Errorf("%w: empty", ErrBadTimestamp)
	case len(ts) > 18:
		// Not echoed: it is request input and may be arbitrarily long.
		return 0, fmt.Errorf("%w: %d characters", ErrBadTimestamp, len(ts))
	}
	var n int64
	for i := 0; i < len(ts); i++ {
		c := ts[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", ErrBadTimestamp, ts)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
