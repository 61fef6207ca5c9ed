package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"frontdoor/bot/alert"
	"frontdoor/knowledge"
)

// AlertConfig says who hears of new work and slipping deadlines; each
// field is a row of config_table.go.
type AlertConfig struct {
	NotifyWebhook string `yaml:"notify_webhook"`
	PublicURL     string `yaml:"public_url"`
	SMTPURL       string `yaml:"smtp_url"`
}

// targets are the configured alert targets, comma-separated.
func (c AlertConfig) targets() []string { return commaList(c.NotifyWebhook) }

// validate names an alert setting that cannot work.
func (c AlertConfig) validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, t := range c.targets() {
		switch {
		case !knowledge.ValidTarget(t):
			fail("%s: %q is not an https:// webhook or a mailto: address", label("notify_webhook"), alert.Redact(t))
		case strings.HasPrefix(t, "mailto:") && c.SMTPURL == "":
			fail("%s: %s needs %s", label("notify_webhook"), t, label("smtp_url"))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fail("%s %q: want the server's address, like https://frontdoor.example.gov.cn", label("public_url"), c.PublicURL)
		}
	}
	if c.SMTPURL != "" {
		if _, err := alert.NewMailer(c.SMTPURL); err != nil {
			fail("%s: %v", label("smtp_url"), err)
		}
	}
	return errors.Join(errs...)
}

// alerts is the senders' configuration; validate has passed.
func (c AlertConfig) alerts() alert.Config {
	cfg := alert.Config{Targets: c.targets(), ConsoleURL: c.PublicURL}
	if c.SMTPURL != "" {
		cfg.Mail, _ = alert.NewMailer(c.SMTPURL)
	}
	return cfg
}
