package store

import (
	"strings"
	"unicode"
)

// DefaultPrefix is the key prefix a zero Keys uses.
const DefaultPrefix = "fd"

// globalTag is the hash tag of keys that belong to no tenant.
const globalTag = "global"

// Keys builds key names under a configurable prefix. Every key of one tenant carries the same
// hash tag so that Lua scripts and MULTI over a tenant's keys run on Redis Cluster.
//
// Tenant ids, tags and parts may come from users, so "{", "}" and white space
// in them become "_": a stray brace would move the hash tag and send the key
// to another slot. A tenant can also never reach the global keys: a tenant
// whose id is "global", is empty or starts with "_" gets one more "_" in
// front.
// Parts are joined with ":" as given, so a part holding ":" reads like two.
type Keys struct{ Prefix string }

// Tenant returns the key for parts of one tenant, like "fd:{demo}:sess:u-1".
func (k Keys) Tenant(tenant string, parts ...string) string {
	return k.build(tenantTag(tenant), parts)
}

// Global returns the key for parts that belong to no tenant, like
// "fd:{global}:users:alice". All global keys share one slot, so keep them few
// and small.
func (k Keys) Global(parts ...string) string {
	return k.build(globalTag, parts)
}

// Slot returns a key under an explicit hash tag, like "fd:{tag}:...", for data
// that is shared across tenants but must still be reached by one script. The
// tag is not checked against tenant ids; callers pick tags that are not ones.
func (k Keys) Slot(tag string, parts ...string) string {
	return k.build(sanitizeTag(tag), parts)
}

func (k Keys) build(tag string, parts []string) string {
	prefix := k.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var b strings.Builder
	b.WriteString(sanitize(prefix))
	b.WriteString(":{")
	b.WriteString(tag)
	b.WriteString("}")
	for _, p := range parts {
		b.WriteString(":")
		b.WriteString(sanitize(p))
	}
	return b.String()
}

// tenantTag keeps tenant tags apart from the global tag. The mapping stays
// one-to-one: ids starting with "_" are shifted too, so "global" -> "_global"
// cannot meet a tenant that really is called "_global" (-> "__global"), and
// the empty id (-> "_", never "{}") cannot meet the tenant "_" (-> "__").
func tenantTag(tenant string) string {
	tag := sanitize(tenant)
	if tag == "" || tag == globalTag || strings.HasPrefix(tag, "_") {
		return "_" + tag
	}
	return tag
}

// sanitizeTag is sanitize for a hash tag. An empty tag would be "{}", which
// Redis Cluster ignores, hashing the whole key instead, so it becomes "_".
func sanitizeTag(s string) string {
	if s == "" {
		return "_"
	}
	return sanitize(s)
}

// sanitize replaces the runes that could open, close or blur a hash tag.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '{' || r == '}' || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, s)
}
