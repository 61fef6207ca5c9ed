// Package dial turns a Redis URL into a connection: a single node, a primary
// found through Sentinel, or a Cluster.
//
// It is the only package that holds a whole redis.UniversalClient. Everything
// else talks to Redis through store.Client, the command set alone, and gets
// Pub/Sub through Conn.Listen. The split is for build time: the client's full
// interface names Watch (*redis.Tx) and Subscribe (*redis.PubSub), whose
// method sets every package that mentions them compiles again (about two
// seconds each with go-redis v9.23, a quarter of that with v9.22), and the
// packages on the chain store → ticket → bot → handlers → main would each
// pay it before the first `make run` could start.
//
// Open's Settings choose how the stores' commands travel: auto-pipelined
// (Commands), so that the commands of concurrent requests share round trips,
// or a round trip each.
//
// # Redis URLs
//
// Options, Inspect and Open accept these forms (REDIS_URL):
//
//	redis://[[user]:password@]host[:port][/db]
//	rediss://[[user]:password@]host[:port][/db]
//
// A single Redis node; rediss uses TLS. The port defaults to 6379 and the db
// to 0.
//
//	redis+sentinel://[[user]:password@]host1:26379,host2:26379[,...]/master-name[/db]
//	rediss+sentinel://...
//
// A primary found through Sentinel. The hosts are the sentinels (port
// defaults to 26379), master-name is the name the sentinels monitor. user and
// password authenticate against the Redis nodes; sentinels that require a
// password of their own take the query parameters sentinel_username and
// sentinel_password.
//
//	redis+cluster://[[user]:password@]host1:7000,host2:7001[,...]
//	rediss+cluster://...
//
// A Redis Cluster; the hosts are seed nodes (port defaults to 6379). A Cluster
// has only db 0, so no db may be given.
//
// All forms take these optional query parameters:
//
//	dial_timeout=500ms   connect timeout (default 2s)
//	read_timeout=2s      per-command read timeout (default 2s)
//	write_timeout=2s     per-command write timeout (default 2s)
//	pool_size=20         connections per node (default: go-redis, 10 per CPU)
//	min_idle_conns=2     idle connections kept open per node (default 0)
//
// Durations use Go syntax (500ms, 2s, 1m). Unknown parameters are rejected so
// that a typo does not silently fall back to a default. User names, passwords
// and master names containing reserved characters (@ : / ? # % +) must be
// percent-encoded. IPv6 hosts go in brackets: [::1]:6379. With TLS each
// server's certificate is checked against the host name it is dialled by.
//
// Errors from Options say what is wrong and never contain a password; Redact
// makes a URL safe to log.
package dial
