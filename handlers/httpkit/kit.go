// Package httpkit is what every audience's handlers share: the one error
// path from the fault catalogue to JSON, size-limited JSON bodies, bearer
// credentials, request ids, panic recovery and the HTTP metrics.
package httpkit

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot/fault"
)

// Kit carries what the shared helpers need; one serves the whole router.
type Kit struct {
	Log *slog.Logger
	// MaxBody caps request bodies.
	MaxBody int64
	metrics *httpMetrics
}

// New builds the kit and registers the HTTP metrics with reg.
func New(log *slog.Logger, reg prometheus.Registerer, maxBody int64) *Kit {
	return &Kit{Log: log, MaxBody: maxBody, metrics: newHTTPMetrics(reg)}
}

var (
	errNotJSON    = fault.New(fault.Invalid, "not_json", "Content-Type must be application/json")
	errBadJSON    = fault.New(fault.Invalid, "malformed_json", "request body is not valid JSON")
	errEmptyBody  = fault.New(fault.Invalid, "empty_body", "request body is empty")
	errTrailing   = fault.New(fault.Invalid, "malformed_json", "request body has data after the JSON object")
	errWrongTypes = fault.New(fault.Invalid, "malformed_json", "user, region, text and msg_id must be strings")
)

// ReadJSON decodes a size-limited JSON body into v.
func (k *Kit) ReadJSON(c *gin.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return errNotJSON
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, k.MaxBody))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errWrongTypes
		}
		return errBadJSON
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

// LimitBody caps the request body before a form is parsed.
func (k *Kit) LimitBody(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, k.MaxBody)
}

// Bearer returns the token of an "Authorization: Bearer <token>" header.
func Bearer(c *gin.Context) (string, bool) {
	const p = "Bearer "
	h := c.GetHeader("Authorization")
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// Presents reports whether the request carries key as its bearer token,
// compared in constant time.
func Presents(c *gin.Context, key string) bool {
	got, ok := Bearer(c)
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(key)) == 1
}
