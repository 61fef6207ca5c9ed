package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"frontdoor/knowledge"
)

// setting is one row of the configuration: its YAML key, its environment
// variable, its default and what it means. The defaults, the loading of
// the environment, the names in validation messages and the README's
// table all come from these rows, so that a setting is written down once.
type setting struct {
	yaml, env string
	// def is the default as a value of the field ("" for none).
	def     string
	meaning string
	// field points into c at the setting's field; nil for the rows that
	// describe structured settings (tenants, channel accounts), which the
	// YAML file holds and config_channels.go applies.
	field func(c *Config) any
}

// settings are the rows of the configuration, in the README's order.
var settings = []setting{
	{"env", "FRONTDOOR_ENV", envDevelopment, "`production` refuses default, example and short (< 16 characters) keys and tokens at start-up, naming the setting; creates no demo WeChat account; keeps `/metrics` off the public listener without a key (see Security)",
		func(c *Config) any { return &c.Env }},
	{"addr", "FRONTDOOR_ADDR", ":8080", "HTTP listen address", func(c *Config) any { return &c.Addr }},
	{"metrics_addr", "FRONTDOOR_METRICS_ADDR", "", "a listener of its own for `/metrics` (e.g. `:9090`, on the internal network); `/metrics` then leaves `FRONTDOOR_ADDR`",
		func(c *Config) any { return &c.MetricsAddr }},
	{"metrics_key", "FRONTDOOR_METRICS_KEY", "", "bearer key `/metrics` asks for on `FRONTDOOR_ADDR`; in production the admin key stands in when unset",
		func(c *Config) any { return &c.MetricsKey }},
	{"redis_url", "REDIS_URL", "", "Redis, Sentinel or Cluster — see below; unset, the server starts its own under `data_dir`",
		func(c *Config) any { return &c.RedisURL }},
	{"redis_prefix", "FRONTDOOR_REDIS_PREFIX", "fd", "first part of every key", func(c *Config) any { return &c.RedisPrefix }},
	{"redis_wait_replicas", "FRONTDOOR_REDIS_WAIT_REPLICAS", "0", "replicas that must hold a reply's writes before the business gets it (Sentinel, or each primary's on a Cluster; not the embedded Redis)",
		func(c *Config) any { return &c.RedisWaitReplicas }},
	{"redis_wait_timeout", "FRONTDOOR_REDIS_WAIT_TIMEOUT", "500ms", "how long a write waits for them; unconfirmed: 503, the write kept for the retry; must be under the URL's `read_timeout`",
		func(c *Config) any { return &c.RedisWaitTimeout }},
	{"redis_autopipeline", "FRONTDOOR_REDIS_AUTOPIPELINE", "true", "send the commands of concurrent requests to Redis together, a batch per round trip; `false` gives each command its own round trip (see Operations)",
		func(c *Config) any { return &c.RedisAutoPipeline }},
	{"data_dir", "FRONTDOOR_DATA_DIR", "var", "embedded Redis files (`var/redis`)", func(c *Config) any { return &c.DataDir }},
	{"seeds_dir", "FRONTDOOR_SEEDS", "seeds", "documents, `catalogue.yaml`, `synonyms.yaml`, `calendar.yaml`; the copy built into the binary when missing",
		func(c *Config) any { return &c.SeedsDir }},
	{"kb_snapshot", "FRONTDOOR_KB_SNAPSHOT", knowledge.SnapshotFile, "the built knowledge base the server starts and reloads from (`frontdoor kb build`), relative to `seeds_dir`; rebuilt and rewritten when a document, the catalogue, the synonyms, the questions, the corpus, the editors' changes or the program change, or when it is damaged; the intent model is kept beside it (`kb_snapshot` + `.intent`) on the same terms; `off` for none",
		func(c *Config) any { return &c.KBSnapshot }},
	{"api_key", "FRONTDOOR_API_KEY", "dev-key", "the demo tenant's key (tenant id `demo`); empty: no demo tenant", func(c *Config) any { return &c.APIKey }},
	{"admin_key", "FRONTDOOR_ADMIN_KEY", "", "bearer key for `POST /api/v1/admin/reload`; empty: no admin endpoints", func(c *Config) any { return &c.AdminKey }},
	{"rate_limit", "FRONTDOOR_RATE_LIMIT", "30/min,burst=10", "per-user token bucket in Redis; `off` disables it", func(c *Config) any { return &c.RateLimit }},
	{"address_rate_limit", "FRONTDOOR_ADDRESS_RATE_LIMIT", "20/min,burst=10", "per-address bucket for the web chat, whose visitors are only a cookie",
		func(c *Config) any { return &c.AddressRateLimit }},
	{"tenant_rate_limit", "FRONTDOOR_TENANT_RATE_LIMIT", "1200/min,burst=300", "per-tenant bucket over every user and channel",
		func(c *Config) any { return &c.TenantRateLimit }},
	{"address_tickets", "FRONTDOOR_ADDRESS_TICKETS", "5", "requests one address may open an hour; past that a ticket opens only with a phone number in the message, and none past twice as many; `0`: no cap",
		func(c *Config) any { return &c.AddressTickets }},
	{"duplicate_window", "FRONTDOOR_DUPLICATE_WINDOW", "10m", "the same complaint from the same address (or user) within this joins the open ticket instead of opening another; `0`: never",
		func(c *Config) any { return &c.DuplicateWindow }},
	{"log_level", "FRONTDOOR_LOG_LEVEL", "info", "debug, info, warn, error", func(c *Config) any { return &c.LogLevel }},
	{"max_body_bytes", "FRONTDOOR_MAX_BODY", "65536", "request body limit", func(c *Config) any { return &c.MaxBodyBytes }},
	{"max_text_runes", "FRONTDOOR_MAX_TEXT", "2000", "message text limit, in characters", func(c *Config) any { return &c.MaxTextRunes }},
	{"read_timeout", "FRONTDOOR_READ_TIMEOUT", "10s", "HTTP server read timeout", func(c *Config) any { return &c.ReadTimeout }},
	{"write_timeout", "FRONTDOOR_WRITE_TIMEOUT", "30s", "HTTP server write timeout (event streams lift it)", func(c *Config) any { return &c.WriteTimeout }},
	{"idle_timeout", "FRONTDOOR_IDLE_TIMEOUT", "120s", "HTTP keep-alive idle timeout", func(c *Config) any { return &c.IdleTimeout }},
	{"shutdown_timeout", "FRONTDOOR_SHUTDOWN_TIMEOUT", "20s", "how long SIGTERM waits for in-flight requests, then for a knowledge-base snapshot being written", func(c *Config) any { return &c.ShutdownTimeout }},
	{"scheduler_interval", "FRONTDOOR_SCHEDULER_INTERVAL", "1s", "how often due clocks are polled", func(c *Config) any { return &c.SchedulerInterval }},
	{"ask_below", "FRONTDOOR_ASK_BELOW", "0.5", "the intent model's confidence under which the bot asks which of the likely intents was meant (2–3 numbered choices) instead of acting on its first guess; `0` never asks",
		func(c *Config) any { return &c.AskBelow }},
	{"item_margin", "FRONTDOOR_ITEM_MARGIN", "0.03", "two items scoring within this share of each other: a policy question is asked which was meant, a complaint goes to the region's dispatcher instead of a guessed unit; `0` never",
		func(c *Config) any { return &c.ItemMargin }},
	{"trusted_proxies", "FRONTDOOR_TRUSTED_PROXIES", "", "proxies whose `X-Forwarded-For` is believed (comma-separated IPs/CIDRs); behind a proxy not listed, every client has its address",
		func(c *Config) any { return &c.TrustedProxies }},
	{"openai_base_url", "OPENAI_BASE_URL", "", "optional OpenAI-compatible model that rewords answers (with `openai_model`); routing, citations and figures always come from the knowledge base; personal data is masked before a request leaves; a 2 s budget and a circuit breaker fall back to the template answer",
		func(c *Config) any { return &c.OpenAIBaseURL }},
	{"openai_api_key", "OPENAI_API_KEY", "", "the model endpoint's key", func(c *Config) any { return &c.OpenAIKey }},
	{"openai_model", "OPENAI_MODEL", "", "the model's name", func(c *Config) any { return &c.OpenAIModel }},
	{"tenants", "", "", "`[{id, name, api_key, region}]`; `region` fixes the region of a tenant's businesses", nil},
	{"wechat", "FRONTDOOR_WECHAT_TOKEN`, `_AES_KEY`, `_APPID`, `_SECRET`, `_REGION", "", "`[{name, token, aes_key, app_id, secret, region, tenant}]`: WeChat Official Accounts at `/wechat/<name>`; the variables set the `demo` account, which outside production exists with the token `dev-token`", nil},
	{"wecom", "FRONTDOOR_WECOM_TOKEN`, `_AES_KEY`, `_CORPID`, `_AGENTID`, `_SECRET`, `_REGION", "", "`[{name, token, aes_key, corp_id, agent_id, secret, region, tenant}]`: WeCom apps at `/wecom/<name>` (encrypted only); the variables set the `demo` app, on once token, AES key and corp id are set", nil},
	{"wechat_api_base", "FRONTDOOR_WECHAT_API_BASE", defaultWeChatAPIBase, "where Official Account pushes and token calls go (tests stand a local server there)",
		func(c *Config) any { return &c.WeChatAPIBase }},
	{"wecom_api_base", "FRONTDOOR_WECOM_API_BASE", defaultWeComAPIBase, "where WeCom pushes and token calls go", func(c *Config) any { return &c.WeComAPIBase }},
	{"reply_budget", "FRONTDOOR_REPLY_BUDGET", "4s", "how long a callback waits for the answer before acknowledging and pushing it instead (the platforms give up at 5 s)",
		func(c *Config) any { return &c.ReplyBudget }},
	{"webchat_tenant", "FRONTDOOR_WEBCHAT_TENANT", demoChannelTenant, "tenant of the web chat at `/chat`", func(c *Config) any { return &c.WebChatTenant }},
	{"session_ttl", "FRONTDOOR_SESSION_TTL", "8h", "console session lifetime, extended by use", func(c *Config) any { return &c.SessionTTL }},
	{"secure_cookies", "FRONTDOOR_SECURE_COOKIES", "false", "force Secure cookies behind a TLS-terminating proxy that does not send `X-Forwarded-Proto`",
		func(c *Config) any { return &c.SecureCookies }},
	{"login_max_failures", "FRONTDOOR_LOGIN_MAX_FAILURES", "5", "failed logins of one name from one address (and 4× as many from one address over all names) before each attempt from there waits longer; the owner can still log in from elsewhere",
		func(c *Config) any { return &c.LoginMaxFailures }},
	{"login_window", "FRONTDOOR_LOGIN_WINDOW", "15m", "the window those failures are counted in", func(c *Config) any { return &c.LoginWindow }},
	{"resolution_target", "FRONTDOOR_RESOLUTION_TARGET", "0.6", "resolution rate the dashboard marks a unit against", func(c *Config) any { return &c.ResolutionTarget }},
	{"bcrypt_cost", "FRONTDOOR_BCRYPT_COST", "10", "password hashing cost", func(c *Config) any { return &c.BcryptCost }},
	{"notify_webhook", "FRONTDOOR_NOTIFY_WEBHOOK", "", "where every alert goes (new ticket or hand-off, return, warning, 一次/二次督办, 问责): WeCom group-robot webhook URLs or `mailto:` addresses, comma-separated; the catalogue's `notify:` adds targets per unit",
		func(c *Config) any { return &c.NotifyWebhook }},
	{"public_url", "FRONTDOOR_PUBLIC_URL", "", "the address staff reach the server at; alerts link to the ticket page under it",
		func(c *Config) any { return &c.PublicURL }},
	{"smtp_url", "FRONTDOOR_SMTP_URL", "", "SMTP server for `mailto:` alert targets: `smtp://[user:pass@]host:port?from=ADDRESS` (STARTTLS when offered)",
		func(c *Config) any { return &c.SMTPURL }},
}

