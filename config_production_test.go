package main

import (
	"errors"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const strong = "9f86d081884c7d659a2feaa0c55ad015"

// TestProductionRefusesWeakSecrets: with FRONTDOOR_ENV=production every
// default, example or short key and token stops start-up, naming the
// variable; strong ones pass; development keeps its defaults.
func TestProductionRefusesWeakSecrets(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // "" entries: must validate
	}{
		{"defaults", map[string]string{}, []string{"FRONTDOOR_API_KEY"}},
		{"the README's key", map[string]string{"FRONTDOOR_API_KEY": "dev-key"}, []string{"FRONTDOOR_API_KEY", `"dev-key"`}},
		{"the Kubernetes template's key", map[string]string{"FRONTDOOR_API_KEY": "change-me-please"}, []string{"FRONTDOOR_API_KEY", "change-me"}},
		{"a short key", map[string]string{"FRONTDOOR_API_KEY": "k7Qx9"}, []string{"FRONTDOOR_API_KEY", "5 characters"}},
		{"a short admin key", map[string]string{"FRONTDOOR_API_KEY": strong, "FRONTDOOR_ADMIN_KEY": "admin1"}, []string{"FRONTDOOR_ADMIN_KEY"}},
		{"the demo WeChat token", map[string]string{"FRONTDOOR_API_KEY": strong, "FRONTDOOR_WECHAT_TOKEN": "dev-token"}, []string{"FRONTDOOR_WECHAT_TOKEN"}},
		{"a short WeCom token", map[string]string{"FRONTDOOR_API_KEY": strong, "FRONTDOOR_WECOM_TOKEN": "tok",
			"FRONTDOOR_WECOM_AES_KEY": strings.Repeat("a", 43), "FRONTDOOR_WECOM_CORPID": "ww1"}, []string{"FRONTDOOR_WECOM_TOKEN"}},
		{"strong keys", map[string]string{"FRONTDOOR_API_KEY": strong, "FRONTDOOR_ADMIN_KEY": strong + "a"}, nil},
		{"no demo tenant at all", map[string]string{"FRONTDOOR_API_KEY": ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"FRONTDOOR_ENV": "production"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := LoadConfig("", envOf(env))
			if err == nil {
				err = c.Validate()
			}
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("strong settings refused: %v", err)
				}
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want mention of %s", err, w)
				}
			}
			dev := map[string]string{}
			for k, v := range tt.env {
				dev[k] = v
			}
			if c, err := LoadConfig("", envOf(dev)); err != nil || strings.Contains(errString(c.Validate()), "production") {
				t.Errorf("development refused it too: %v %v", err, c.Validate())
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestProductionHasNoDemoChannelAccount: the demo Official Account, and
// with it the README's "dev-token", exists only outside production.
func TestProductionHasNoDemoChannelAccount(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want int
	}{{"development", 1}, {"production", 0}} {
		t.Run(tt.env, func(t *testing.T) {
			c, err := LoadConfig("", envOf(map[string]string{"FRONTDOOR_ENV": tt.env}))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.WeChat) != tt.want {
				t.Errorf("%d WeChat accounts, want %d: %+v", len(c.WeChat), tt.want, c.WeChat)
			}
		})
	}
}

// TestMetricsAccess: production never serves /metrics on the public
// listener without a key.
func TestMetricsAccess(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name          string
		c             Config
		wantKey       string
		wantElsewhere bool
	}{
		{"development", Config{Env: envDevelopment}, "", false},
		{"own listener", Config{Env: envProduction, MetricsAddr: ":9090", AdminKey: strong}, "", true},
		{"metrics key", Config{Env: envDevelopment, MetricsKey: strong}, strong, false},
		{"production falls back to the admin key", Config{Env: envProduction, AdminKey: strong}, strong, false},
		{"production without any key", Config{Env: envProduction}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.metricsAccess(log)
			if got.Key != tt.wantKey || got.Elsewhere != tt.wantElsewhere {
				t.Errorf("metricsAccess = %+v, want key %q elsewhere %v", got, tt.wantKey, tt.wantElsewhere)
			}
		})
	}
}

// TestProductionServerExitsOnDefaults runs the binary as an operator
// would: production with the defaults exits non-zero, at once, naming the
// variable.
func TestProductionServerExitsOnDefaults(t *testing.T) {
	p := opsNewProc(t, "production", map[string]string{"FRONTDOOR_ENV": "production"})
	start := time.Now()
	if err := p.Launch(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		t.Logf("exited after %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second): // a generous bound: it must not be serving
		t.Fatal("frontdoor serve kept running in production with the default API key")
	}
	var exit *exec.ExitError
	if err := p.exitErr(); !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("exit = %v, want a non-zero status", err)
	}
	if out := p.LogTail(20); !strings.Contains(out, "FRONTDOOR_API_KEY") {
		t.Errorf("the message does not name FRONTDOOR_API_KEY:\n%s", out)
	}
}
