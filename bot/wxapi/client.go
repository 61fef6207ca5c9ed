// Package wxapi calls the platforms' server APIs for configured accounts:
// the WeChat Official Account customer-service message and the WeCom app
// message. Their access tokens live in Redis, shared by every replica and
// refreshed by one replica at a time, because both platforms limit how
// often a token may be fetched and a fresh token can invalidate the old one.
//
// Errors never carry the access token, the app secret or a request URL
// (which holds the token), so they are safe to log and to record on
// tickets.
package wxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/store"
)

// DefaultTimeout bounds every platform call: a push that takes longer is
// better reported as failed than left holding a goroutine.
const DefaultTimeout = 5 * time.Second

// maxResponse caps a platform response; real ones are well under 1 KiB.
const maxResponse = 1 << 20

// ErrUndeliverable means the platform refused a message for this user for
// reasons a retry will not fix soon: the 48-hour customer-service window is
// closed, the quota of messages is used up, or the user cannot be reached.
// Callers record it on the ticket or outbox instead of retrying.
var ErrUndeliverable = bot.ErrUndeliverable

// ErrUnknownAccount means no API credentials are configured for the account
// a push names.
var ErrUnknownAccount = errors.New("wxapi: no API credentials for this account")

// APIError is an error code returned by a platform API.
type APIError struct {
	// Op names the endpoint, like "custom/send".
	Op string
	// Code is the platform's errcode.
	Code int
	// Msg is the platform's errmsg, shortened.
	Msg string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("wxapi: %s: errcode %d: %s", e.Op, e.Code, e.Msg)
	if e.undeliverable() {
		s += " (undeliverable)"
	}
	return s
}

// Is makes errors.Is(err, ErrUndeliverable) true for the codes that mean
// the user cannot be reached now.
func (e *APIError) Is(target error) bool {
	return target == ErrUndeliverable && e.undeliverable()
}

func (e *APIError) undeliverable() bool {
	switch e.Code {
	case 45015, // Official Account: outside the 48-hour reply window
		45047, // Official Account: too many messages without a user reply
		43004, // Official Account: the user does not follow the account
		40003, // Official Account: the openid does not belong to the account
		81013: // WeCom: no valid recipient
		return true
	}
	return false
}

// tokenRejected reports the codes that mean the access token is no longer
// valid: the cached token must be dropped and fetched again.
func tokenRejected(code int) bool {
	return code == 40001 || code == 42001 || code == 40014
}

// Deps are what a client needs besides its account's settings.
type Deps struct {
	// Redis holds the shared access-token cache.
	Redis store.Client
	// Keys names the cache keys (under the global hash tag).
	Keys store.Keys
	// HTTP is the client for platform calls (default: DefaultTimeout).
	HTTP *http.Client
	// Logger gets token refreshes and refresh failures.
	Logger *slog.Logger
	// Now is the clock for token expiry (default time.Now).
	Now func() time.Time
}

func (d *Deps) defaults() {
	if d.HTTP == nil {
		d.HTTP = NewHTTPClient()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
}

// NewHTTPClient returns an HTTP client with DefaultTimeout, for sharing
// between the clients of several accounts.
func NewHTTPClient() *http.Client { return &http.Client{Timeout: DefaultTimeout} }

// apiResult is the union of the response fields the endpoints use.
type apiResult struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	InvalidUser string `json:"invaliduser"`
}

// err turns a non-zero errcode into an *APIError.
func (r apiResult) err(op string) error {
	if r.ErrCode == 0 {
		return nil
	}
	return &APIError{Op: op, Code: r.ErrCode, Msg: shorten(r.ErrMsg)}
}

// shorten keeps errmsg readable in logs and ticket events.
func shorten(s string) string {
	const max = 160
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return s[:i] + "…"
		}
	}
	return ""
}

// caller makes bounded JSON calls to one platform.
type caller struct {
	http *http.Client
	base string
}

// endpoint joins the base URL and a path, with query parameters.
func (c caller) endpoint(path string, q url.Values) string {
	u := strings.TrimRight(c.base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// call sends one request and decodes the JSON answer. body nil means GET.
func (c caller) call(ctx context.Context, op, u string, body any) (apiResult, error) {
	method, reader := http.MethodGet, io.Reader(nil)
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return apiResult{}, fmt.Errorf("wxapi: %s: %w", op, err)
		}
		method, reader = http.MethodPost, bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reader)
	if err != nil {
		return apiResult{}, fmt.Errorf("wxapi: %s: bad request", op)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return apiResult{}, fmt.Errorf("wxapi: %s: %w", op, withoutURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	switch {
	case err != nil:
		return apiResult{}, fmt.Errorf("wxapi: %s: reading response: %w", op, withoutURL(err))
	case resp.StatusCode != http.StatusOK:
		return apiResult{}, fmt.Errorf("wxapi: %s: HTTP %d", op, resp.StatusCode)
	case len(data) > maxResponse:
		return apiResult{}, fmt.Errorf("wxapi: %s: response larger than %d bytes", op, maxResponse)
	}
	var r apiResult
	if err := json.Unmarshal(data, &r); err != nil {
		return apiResult{}, fmt.Errorf("wxapi: %s: response is not the expected JSON", op)
	}
	return r, nil
}

// withoutURL drops the request URL from transport errors: it carries the
// access token (and for WeCom's gettoken, the secret).
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// sendWithToken posts payload to path with the cached access token; when
// the platform says the token is no longer valid it drops it, fetches a
// new one and tries once more.
func sendWithToken(ctx context.Context, c caller, tokens *tokenCache, op, path string, payload any) (apiResult, error) {
	for attempt := 0; ; attempt++ {
		tok, err := tokens.get(ctx)
		if err != nil {
			return apiResult{}, err
		}
		r, err := c.call(ctx, op, c.endpoint(path, url.Values{"access_token": {tok}}), payload)
		if err != nil {
			return apiResult{}, err
		}
		if tokenRejected(r.ErrCode) && attempt == 0 {
			tokens.invalidate(ctx, tok)
			continue
		}
		return r, r.err(op)
	}
}