// label names a setting in messages: "addr (FRONTDOOR_ADDR)".
func label(yaml string) string {
	for _, s := range settings {
		if s.yaml == yaml {
			if s.env == "" {
				return yaml
			}
			return yaml + " (" + s.env + ")"
		}
	}
	panic("config: no setting " + yaml) // a typo in this package, caught by its tests
}

// set parses v into the field p points at, naming what it wants when it
// cannot.
func set(p any, v string) error {
	switch p := p.(type) {
	case *string:
		*p = v
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		*p = n
	case *float64:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number like 0.45")
		}
		*p = f
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration like 10s")
		}
		*p = d
	default:
		return fmt.Errorf("config: unsupported field type %T", p)
	}
	return nil
}

// defaults sets every field of c to its row's default.
func (c *Config) defaults() {
	for _, s := range settings {
		if s.field == nil || s.def == "" {
			continue
		}
		if err := set(s.field(c), s.def); err != nil {
			panic("config: default of " + s.yaml + ": " + err.Error()) // caught by this package's tests
		}
	}
}

// applyTable overrides fields from their environment variables.
func (c *Config) applyTable(env func(string) (string, bool)) []error {
	var errs []error
	for _, s := range settings {
		if s.field == nil {
			continue
		}
		if v, ok := env(s.env); ok {
			if err := set(s.field(c), v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", s.env, v, err))
			}
		}
	}
	return errs
}

// markdownTable is the README's configuration table.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | YAML key | default | meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		env, def := "—", "(none)"
		if s.env != "" {
			env = "`" + s.env + "`"
		}
		if s.def != "" {
			def = "`" + s.def + "`"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", env, s.yaml, def, s.meaning)
	}
	return b.String()
}
