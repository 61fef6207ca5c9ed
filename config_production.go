package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"frontdoor/handlers"
)

// Deployment environments (FRONTDOOR_ENV).
const (
	envDevelopment = "development"
	envProduction  = "production"
)

// minSecretLen is the shortest key or token production accepts: 16
// characters of `openssl rand -hex 32` and the like. The platforms allow
// WeChat tokens of 3 to 32 characters, so 16 still fits them.
const minSecretLen = 16

// exampleSecrets are the values the README, the demo and the deployment
// templates use; production refuses them however long they are.
var exampleSecrets = []string{"dev-key", "dev-token", "change-me", "changeme", "change_me", "example", "secret", "password"}

// Production reports whether FRONTDOOR_ENV is "production".
func (c Config) Production() bool { return c.Env == envProduction }

// validateProduction refuses, in production, every default, example or
// short key and token: an API key anyone can read in the README lets
// anyone open tickets; a channel token from a template lets anyone forge
// a platform's callback. Each error names the setting to change.
func (c Config) validateProduction() error {
	if !c.Production() {
		return nil
	}
	var errs []error
	check := func(setting, value string, required bool) {
		if value == "" && !required {
			return
		}
		if msg := weakSecret(value); msg != "" {
			errs = append(errs, fmt.Errorf("%s: %s; FRONTDOOR_ENV=production refuses it (make one with `openssl rand -hex 32`)", setting, msg))
		}
	}
	check("api_key (FRONTDOOR_API_KEY)", c.APIKey, false)
	check("admin_key (FRONTDOOR_ADMIN_KEY)", c.AdminKey, false)
	check("metrics_key (FRONTDOOR_METRICS_KEY)", c.MetricsKey, false)
	for i, t := range c.Tenants {
		check(fmt.Sprintf("tenants[%d] (%s).api_key", i, t.ID), t.APIKey, true)
	}
	for i, a := range c.WeChat {
		check(accountSetting("wechat", i, a.Name, "token", "FRONTDOOR_WECHAT_TOKEN"), a.Token, true)
	}
	for i, a := range c.WeCom {
		check(accountSetting("wecom", i, a.Name, "token", "FRONTDOOR_WECOM_TOKEN"), a.Token, true)
	}
	return errors.Join(errs...)
}

// accountSetting names a channel account's setting, with the variable
// that sets it for the demo account.
func accountSetting(channel string, i int, name, field, variable string) string {
	if name == demoChannelAccount {
		return fmt.Sprintf("%s[%d] (%s).%s (%s)", channel, i, name, field, variable)
	}
	return fmt.Sprintf("%s[%d] (%s).%s", channel, i, name, field)
}

// weakSecret says what is wrong with a secret, or "" when nothing is.
func weakSecret(v string) string {
	lower := strings.ToLower(v)
	for _, ex := range exampleSecrets {
		if strings.Contains(lower, ex) {
			return fmt.Sprintf("holds the example value %q", ex)
		}
	}
	if len(v) < minSecretLen {
		return fmt.Sprintf("%d characters, want at least %d", len(v), minSecretLen)
	}
	return ""
}

// metricsAccess is how the main listener serves /metrics: not at all when
// metrics have a listener of their own; behind the metrics key when one
// is set; in production behind the admin key when that is all there is,
// or not at all (with a warning) when there is no key either — production
// never shows its metrics to the internet.
func (c Config) metricsAccess(log *slog.Logger) handlers.MetricsAccess {
	switch {
	case c.MetricsAddr != "":
		return handlers.MetricsAccess{Elsewhere: true}
	case c.MetricsKey != "":
		return handlers.MetricsAccess{Key: c.MetricsKey}
	case !c.Production():
		return handlers.MetricsAccess{}
	case c.AdminKey != "":
		return handlers.MetricsAccess{Key: c.AdminKey}
	}
	log.Warn("metrics are not served: set FRONTDOOR_METRICS_ADDR (a listener of their own) or FRONTDOOR_METRICS_KEY")
	return handlers.MetricsAccess{Elsewhere: true}
}
