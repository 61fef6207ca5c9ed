package dial_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
)

func TestNodeUnreachable(t *testing.T) {
	rdb, _ := storetest.Client(t)
	// reply is an error reply as go-redis reads it off the wire.
	reply := func(text string) error {
		err := rdb.Eval(context.Background(), "return redis.error_reply(ARGV[1])", nil, text).Err()
		var re redis.Error
		if !errors.As(err, &re) {
			t.Fatalf("%q: not read as an error reply: %v", text, err)
		}
		return err
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"connection refused", refused, true},
		{"refused, wrapped", fmt.Errorf("store: %w", refused), true},
		{"closed mid-reply", io.ErrUnexpectedEOF, true},
		{"closed", io.EOF, true},
		{"no answer in time", context.DeadlineExceeded, true},
		{"caller gone", context.Canceled, false},
		{"key missing", redis.Nil, false},
		{"failing over", reply("CLUSTERDOWN The cluster is down"), true},
		{"script error", reply("ERR bad input"), false},
		{"wrong type", reply("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dial.NodeUnreachable(tt.err); got != tt.want {
				t.Errorf("NodeUnreachable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
