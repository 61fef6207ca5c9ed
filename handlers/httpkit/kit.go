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
	"reflect"
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
	errNotJSON   = fault.New(fault.Invalid, "not_json", "Content-Type must be application/json")
	errBadJSON   = fault.New(fault.Invalid, "malformed_json", "request body is not valid JSON")
	errEmptyBody = fault.New(fault.Invalid, "empty_body", "request body is empty")
	errTrailing  = fault.New(fault.Invalid, "malformed_json", "request body has data after the JSON object")
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
			return wrongType(te)
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

// wrongType names the field whose value has the wrong JSON type, and the
// type it must have.
func wrongType(te *json.UnmarshalTypeError) error {
	want, typ := "a string", te.Type
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		want = "a number"
	case reflect.Bool:
		want = "true or false"
	case reflect.Struct, reflect.Map:
		want = "an object"
	}
	if te.Field == "" {
		return fault.New(fault.Invalid, "malformed_json", "the body must be a JSON object")
	}
	return fault.Invalidf("malformed_json", "field %s must be "+want, te.Field)
}
