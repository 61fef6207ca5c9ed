package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ConsoleConfig is the configuration of the staff console and dashboard.
// Zero values take the defaults, so an empty configuration file works.
type ConsoleConfig struct {
	// SessionTTL is how long an idle console session lives; each use
	// extends it (FRONTDOOR_SESSION_TTL, default 8h).
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SecureCookies marks session cookies Secure even when the request
	// does not show it came over TLS (FRONTDOOR_SECURE_COOKIES); needed
	// behind a TLS proxy that does not send X-Forwarded-Proto.
	SecureCookies bool `yaml:"secure_cookies"`
	// ResolutionTarget is the resolution rate below which the dashboard
	// marks a unit (FRONTDOOR_RESOLUTION_TARGET, default 0.6: 河池's ≥ 60%).
	ResolutionTarget float64 `yaml:"resolution_target"`
	// LoginMaxFailures and LoginWindow throttle password guessing: after
	// that many failures within the window of one name from one address,
	// or four times as many from one address over all names, each further
	// attempt from there waits longer (FRONTDOOR_LOGIN_MAX_FAILURES,
	// default 5; FRONTDOOR_LOGIN_WINDOW, default 15m).
	LoginMaxFailures int           `yaml:"login_max_failures"`
	LoginWindow      time.Duration `yaml:"login_window"`
	// BcryptCost is the work factor of new password hashes
	// (FRONTDOOR_BCRYPT_COST, default 10).
	BcryptCost int `yaml:"bcrypt_cost"`
}

// applyEnv overrides the console settings from FRONTDOOR_* variables.
func (c *ConsoleConfig) applyEnv(env func(string) (string, bool)) error {
	var errs []error
	if v, ok := env("FRONTDOOR_SESSION_TTL"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FRONTDOOR_SESSION_TTL=%q: not a duration like 8h", v))
		}
		c.SessionTTL = d
	}
	if v, ok := env("FRONTDOOR_LOGIN_WINDOW"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FRONTDOOR_LOGIN_WINDOW=%q: not a duration like 15m", v))
		}
		c.LoginWindow = d
	}
	errs = append(errs, envBool(env, "FRONTDOOR_SECURE_COOKIES", &c.SecureCookies))
	if v, ok := env("FRONTDOOR_RESOLUTION_TARGET"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("FRONTDOOR_RESOLUTION_TARGET=%q: want a share like 0.6", v))
		}
		c.ResolutionTarget = f
	}
	for name, dst := range map[string]*int{"FRONTDOOR_LOGIN_MAX_FAILURES": &c.LoginMaxFailures, "FRONTDOOR_BCRYPT_COST": &c.BcryptCost} {
		if v, ok := env(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a whole number", name, v))
			}
			*dst = n
		}
	}
	return errors.Join(errs...)
}

// validate names a console setting that cannot work.
func (c ConsoleConfig) validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.SessionTTL != 0 && (c.SessionTTL < 5*time.Minute || c.SessionTTL > 7*24*time.Hour) {
		fail("session_ttl (FRONTDOOR_SESSION_TTL) %v: want between 5m and 168h", c.SessionTTL)
	}
	if c.ResolutionTarget < 0 || c.ResolutionTarget > 1 {
		fail("resolution_target (FRONTDOOR_RESOLUTION_TARGET) %v: want a share between 0 and 1", c.ResolutionTarget)
	}
	if c.LoginMaxFailures < 0 || c.LoginMaxFailures > 100 {
		fail("login_max_failures (FRONTDOOR_LOGIN_MAX_FAILURES) %d: want between 1 and 100", c.LoginMaxFailures)
	}
	if c.LoginWindow < 0 || c.LoginWindow > 24*time.Hour {
		fail("login_window (FRONTDOOR_LOGIN_WINDOW) %v: want up to 24h", c.LoginWindow)
	}
	if c.BcryptCost != 0 && (c.BcryptCost < 10 || c.BcryptCost > 16) {
		fail("bcrypt_cost (FRONTDOOR_BCRYPT_COST) %d: want between 10 and 16", c.BcryptCost)
	}
	return errors.Join(errs...)
}
