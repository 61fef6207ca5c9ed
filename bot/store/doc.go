// Package store is what frontdoor's code shares about Redis, its system of
// record for sessions, tickets and response clocks: the Client the stores
// talk to, one way to name keys, a way to tell an outage from a bug, and a
// Redis to run without any setup in development. Package dial turns a
// REDIS_URL into a connection.
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
