package store

import (
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	fd := Keys{Prefix: "fd"}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"tenant", fd.Tenant("demo", "sess", "u-1"), "fd:{demo}:sess:u-1"},
		{"tenant without parts", fd.Tenant("demo"), "fd:{demo}"},
		{"global", fd.Global("users", "alice"), "fd:{global}:users:alice"},
		{"slot", fd.Slot("clock", "due"), "fd:{clock}:due"},
		{"zero value uses default prefix", Keys{}.Tenant("demo", "t"), "fd:{demo}:t"},
		{"custom prefix", Keys{Prefix: "staging"}.Global("x"), "staging:{global}:x"},
		{"braces in tenant", fd.Tenant("a}b{c", "x"), "fd:{a%7Db%7Bc}:x"},
		{"braces in part", fd.Tenant("demo", "sess", "{evil}"), "fd:{demo}:sess:%7Bevil%7D"},
		{"colon in part", fd.Tenant("demo", "msg", "col:x", "1"), "fd:{demo}:msg:col%3Ax:1"},
		{"percent in part", fd.Tenant("demo", "a%3Ab"), "fd:{demo}:a%253Ab"},
		{"invalid utf-8", fd.Tenant("demo", "a\xffb"), "fd:{demo}:a%FFb"},
		{"whitespace", fd.Tenant("my tenant", "a\tb", "c\nd", "e\u00a0f"), "fd:{my%20tenant}:a%09b:c%0Ad:e%C2%A0f"},
		{"brace in prefix", Keys{Prefix: "f{d"}.Tenant("demo"), "f%7Bd:{demo}"},
		{"empty tenant", fd.Tenant("", "x"), "fd:{_}:x"},
		{"tenant named _", fd.Tenant("_", "x"), "fd:{__}:x"},
		{"empty tag", fd.Slot(""), "fd:{_}"},
		{"empty part kept", fd.Tenant("demo", "", "x"), "fd:{demo}::x"},
		{"tenant named global", fd.Tenant("global", "users", "alice"), "fd:{_global}:users:alice"},
		{"tenant named _global", fd.Tenant("_global", "users"), "fd:{__global}:users"},
		{"tenant escaped", fd.Tenant("{global", "x"), "fd:{%7Bglobal}:x"},
		{"unicode tenant", fd.Tenant("café", "x"), "fd:{café}:x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// TestKeysAreOneToOne is the dedupe key's safety: two different users or
// message ids never share a key, however they are spelt.
func TestKeysAreOneToOne(t *testing.T) {
	fd := Keys{Prefix: "fd"}
	pairs := [][2][]string{
		{{"col", "x:1"}, {"col:x", "1"}},
		{{"a b", "1"}, {"a_b", "1"}},
		{{"a{b}", "1"}, {"a_b_", "1"}},
		{{"a%3Ab", "1"}, {"a:b", "1"}},
		{{"a\xff", "1"}, {"a\ufffd", "1"}},
	}
	for _, p := range pairs {
		a, b := fd.Tenant("demo", append([]string{"msg"}, p[0]...)...), fd.Tenant("demo", append([]string{"msg"}, p[1]...)...)
		if a == b {
			t.Errorf("%q and %q share the key %q", p[0], p[1], a)
		}
	}
	if fd.Tenant("a b") == fd.Tenant("a_b") {
		t.Error(`tenants "a b" and "a_b" share keys`)
	}
}

func TestKeysShareTenantSlot(t *testing.T) {
	fd := Keys{Prefix: "fd"}
	tests := []struct {
		name string
		keys []string
	}{
		{"one tenant", []string{fd.Tenant("demo"), fd.Tenant("demo", "sess", "u-1"), fd.Tenant("demo", "ticket", "42", "events")}},
		{"hostile ids", []string{fd.Tenant("a{b}c", "sess", "}{"), fd.Tenant("a{b}c", "{x}", "y z"), fd.Tenant("a{b}c")}},
		{"empty tenant", []string{fd.Tenant(""), fd.Tenant("", "{")}},
		{"global", []string{fd.Global("users", "alice"), fd.Global("users", "{bob}"), fd.Global()}},
		{"slot", []string{fd.Slot("clock"), fd.Slot("clock", "due", "}")}},
		{"hostile prefix", []string{Keys{Prefix: "{x}"}.Tenant("t", "a"), Keys{Prefix: "{y}"}.Tenant("t", "b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := clusterSlot(tt.keys[0])
			for _, k := range tt.keys[1:] {
				if got := clusterSlot(k); got != want {
					t.Errorf("slot(%q) = %d, slot(%q) = %d", k, got, tt.keys[0], want)
				}
			}
		})
	}
	if clusterSlot(fd.Tenant("demo", "x")) == clusterSlot(fd.Tenant("other", "x")) &&
		clusterSlot(fd.Tenant("demo", "x")) == clusterSlot(fd.Tenant("third", "x")) {
		t.Error("different tenants all share a slot: the hash tag is not applied")
	}
}

func TestClusterSlot(t *testing.T) {
	// Answers of CLUSTER KEYSLOT on Redis 7.
	tests := []struct {
		key  string
		want uint16
	}{
		{"123456789", 12739},
		{"foo", 12182},
		{"{user1000}.following", 3443},
		{"foo{}{bar}", 8363},
		{"foo{{bar}}zap", 4015},
		{"fd:{demo}:x", 903},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := clusterSlot(tt.key); got != tt.want {
				t.Errorf("clusterSlot(%q) = %d, want %d", tt.key, got, tt.want)
			}
		})
	}
}

// clusterSlot is Redis Cluster's key-to-slot mapping: CRC16/XMODEM of the hash
// tag (the text between the first "{" and the next "}", if not empty) or else
// of the whole key, modulo 16384.
func clusterSlot(key string) uint16 {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if end := strings.IndexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	return crc16(key) % 16384
}

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
