package store

import "github.com/redis/go-redis/v9"

// Client is what the stores need from Redis: commands, scripts and pipelines.
// A redis.UniversalClient satisfies it; dial.Conn.Client returns one. It is
// deliberately narrower than redis.UniversalClient, whose Watch and Subscribe
// make every package that names the interface slower to compile (see
// package dial).
type Client interface {
	redis.Cmdable
}
