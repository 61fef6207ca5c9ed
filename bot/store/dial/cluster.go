package dial

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
)

// clusterReloadInterval bounds how stale a Cluster client's slot map can get
// while no command fails. go-redis v9.22 raised its default from 10 s to 60 s.
const clusterReloadInterval = 10 * time.Second

// NewClient builds the client opts (from Options) describe. A Cluster client
// also reloads its slot map whenever a command to one of its nodes fails on
// the network: go-redis reloads it on MOVED and ASK, but not when the node
// holding a slot is gone, so after a primary dies and the Cluster promotes
// its replica it would go on dialling the dead node until its next periodic
// reload (redis/go-redis#3979). The hook sits on every node's client, so
// that it also sees the writes that wait for replicas, which go to a node
// directly (clusterPrimaries). The reload runs in the background and
// go-redis coalesces concurrent requests for it.
//
// Every client also fails fast while Redis is unreachable (Breaker); a
// Cluster has a breaker per node, so that one lost node does not stop the
// slots the others serve.
func NewClient(opts *redis.UniversalOptions) redis.UniversalClient {
	if opts.MasterName != "" || !opts.IsClusterMode {
		rdb := redis.NewUniversalClient(opts)
		rdb.AddHook(NewBreaker(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }))
		return rdb
	}
	co := opts.Cluster()
	co.ClusterStateReloadInterval = clusterReloadInterval
	cc := redis.NewClusterClient(co)
	cc.OnNewNode(func(node *redis.Client) {
		node.AddHook(reloadOnNetworkError{cc})
		node.AddHook(NewBreaker(func(ctx context.Context) error { return node.Ping(ctx).Err() }))
	})
	return cc
}

// reloadOnNetworkError asks a Cluster client to reload its slot map after a
// command or pipeline fails because a node could not be reached.
type reloadOnNetworkError struct{ cc *redis.ClusterClient }

func (h reloadOnNetworkError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnNetworkError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		// The reload itself asks nodes for the slot map (CLUSTER SLOTS); a
		// dead node it asks must not set off another reload.
		if cmd.Name() != "cluster" {
			h.check(ctx, err)
		}
		return err
	}
}

func (h reloadOnNetworkError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnNetworkError) check(ctx context.Context, err error) {
	if nodeUnreachable(err) {
		h.cc.ReloadState(ctx)
	}
}

// nodeUnreachable tells errors that a new slot map may cure: the network
// failed (refused, reset, closed mid-reply), a node did not answer in time,
// or a node answered that the Cluster is down while it fails a primary over.
// The caller's own cancellation and Redis's answers to the command itself
// (nil, script errors, WRONGTYPE …) are not among them.
func nodeUnreachable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return redis.HasErrorPrefix(err, "CLUSTERDOWN")
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// clusterPrimaries finds a key's primary on a Cluster.
type clusterPrimaries struct{ cc *redis.ClusterClient }

// Primary returns a client of the primary that holds key's slot: a
// pipeline of it goes down one connection to that node.
func (p clusterPrimaries) Primary(ctx context.Context, key string) (store.Client, error) {
	c, err := p.cc.MasterForKey(ctx, key)
	if err != nil {
		return nil, err
	}
	return c, nil
}
