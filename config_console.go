package main

import (
	"errors"
	"fmt"
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

// validate names a console setting that cannot work.
func (c ConsoleConfig) validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.SessionTTL != 0 && (c.SessionTTL < 5*time.Minute || c.SessionTTL > 7*24*time.Hour) {
		fail("%s %v: want between 5m and 168h", label("session_ttl"), c.SessionTTL)
	}
	if c.ResolutionTarget < 0 || c.ResolutionTarget > 1 {
		fail("%s %v: want a share between 0 and 1", label("resolution_target"), c.ResolutionTarget)
	}
	if c.LoginMaxFailures < 0 || c.LoginMaxFailures > 100 {
		fail("%s %d: want between 1 and 100", label("login_max_failures"), c.LoginMaxFailures)
	}
	if c.LoginWindow < 0 || c.LoginWindow > 24*time.Hour {
		fail("%s %v: want up to 24h", label("login_window"), c.LoginWindow)
	}
	if c.BcryptCost != 0 && (c.BcryptCost < 10 || c.BcryptCost > 16) {
		fail("%s %d: want between 10 and 16", label("bcrypt_cost"), c.BcryptCost)
	}
	return errors.Join(errs...)
}
