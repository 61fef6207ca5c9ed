package main

import (
	"errors"
	"fmt"
	"time"
)

// ConsoleConfig is the configuration of the staff console and dashboard;
// each field is a row of config_table.go.
type ConsoleConfig struct {
	SessionTTL       time.Duration `yaml:"session_ttl"`
	SecureCookies    bool          `yaml:"secure_cookies"`
	ResolutionTarget float64       `yaml:"resolution_target"`
	LoginMaxFailures int           `yaml:"login_max_failures"`
	LoginWindow      time.Duration `yaml:"login_window"`
	BcryptCost       int           `yaml:"bcrypt_cost"`
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
