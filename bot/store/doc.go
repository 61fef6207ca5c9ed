// Package store connects frontdoor to Redis, its system of record for sessions,
// tickets and response clocks, and gives the rest of the code one way to name
// keys, to tell an outage from a bug, and to run without any setup in
// development.
//
// # Keys
//
// Keys builds every key name so that one tenant's keys share a Cluster hash
// slot; see Keys.
//
// # Development
//
// StartEmbedded runs a private redis-server (durable, append-only file fsynced
// on every write) or, when none is installed, an in-memory miniredis, so that
// the server starts on a fresh machine without REDIS_URL.
package store
