package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
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

// handlerFunc is a gin handler that returns its error instead of writing it.
type handlerFunc func(c *gin.Context) error

// wrap is the one error path: a handler's error becomes a JSON response
// through the fault catalogue; anything outside it is our bug, logged and
// answered 500 without details.
func (s *Server) wrap(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

func (s *Server) writeError(c *gin.Context, err error) {
	fe, ok := fault.As(err)
	if !ok {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fe = fault.New(fault.TooLarge, "body_too_large", "request body must be at most "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
		} else {
			s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "request_id", requestID(c), "route", c.FullPath())
			fe = fault.New(fault.Internal, "internal", "internal error")
		}
	}
	if fe.Kind == fault.Unavailable {
		s.log.WarnContext(c.Request.Context(), "dependency unavailable", "err", err, "request_id", requestID(c))
	}
	status := statusOf[fe.Kind]
	if fe.Kind == fault.RateLimited || fe.Kind == fault.Unavailable || fe.RetryAfter > 0 {
		retry := fe.RetryAfter
		if retry <= 0 {
			retry = time.Second
		}
		c.Header("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	}
	if fe.Kind != fault.Internal {
		s.metrics.rejected.WithLabelValues(fe.Code).Inc()
	}
	c.AbortWithStatusJSON(status, errorBody{Error: fault.Clip(fe.Msg, maxErrorRunes), Code: fe.Code, RequestID: requestID(c)})
}
