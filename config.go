package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"frontdoor/bot"
	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/handlers/api"
)

// Config is every setting of the server. Defaults make `make run` work on a
// fresh machine; environment variables override the optional YAML file
// (--config or FRONTDOOR_CONFIG), which holds what does not fit in a
// variable: tenants and channel accounts. Each field's YAML key, variable,
// default and meaning are its row in config_table.go, and only there.
type Config struct {
	Env         string `yaml:"env"`
	Addr        string `yaml:"addr"`
	MetricsAddr string `yaml:"metrics_addr"`
	MetricsKey  string `yaml:"metrics_key"`

	RedisURL          string        `yaml:"redis_url"`
	RedisPrefix       string        `yaml:"redis_prefix"`
	RedisWaitReplicas int           `yaml:"redis_wait_replicas"`
	RedisWaitTimeout  time.Duration `yaml:"redis_wait_timeout"`
	RedisAutoPipeline bool          `yaml:"redis_autopipeline"`
	DataDir           string        `yaml:"data_dir"`
	SeedsDir          string        `yaml:"seeds_dir"`
	KBSnapshot        string        `yaml:"kb_snapshot"`

	APIKey           string        `yaml:"api_key"`
	AdminKey         string        `yaml:"admin_key"`
	RateLimit        string        `yaml:"rate_limit"`
	AddressRateLimit string        `yaml:"address_rate_limit"`
	TenantRateLimit  string        `yaml:"tenant_rate_limit"`
	AddressTickets   int           `yaml:"address_tickets"`
	DuplicateWindow  time.Duration `yaml:"duplicate_window"`

	LogLevel          string        `yaml:"log_level"`
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
	MaxTextRunes      int           `yaml:"max_text_runes"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	SchedulerInterval time.Duration `yaml:"scheduler_interval"`

	OpenAIBaseURL string  `yaml:"openai_base_url"`
	OpenAIKey     string  `yaml:"openai_api_key"`
	OpenAIModel   string  `yaml:"openai_model"`
	AskBelow      float64 `yaml:"ask_below"`
	ItemMargin    float64 `yaml:"item_margin"`

	TrustedProxies string `yaml:"trusted_proxies"`
	// Tenants beyond the demo tenant.
	Tenants []api.Tenant `yaml:"tenants"`

	// ChannelConfig holds the WeChat-style channel accounts (config_channels.go).
	ChannelConfig `yaml:",inline"`
	// ConsoleConfig holds the console's settings (config_console.go).
	ConsoleConfig `yaml:",inline"`
	// AlertConfig says where alerts go (config_alerts.go).
	AlertConfig `yaml:",inline"`

	configFile string
}

// Defaults returns the documented defaults (the rows of config_table.go).
func Defaults() Config {
	var c Config
	c.defaults()
	return c
}

// LoadConfig applies the YAML file (if any) and then the environment on
// top of the defaults.
func LoadConfig(file string, env func(string) (string, bool)) (Config, error) {
	c := Defaults()
	if file == "" {
		file, _ = env("FRONTDOOR_CONFIG")
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("config file %s: %w", file, err)
		}
		c.configFile = file
	}
	return c, c.applyEnv(env)
}

// applyEnv overrides settings from their environment variables (the rows
// of config_table.go), then sets the demo channel accounts'.
func (c *Config) applyEnv(env func(string) (string, bool)) error {
	errs := c.applyTable(env)
	c.ChannelConfig.applyEnv(env, c.Production())
	return errors.Join(errs...)
}

var reRate = regexp.MustCompile(`^(\d+(?:\.\d+)?)/(s|sec|min|h)(?:,burst=(\d+))?$`)

// Limits are the engine's rate limits: per user, per address, per tenant.
func (c Config) Limits() (user, address, tenant bot.Rate, err error) {
	var errs [3]error
	user, errs[0] = parseRate("rate_limit", c.RateLimit)
	address, errs[1] = parseRate("address_rate_limit", c.AddressRateLimit)
	tenant, errs[2] = parseRate("tenant_rate_limit", c.TenantRateLimit)
	return user, address, tenant, errors.Join(errs[:]...)
}

// parseRate reads the setting's rate like "30/min,burst=10" (burst
// defaults to 10); "off" or "" is no limit.
func parseRate(setting, v string) (bot.Rate, error) {
	if v == "off" || v == "" {
		return bot.Rate{}, nil
	}
	m := reRate.FindStringSubmatch(v)
	if m == nil {
		return bot.Rate{}, fmt.Errorf("%s %q: want like 30/min,burst=10 or off", label(setting), v)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "min":
		n /= 60
	case "h":
		n /= 3600
	}
	burst := 10
	if m[3] != "" {
		burst, _ = strconv.Atoi(m[3])
	}
	if n <= 0 || burst <= 0 {
		return bot.Rate{}, fmt.Errorf("%s %q: rate and burst must be positive", label(setting), v)
	}
	return bot.Rate{PerSecond: n, Burst: burst}, nil
}

// validateWait checks the replicas a write waits for against the Redis
// that is to provide them: shape is REDIS_URL's, nil when it is unset or
// invalid (the latter reported as redis_url's error).
func (c Config) validateWait(shape *dial.Shape) error {
	name := label("redis_wait_replicas")
	switch {
	case c.RedisWaitReplicas < 0 || c.RedisWaitReplicas > 16:
		return fmt.Errorf("%s %d: want between 0 and 16", name, c.RedisWaitReplicas)
	case c.RedisWaitReplicas == 0:
		return nil
	case c.RedisURL == "":
		return fmt.Errorf("%s %d: the embedded Redis has no replicas; set REDIS_URL or use 0", name, c.RedisWaitReplicas)
	case shape == nil:
		return nil
	}
	if c.RedisWaitTimeout <= 0 || c.RedisWaitTimeout >= shape.ReadTimeout {
		return fmt.Errorf("%s %v: must be positive and under the Redis read timeout (%v; read_timeout in REDIS_URL)", label("redis_wait_timeout"), c.RedisWaitTimeout, shape.ReadTimeout)
	}
	return nil
}

// Replication is what every write that answers a business waits for.
func (c Config) Replication() store.Replication {
	return store.Replication{Replicas: c.RedisWaitReplicas, Timeout: c.RedisWaitTimeout}
}

// AllTenants lists the demo tenant (when its key is set) and the
// configured ones.
func (c Config) AllTenants() []api.Tenant {
	var out []api.Tenant
	if c.APIKey != "" {
		out = append(out, api.Tenant{ID: "demo", Name: "演示租户", APIKey: c.APIKey})
	}
	return append(out, c.Tenants...)
}

// Validate stops start-up with a message naming the bad setting.
func (c Config) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Env != envDevelopment && c.Env != envProduction {
		fail("%s %q: want development or production", label("env"), c.Env)
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		fail("%s %q: want host:port or :port", label("addr"), c.Addr)
	}
	if _, port, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && (err != nil || port == "") {
		fail("%s %q: want host:port or :port", label("metrics_addr"), c.MetricsAddr)
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		fail("%s %q: must differ from %s", label("metrics_addr"), c.MetricsAddr, label("addr"))
	}
	var shape *dial.Shape
	if c.RedisURL != "" {
		if sh, err := dial.Inspect(c.RedisURL); err != nil {
			fail("%s: %v", label("redis_url"), err)
		} else {
			shape = &sh
		}
	}
	errs = append(errs, c.validateWait(shape))
	if c.RedisPrefix == "" || strings.ContainsAny(c.RedisPrefix, "{} \t\n") {
		fail("%s %q: must be non-empty, without braces or spaces", label("redis_prefix"), c.RedisPrefix)
	}
	if c.RedisURL == "" && c.DataDir == "" {
		fail("%s: required when REDIS_URL is not set (the embedded Redis keeps its files there)", label("data_dir"))
	}
	if (c.OpenAIBaseURL == "") != (c.OpenAIModel == "") {
		fail("%s and %s: set both or neither", label("openai_base_url"), label("openai_model"))
	}
	for _, p := range c.Proxies() {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			fail("%s %q: not an IP address or CIDR", label("trusted_proxies"), p)
		}
	}
	if _, _, _, err := c.Limits(); err != nil {
		errs = append(errs, err)
	}
	if c.AddressTickets < 0 || c.AddressTickets > 10000 {
		fail("%s %d: want between 0 and 10000", label("address_tickets"), c.AddressTickets)
	}
	if c.DuplicateWindow < 0 || c.DuplicateWindow > 24*time.Hour {
		fail("%s %v: want between 0 and 24h", label("duplicate_window"), c.DuplicateWindow)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fail("%s %q: want debug, info, warn or error", label("log_level"), c.LogLevel)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 16<<20 {
		fail("%s %d: want between 1024 and 16777216", label("max_body_bytes"), c.MaxBodyBytes)
	}
	if c.AskBelow < 0 || c.AskBelow >= 1 {
		fail("%s %v: want at least 0 and under 1", label("ask_below"), c.AskBelow)
	}
	if c.ItemMargin < 0 || c.ItemMargin >= 0.5 {
		fail("%s %v: want at least 0 and under 0.5", label("item_margin"), c.ItemMargin)
	}
	if c.MaxTextRunes < 1 || c.MaxTextRunes > 100000 {
		fail("%s %d: want between 1 and 100000", label("max_text_runes"), c.MaxTextRunes)
	}
	for name, d := range map[string]time.Duration{"read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout,
		"idle_timeout": c.IdleTimeout, "shutdown_timeout": c.ShutdownTimeout, "scheduler_interval": c.SchedulerInterval} {
		if d <= 0 {
			fail("%s %v: must be positive", name, d)
		}
	}
	ids, keys := map[string]bool{}, map[string]bool{}
	for i, t := range c.AllTenants() {
		switch {
		case t.ID == "" || strings.ContainsAny(t.ID, "{}: \t"):
			fail("tenants[%d].id %q: required, without braces, colons or spaces", i, t.ID)
		case ids[t.ID]:
			fail("tenants[%d].id %q: used twice (the demo tenant is \"demo\")", i, t.ID)
		case len(t.APIKey) < 6:
			fail("tenants[%d] (%s).api_key: at least 6 characters", i, t.ID)
		case keys[t.APIKey]:
			fail("tenants[%d] (%s).api_key: the same key is given to two tenants", i, t.ID)
		}
		ids[t.ID], keys[t.APIKey] = true, true
	}
	errs = append(errs, c.ChannelConfig.validate(), c.ConsoleConfig.validate(), c.AlertConfig.validate(), c.validateProduction())
	return errors.Join(errs...)
}

// engine is the engine's part of the configuration.
func (c Config) engine() bot.Config {
	user, address, tenant, _ := c.Limits()
	duplicates := c.DuplicateWindow
	if duplicates == 0 {
		duplicates = -1 // the engine's "never"
	}
	regions := map[string]string{}
	for _, t := range c.AllTenants() {
		if t.Region != "" {
			regions[t.ID] = t.Region
		}
	}
	return bot.Config{MaxTextRunes: c.MaxTextRunes, UserRate: user, AddressRate: address, TenantRate: tenant, AddressTickets: c.AddressTickets, DuplicateWindow: duplicates,
		TenantRegions: regions, IntentConfidence: never(c.AskBelow), ItemMargin: never(c.ItemMargin)}
}

// never turns a share the configuration sets to 0 ("never") into what
// the engine reads as never: below any probability or score ratio.
func never(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

// Proxies lists the trusted proxies.
func (c Config) Proxies() []string { return commaList(c.TrustedProxies) }

// commaList splits a comma-separated setting, dropping empty entries.
func commaList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
