package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/store"
	"frontdoor/handlers/api"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := LoadConfig("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.Addr != ":8080" || c.APIKey != "dev-key" || c.RedisURL != "" || !c.RedisAutoPipeline {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	c, err := LoadConfig("", envOf(map[string]string{
		"FRONTDOOR_ADDR": "127.0.0.1:9000", "REDIS_URL": "redis://10.0.0.1:6380/2", "FRONTDOOR_API_KEY": "k-123456",
		"FRONTDOOR_RATE_LIMIT": "off", "FRONTDOOR_SHUTDOWN_TIMEOUT": "5s", "FRONTDOOR_MAX_TEXT": "500",
		"FRONTDOOR_REDIS_AUTOPIPELINE": "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.RedisURL != "redis://10.0.0.1:6380/2" || c.APIKey != "k-123456" ||
		c.ShutdownTimeout != 5*time.Second || c.MaxTextRunes != 500 || c.RedisAutoPipeline {
		t.Errorf("overrides not applied: %+v", c)
	}
	if r, _, _, _ := c.Limits(); r != (bot.Rate{}) {
		t.Errorf("rate limit off gave %+v", r)
	}
	if c.AllTenants()[0].APIKey != "k-123456" {
		t.Error("demo tenant does not use FRONTDOOR_API_KEY")
	}
}

func TestEnvironmentValueErrors(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"FRONTDOOR_REDIS_AUTOPIPELINE", "sometimes", "FRONTDOOR_REDIS_AUTOPIPELINE=\"sometimes\": want true or false"},
		{"FRONTDOOR_SECURE_COOKIES", "yes please", "FRONTDOOR_SECURE_COOKIES=\"yes please\": want true or false"},
		{"FRONTDOOR_MAX_TEXT", "lots", "FRONTDOOR_MAX_TEXT=\"lots\": not a whole number"},
		{"FRONTDOOR_REDIS_WAIT_TIMEOUT", "soon", "FRONTDOOR_REDIS_WAIT_TIMEOUT=\"soon\": not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig("", envOf(map[string]string{tt.name: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig with %s=%q: error %v, want one containing %q", tt.name, tt.value, err, tt.want)
			}
		})
	}
}

func TestConfigFileAndEnvironment(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(f, []byte("addr: \":7000\"\ntenants:\n  - {id: city, name: 市局, api_key: city-key-1, region: 河池市}\n"), 0o600)
	c, err := LoadConfig(f, envOf(map[string]string{"FRONTDOOR_ADDR": ":7001"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7001" {
		t.Errorf("environment must win over the file: %s", c.Addr)
	}
	if ts := c.AllTenants(); len(ts) != 2 || ts[1].ID != "city" || ts[1].Region != "河池市" {
		t.Errorf("tenants = %+v", ts)
	}
	os.WriteFile(f, []byte("adress: \":7000\"\n"), 0o600)
	if _, err := LoadConfig(f, envOf(nil)); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("unknown key must be refused by name: %v", err)
	}
}

func TestValidateNamesTheBadSetting(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"bad addr", func(c *Config) { c.Addr = "8080" }, "addr (FRONTDOOR_ADDR)"},
		{"bad redis url", func(c *Config) { c.RedisURL = "http://x" }, "redis_url (REDIS_URL)"},
		{"prefix with brace", func(c *Config) { c.RedisPrefix = "f{d" }, "redis_prefix"},
		{"bad rate", func(c *Config) { c.RateLimit = "lots" }, "rate_limit (FRONTDOOR_RATE_LIMIT)"},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, "log_level"},
		{"tiny body", func(c *Config) { c.MaxBodyBytes = 10 }, "max_body_bytes"},
		{"zero timeout", func(c *Config) { c.ReadTimeout = 0 }, "read_timeout"},
		{"duplicate tenant", func(c *Config) {
			c.Tenants = []api.Tenant{{ID: "demo", APIKey: "other-key"}}
		}, "used twice"},
		{"short key", func(c *Config) { c.APIKey = "abc" }, "api_key"},
		{"negative wait replicas", func(c *Config) {
			c.RedisURL, c.RedisWaitReplicas = "redis://r:6379", -1
		}, "redis_wait_replicas (FRONTDOOR_REDIS_WAIT_REPLICAS) -1"},
		{"wait replicas of the embedded redis", func(c *Config) { c.RedisWaitReplicas = 1 }, "embedded Redis has no replicas"},
		{"wait past the read timeout", func(c *Config) {
			c.RedisURL, c.RedisWaitReplicas, c.RedisWaitTimeout = "redis+sentinel://s1/m?read_timeout=1s", 1, time.Second
		}, "redis_wait_timeout (FRONTDOOR_REDIS_WAIT_TIMEOUT) 1s"},
		{"wait past the read timeout on a cluster", func(c *Config) {
			c.RedisURL, c.RedisWaitReplicas, c.RedisWaitTimeout = "redis+cluster://n1:7000,n2:7001?read_timeout=1s", 1, 2*time.Second
		}, "redis_wait_timeout (FRONTDOOR_REDIS_WAIT_TIMEOUT) 2s"},
		{"shared key", func(c *Config) {
			c.Tenants = []api.Tenant{{ID: "b", APIKey: "dev-key"}}
		}, "same key"},
		{"webhook not a URL", func(c *Config) { c.NotifyWebhook = "qyapi.weixin.qq.com/x?key=secret" }, "notify_webhook (FRONTDOOR_NOTIFY_WEBHOOK)"},
		{"webhook key kept out of the message", func(c *Config) { c.NotifyWebhook = "ftp://h/x?key=secret" }, "key=…"},
		{"mailto without smtp", func(c *Config) { c.NotifyWebhook = "mailto:duty@example.gov.cn" }, "needs smtp_url"},
		{"bad smtp url", func(c *Config) { c.SMTPURL = "smtp://mail.example.gov.cn" }, "smtp_url (FRONTDOOR_SMTP_URL)"},
		{"bad public url", func(c *Config) { c.PublicURL = "fd.example.gov.cn" }, "public_url (FRONTDOOR_PUBLIC_URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want mention of %q", err, tt.want)
			}
		})
	}
	c, err := LoadConfig("", envOf(map[string]string{"REDIS_URL": "redis+sentinel://s1,s2/mymaster",
		"FRONTDOOR_REDIS_WAIT_REPLICAS": "1", "FRONTDOOR_REDIS_WAIT_TIMEOUT": "300ms"}))
	if err == nil {
		err = c.Validate()
	}
	if want := (store.Replication{Replicas: 1, Timeout: 300 * time.Millisecond}); err != nil || c.Replication() != want {
		t.Errorf("one replica under Sentinel: %+v, %v; want %+v", c.Replication(), err, want)
	}
	c, err = LoadConfig("", envOf(map[string]string{"REDIS_URL": "redis+cluster://n1:7000,n2:7001",
		"FRONTDOOR_REDIS_WAIT_REPLICAS": "1", "FRONTDOOR_REDIS_WAIT_TIMEOUT": "300ms"}))
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Errorf("one replica per primary of a Cluster: %v", err)
	}
}
