package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultPrefix is the key prefix a zero Keys uses.
const DefaultPrefix = "fd"

// globalTag is the hash tag of keys that belong to no tenant.
const globalTag = "global"

// Keys builds key names under a configurable prefix. Every key of one tenant carries the same
// hash tag so that Lua scripts and MULTI over a tenant's keys run on Redis Cluster.
//
// Tenant ids, tags and parts may come from users, so the runes that would
// blur a key are escaped as %XX: "{" and "}" (a stray brace would move the
// hash tag and send the key to another slot), ":" (a part holding one would
// read like two: user "a:b" with message "1" would meet user "a" with
// message "b:1"), white space, control runes and "%" itself. Escaping, not
// replacing, keeps the mapping one-to-one: "a b" and "a_b" stay apart.
// A tenant can also never reach the global keys: a tenant whose id is
// "global", is empty or starts with "_" gets one more "_" in front.
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

// sanitize escapes the runes that could open or close a hash tag, split a
// part in two or hide in a log line. Most parts need nothing and are
// returned as they are.
func sanitize(s string) string {
	if strings.IndexFunc(s, escaped) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if escaped(r) {
			// byte by byte: an invalid byte stays itself, not U+FFFD
			for _, c := range []byte(s[i : i+size]) {
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

const hex = "0123456789ABCDEF"

func escaped(r rune) bool {
	return r == '{' || r == '}' || r == ':' || r == '%' || unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
}
