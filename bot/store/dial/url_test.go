package dial

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testPassword = "s3cr3t-Pw"

func TestOptionsAccepted(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		check   func(t *testing.T, o *redis.UniversalOptions)
		addrs   []string
		kind    string // "single", "failover" or "cluster"
		tls     bool
		db      int
		master  string
		user    string
		pass    string
		sentPwd string
	}{
		{name: "single host and port", url: "redis://localhost:6379", addrs: []string{"localhost:6379"}, kind: "single"},
		{name: "single default port", url: "redis://cache", addrs: []string{"cache:6379"}, kind: "single"},
		{name: "single with db", url: "redis://10.0.0.1:6380/3", addrs: []string{"10.0.0.1:6380"}, kind: "single", db: 3},
		{name: "single trailing slash", url: "redis://h:1/", addrs: []string{"h:1"}, kind: "single"},
		{name: "single password only", url: "redis://:" + testPassword + "@h:6379/1", addrs: []string{"h:6379"}, kind: "single", db: 1, pass: testPassword},
		{name: "single user and password", url: "redis://app:" + testPassword + "@h:6379", addrs: []string{"h:6379"}, kind: "single", user: "app", pass: testPassword},
		{name: "password with reserved characters", url: "redis://app:p@ss/w:rd@h:6379/2", addrs: []string{"h:6379"}, kind: "single", db: 2, user: "app", pass: "p@ss/w:rd"},
		{name: "percent-encoded password", url: "redis://:p%3Fq%25@h", addrs: []string{"h:6379"}, kind: "single", pass: "p?q%"},
		{name: "upper-case scheme", url: "REDIS://h:7", addrs: []string{"h:7"}, kind: "single"},
		{name: "ipv6", url: "redis://[::1]:6379/4", addrs: []string{"[::1]:6379"}, kind: "single", db: 4},
		{name: "ipv6 default port", url: "redis://[fe80::1]", addrs: []string{"[fe80::1]:6379"}, kind: "single"},
		{name: "tls single", url: "rediss://:" + testPassword + "@redis.example.com:6380", addrs: []string{"redis.example.com:6380"}, kind: "single", tls: true, pass: testPassword},
		{
			name: "query parameters", url: "redis://h:6379?dial_timeout=500ms&read_timeout=3s&write_timeout=1s&pool_size=20&min_idle_conns=2",
			addrs: []string{"h:6379"}, kind: "single",
			check: func(t *testing.T, o *redis.UniversalOptions) {
				if o.DialTimeout != 500*time.Millisecond || o.ReadTimeout != 3*time.Second || o.WriteTimeout != time.Second {
					t.Errorf("timeouts = %v %v %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
				}
				if o.PoolSize != 20 || o.MinIdleConns != 2 {
					t.Errorf("pool = %d/%d, want 20/2", o.PoolSize, o.MinIdleConns)
				}
			},
		},
		{name: "sentinel", url: "redis+sentinel://s1:26379,s2:26380,s3/mymaster", addrs: []string{"s1:26379", "s2:26380", "s3:26379"}, kind: "failover", master: "mymaster"},
		{name: "sentinel one host", url: "redis+sentinel://s1/mymaster", addrs: []string{"s1:26379"}, kind: "failover", master: "mymaster"},
		{name: "sentinel with db", url: "redis+sentinel://s1:26379/mymaster/5", addrs: []string{"s1:26379"}, kind: "failover", master: "mymaster", db: 5},
		{
			name: "sentinel with credentials", url: "rediss+sentinel://app:" + testPassword + "@s1:26379,[::1]:26379/prod-master?sentinel_username=sent&sentinel_password=sp%40ss",
			addrs: []string{"s1:26379", "[::1]:26379"}, kind: "failover", tls: true, master: "prod-master", user: "app", pass: testPassword, sentPwd: "sp@ss",
			check: func(t *testing.T, o *redis.UniversalOptions) {
				if o.SentinelUsername != "sent" {
					t.Errorf("SentinelUsername = %q", o.SentinelUsername)
				}
			},
		},
		{name: "cluster", url: "redis+cluster://n1:7000,n2:7001,n3:7002", addrs: []string{"n1:7000", "n2:7001", "n3:7002"}, kind: "cluster"},
		{name: "cluster one seed", url: "redis+cluster://n1:7000", addrs: []string{"n1:7000"}, kind: "cluster"},
		{name: "cluster tls with password", url: "rediss+cluster://:" + testPassword + "@n1:7000,n2:7001/", addrs: []string{"n1:7000", "n2:7001"}, kind: "cluster", tls: true, pass: testPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Options(tt.url)
			if err != nil {
				t.Fatalf("Options: %v", err)
			}
			if !slices.Equal(o.Addrs, tt.addrs) {
				t.Errorf("Addrs = %q, want %q", o.Addrs, tt.addrs)
			}
			if got := clientKind(t, o); got != tt.kind {
				t.Errorf("client kind = %s, want %s", got, tt.kind)
			}
			if (o.TLSConfig != nil) != tt.tls {
				t.Errorf("TLS = %v, want %v", o.TLSConfig != nil, tt.tls)
			}
			if o.DB != tt.db || o.MasterName != tt.master {
				t.Errorf("DB, MasterName = %d, %q; want %d, %q", o.DB, o.MasterName, tt.db, tt.master)
			}
			if o.Username != tt.user || o.Password != tt.pass || o.SentinelPassword != tt.sentPwd {
				t.Errorf("credentials = %q/%q/%q, want %q/%q/%q", o.Username, o.Password, o.SentinelPassword, tt.user, tt.pass, tt.sentPwd)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

// clientKind builds the client the options lead to, without connecting.
func clientKind(t *testing.T, o *redis.UniversalOptions) string {
	t.Helper()
	quiet := *o
	quiet.MinIdleConns = 0 // idle connections would be dialled at once
	c := redis.NewUniversalClient(&quiet)
	defer c.Close()
	switch c := c.(type) {
	case *redis.ClusterClient:
		return "cluster"
	case *redis.Client:
		if c.Options().Addr == "FailoverClient" {
			return "failover"
		}
		return "single"
	default:
		return "unknown"
	}
}

func TestOptionsDefaults(t *testing.T) {
	o, err := Options("redis://h")
	if err != nil {
		t.Fatal(err)
	}
	if o.DialTimeout != 2*time.Second || o.ReadTimeout != 2*time.Second || o.WriteTimeout != 2*time.Second {
		t.Errorf("timeouts = %v %v %v, want 2s each", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
	}
	if o.PoolTimeout != 3*time.Second || o.MaxRetries != 2 || !o.ContextTimeoutEnabled {
		t.Errorf("PoolTimeout, MaxRetries, ContextTimeoutEnabled = %v, %d, %v", o.PoolTimeout, o.MaxRetries, o.ContextTimeoutEnabled)
	}
	if o.IsClusterMode {
		t.Error("IsClusterMode set for a single node")
	}
}

func TestOptionsRejected(t *testing.T) {
	pw := testPassword
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"empty", "", "missing scheme"},
		{"no scheme", "localhost:6379", "missing scheme"},
		{"no scheme with password", "app:" + pw + "@localhost:6379", "missing scheme"},
		{"unknown scheme", "http://h:6379", `unknown scheme "http"`},
		{"mangled scheme", "app:" + pw + "@h://x", "unknown scheme (malformed)"},
		{"missing host", "redis://", "missing host"},
		{"missing host after userinfo", "redis://:" + pw + "@/0", "missing host"},
		{"missing host before port", "redis://:6379", "missing host"},
		{"bad port", "redis://:" + pw + "@h:abc", `bad port "abc"`},
		{"port zero", "redis://h:0", `bad port "0"`},
		{"port too large", "redis://h:70000", `bad port "70000"`},
		{"empty port", "redis://h:", `bad port ""`},
		{"signed port", "redis://h:+80", `bad port "+80"`},
		{"bare ipv6", "redis://::1:6379", "IPv6 address in brackets"},
		{"unclosed ipv6", "redis://[::1:6379", "missing ']'"},
		{"junk after ipv6", "redis://[::1]x", "want ':port' after ']'"},
		{"space in host", "redis://my host:6379", `bad host "my host"`},
		{"several hosts for single", "redis://a:1,b:2", "takes one host, got 2"},
		{"bad db", "redis://:" + pw + "@h:6379/abc", `bad db "abc"`},
		{"negative db", "redis://h/-1", `bad db "-1"`},
		{"signed db", "redis://h/+1", `bad db "+1"`},
		{"db with extra path", "redis://h/1/2", `bad db "1/2"`},
		{"empty host in list", "redis+cluster://a:1,,b:2", "host 2 of 3: missing host"},
		{"bad port in list", "redis+cluster://a:1,b:x", `host 2 of 2: bad port "x"`},
		{"missing master name", "redis+sentinel://:" + pw + "@s1:26379", "missing master name"},
		{"missing master name with slash", "redis+sentinel://s1:26379/", "missing master name"},
		{"bad sentinel db", "redis+sentinel://s1/m/x", `bad db "x"`},
		{"db for cluster", "redis+cluster://:" + pw + "@n1:7000/0", "db is not supported by redis+cluster://"},
		{"unknown parameter", "redis://h?dial_timout=1s", `unknown query parameter "dial_timout"`},
		{"bad duration", "redis://h?read_timeout=5", `bad read_timeout "5"`},
		{"negative duration", "redis://h?dial_timeout=-1s", `bad dial_timeout "-1s"`},
		{"bad pool size", "redis://h?pool_size=0", `bad pool_size "0"`},
		{"bad min idle", "redis://h?min_idle_conns=x", `bad min_idle_conns "x"`},
		{"repeated parameter", "redis://h?pool_size=1&pool_size=2", `"pool_size" is given more than once`},
		{"sentinel password without sentinel", "redis://h?sentinel_password=" + pw, "sentinel_password is only valid with redis+sentinel://"},
		{"bad query encoding", "redis+sentinel://s/m?sentinel_password=%zz" + pw, "query string is not valid"},
		{"bad password encoding", "redis://:%zz" + pw + "@h", "password is not valid percent-encoding"},
		{"password with unencoded question mark", "redis://:ab?" + pw + "@h:6379", "missing host"},
		{"password with unencoded question mark and colon", "redis://u:s3cr?et@h:6379", `bad port "***"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Options(tt.url)
			if err == nil {
				t.Fatalf("Options(%q) = %+v, want an error", tt.url, o)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			for _, secret := range []string{pw, "s3cr", "s3cr?et"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals the password", err)
				}
			}
			if _, err := Open(context.Background(), tt.url, Settings{}); err == nil || strings.Contains(err.Error(), pw) {
				t.Errorf("Open error = %v, want an error without the password", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	pw := testPassword
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"no credentials", "redis://h:6379/0", "redis://h:6379/0"},
		{"password only", "redis://:" + pw + "@h:6379/1", "redis://:***@h:6379/1"},
		{"user and password", "rediss://app:" + pw + "@h:6380", "rediss://app:***@h:6380"},
		{"user only", "redis://app@h", "redis://app@h"},
		{"password with @ and /", "redis://app:p@ss/w@h:6379/2", "redis://app:***@h:6379/2"},
		{"sentinel password", "redis+sentinel://:" + pw + "@s1,s2/m?sentinel_username=u&sentinel_password=" + pw + "&dial_timeout=1s", "redis+sentinel://:***@s1,s2/m?sentinel_username=u&sentinel_password=***&dial_timeout=1s"},
		{"sentinel password with @", "redis+sentinel://s1/m?sentinel_password=a@b", "redis+sentinel://s1/m?sentinel_password=***"},
		{"encoded key", "redis+sentinel://s1/m?sentinel%5Fpassword=" + pw, "redis+sentinel://s1/m?sentinel%5Fpassword=***"},
		{"password with question mark", "redis://:ab?" + pw + "@h:6379", "redis://***@h:6379"},
		{"no scheme", "app:" + pw + "@h:6379", "***@h:6379"},
		{"not a url", "just text", "just text"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.url)
			if got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.url, got, tt.want)
			}
			if strings.Contains(got, pw) {
				t.Errorf("Redact(%q) = %q reveals the password", tt.url, got)
			}
		})
	}
}
