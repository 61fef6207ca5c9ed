package wxproto

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSign(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"WeCom msg_signature vector", []string{weComToken, weComTimestamp, weComNonce, weComEchoStr}, weComSignature},
		{"order does not matter", []string{weComEchoStr, weComNonce, weComToken, weComTimestamp}, weComSignature},
		// sha1("") — the degenerate call must still be well defined.
		{"no parts", nil, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		// sha1("123" + "456" + "abc"), sorted bytewise.
		{"plaintext-mode shape", []string{"abc", "456", "123"}, "a172ffc990129fe6f68b50f6037c54a1894ee3fd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sign(tt.parts...); got != tt.want {
				t.Fatalf("Sign = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSignDoesNotReorderArguments(t *testing.T) {
	parts := []string{"c", "b", "a"}
	Sign(parts...)
	if strings.Join(parts, "") != "cba" {
		t.Fatalf("Sign modified its argument: %v", parts)
	}
}

func TestVerify(t *testing.T) {
	parts := []string{weComToken, weComTimestamp, weComNonce, weComEchoStr}
	tests := []struct {
		name     string
		expected string
		parts    []string
		want     bool
	}{
		{"right", weComSignature, parts, true},
		{"wrong digit", "6" + weComSignature[1:], parts, false},
		{"uppercase", strings.ToUpper(weComSignature), parts, false},
		{"truncated", weComSignature[:39], parts, false},
		{"empty expected", "", parts, false},
		{"empty expected, no parts", "", nil, false},
		{"wrong token", weComSignature, []string{"other", weComTimestamp, weComNonce, weComEchoStr}, false},
		{"missing encrypt part", weComSignature, parts[:3], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.expected, tt.parts...); got != tt.want {
				t.Fatalf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1700000000, 0)
	const window = 5 * time.Minute
	tests := []struct {
		name   string
		ts     string
		window time.Duration
		want   error
	}{
		{"now", "1700000000", window, nil},
		{"at the old edge", "1699999700", window, nil},
		{"at the future edge", "1700000300", window, nil},
		{"one second too old", "1699999699", window, ErrTimestampTooOld},
		{"one second too far ahead", "1700000301", window, ErrTimestampInFuture},
		{"zero", "0", window, ErrTimestampTooOld},
		{"huge", "999999999999999999", window, ErrTimestampInFuture},
		{"zero window, same second", "1700000000", 0, nil},
		{"zero window, one second off", "1700000001", 0, ErrTimestampInFuture},
		{"milliseconds", "1700000000000", window, ErrTimestampInFuture},
		{"empty", "", window, ErrBadTimestamp},
		{"letters", "17000000a0", window, ErrBadTimestamp},
		{"negative", "-1700000000", window, ErrBadTimestamp},
		{"plus sign", "+1700000000", window, ErrBadTimestamp},
		{"leading space", " 1700000000", window, ErrBadTimestamp},
		{"decimal point", "1700000000.5", window, ErrBadTimestamp},
		{"too many digits", strings.Repeat("9", 19), window, ErrBadTimestamp},
		{"non-ASCII digits", "１７００００００００", window, ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTimestamp(tt.ts, now, tt.window)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
