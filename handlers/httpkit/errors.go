package httpkit

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
)

// Handler is a gin handler that returns its error instead of writing it.
type Handler func(c *gin.Context) error

// Errors every audience shares.
var (
	ErrNoRoute  = fault.New(fault.NotFound, "not_found", "no such endpoint")
	ErrNoMethod = fault.New(fault.NotAllowed, "method_not_allowed", "method not allowed on this endpoint")
)

// statusOf maps the fault catalogue to HTTP.
var statusOf = map[fault.Kind]int{
	fault.Internal:     http.StatusInternalServerError,
	fault.Invalid:      http.StatusBadRequest,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.Forbidden:    http.StatusForbidden,
	fault.NotFound:     http.StatusNotFound,
	fault.Conflict:     http.StatusConflict,
	fault.TooLarge:     http.StatusRequestEntityTooLarge,
	fault.RateLimited:  http.StatusTooManyRequests,
	fault.Unavailable:  http.StatusServiceUnavailable,
	fault.NotAllowed:   http.StatusMethodNotAllowed,
}

// Status is the HTTP status of an error of kind k, for pages that show an
// error with the status the API would give.
func Status(k fault.Kind) int { return statusOf[k] }

// StatusOf is the HTTP status the API would answer err with: its kind's,
// or 500 for an error outside the catalogue.
func StatusOf(err error) int {
	if fe, ok := fault.As(err); ok {
		return statusOf[fe.Kind]
	}
	return http.StatusInternalServerError
}

// maxErrorRunes bounds an error message, whatever built it: a backstop
// behind fault.Invalidf's quoting, so no body echoes a long input back.
const maxErrorRunes = 200

// errorBody is every error response: a message for people, a stable code
// for programs, and the request id to quote when asking for help.
type errorBody struct {
	Error     string `json:"error"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
}

// Wrap is the one error path: a handler's error becomes a JSON response
// through the fault catalogue; anything outside it is our bug, logged and
// answered 500 without details.
func (k *Kit) Wrap(h Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			k.WriteError(c, err)
		}
	}
}

// WriteError answers err as JSON and ends the request.
func (k *Kit) WriteError(c *gin.Context, err error) {
	fe := k.Fault(c, err)
	if fe.Kind == fault.Unavailable {
		k.Log.WarnContext(c.Request.Context(), "dependency unavailable", "err", err, "request_id", RequestID(c))
	}
	if fe.Kind == fault.RateLimited || fe.Kind == fault.Unavailable || fe.RetryAfter > 0 {
		retry := fe.RetryAfter
		if retry <= 0 {
			retry = time.Second
		}
		c.Header("Retry-After", RetrySeconds(retry))
	}
	if fe.Kind != fault.Internal {
		k.metrics.rejected.WithLabelValues(fe.Code).Inc()
	}
	c.AbortWithStatusJSON(statusOf[fe.Kind], errorBody{Error: fault.Clip(fe.Msg, maxErrorRunes), Code: fe.Code, RequestID: RequestID(c)})
}

// Fault places err in the catalogue: a fault as it is, an oversized body
// as TooLarge, anything else as an internal error, logged here once with
// its cause and answered without it.
func (k *Kit) Fault(c *gin.Context, err error) *fault.Error {
	if fe, ok := fault.As(err); ok {
		return fe
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.New(fault.TooLarge, "body_too_large", "request body must be at most "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	k.Log.ErrorContext(c.Request.Context(), "request failed", "err", err, "request_id", RequestID(c), "route", c.FullPath())
	return fault.New(fault.Internal, "internal", "internal error")
}

// RetrySeconds is d as a Retry-After value: whole seconds, at least one.
func RetrySeconds(d time.Duration) string {
	n := int64((d + time.Second - 1) / time.Second)
	if n < 1 {
		n = 1
	}
	return strconv.FormatInt(n, 10)
}
