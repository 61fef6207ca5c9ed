package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// ErrUnreachable is a command refused without trying: Redis failed to
// answer a moment ago and has not answered a probe since.
var ErrUnreachable = errors.New("store: redis unreachable; retrying in the background")

// IsUnavailable reports whether err means Redis could not be reached or could
// not answer in time, so that the caller should degrade or ask the client to
// retry later (HTTP 503) instead of reporting a bug. Missing keys (redis.Nil)
// and errors in the command or script itself (WRONGTYPE, NOSCRIPT, ERR ...)
// are not outages and return false, as does a context the caller cancelled.
// A write too few replicas confirmed (ErrUnconfirmed) counts as one.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	if errors.Is(err, ErrUnconfirmed) {
		return true
	}
	// A server reply is judged by its text alone: it proves the connection
	// works, whatever else err may wrap.
	var reply redis.Error
	if errors.As(err, &reply) {
		return isUnavailableReply(reply.Error())
	}
	if isTransportError(err) || isTopologyLost(err) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// isTopologyLost catches go-redis errors that mean no node could be found but
// carry no wrapped cause, so only their text tells.
func isTopologyLost(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "redis: all sentinels specified in configuration are unreachable") ||
		strings.Contains(msg, "redis: cluster has no nodes")
}

func isTransportError(err error) bool {
	for _, target := range []error{
		context.DeadlineExceeded,
		io.EOF,
		io.ErrUnexpectedEOF,
		syscall.ECONNREFUSED,
		syscall.ECONNRESET,
		syscall.EPIPE,
		redis.ErrClosed,
		redis.ErrPoolTimeout,
		// Exhausted is the pool timeout's twin when MaxActiveConns caps the
		// pool: no connection could be had.
		redis.ErrPoolExhausted,
		// The auto-pipeliner's batch could not be sent for its backstop
		// (30 s): Redis stopped answering the batch before it.
		redis.ErrAutoPipelineTimeout,
		ErrUnreachable,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// isUnavailableReply picks the replies that mean "not now" rather than
// "wrong": the node is loading its data, is a replica, has lost its primary,
// or the cluster is partitioned or moving the slot.
func isUnavailableReply(msg string) bool {
	word, _, _ := strings.Cut(msg, " ")
	switch word {
	case "LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN":
		return true
	}
	return false
}
