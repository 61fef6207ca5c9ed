package bot

// Rate is a token bucket: PerSecond tokens refill it, up to Burst. A zero
// rate is no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// on reports whether the rate limits anything.
func (r Rate) on() bool { return r.PerSecond > 0 && r.Burst > 0 }

// The scopes a message is limited in, as the metrics name them.
const (
	scopeUser    = "user"
	scopeAddress = "address"
	scopeTenant  = "tenant"
)

// bucket is one token bucket a message takes a token from.
type bucket struct {
	key, scope string
	rate       Rate
}

// buckets are the limits a message passes: its user's; its network
// address's, when the channel knows one (an anonymous web visitor is new
// with every dropped cookie, so the address is what stays); and its
// tenant's, so that no tenant — nor anyone varying "user" with its key —
// can flood the offices behind it. All live in Redis, under the tenant's
// hash tag, so that every replica counts the same tokens and one script
// takes them.
func (e *Engine) buckets(in Inbound) []bucket {
	var out []bucket
	if r := e.cfg.UserRate; r.on() {
		out = append(out, bucket{e.keys.Tenant(in.Tenant, "rl", in.User), scopeUser, r})
	}
	if r := e.cfg.AddressRate; r.on() && in.Addr != "" {
		out = append(out, bucket{e.keys.Tenant(in.Tenant, "rla", in.Addr), scopeAddress, r})
	}
	if r := e.cfg.TenantRate; r.on() {
		out = append(out, bucket{e.keys.Tenant(in.Tenant, "rlt"), scopeTenant, r})
	}
	return out
}
