package handlers

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/outbox"
)

var (
	errNoKey      = fault.New(fault.Unauthorized, "missing_api_key", "send the API key as Authorization: Bearer <key>")
	errBadKey     = fault.New(fault.Unauthorized, "bad_api_key", "unknown API key")
	errNotJSON    = fault.New(fault.Invalid, "not_json", "Content-Type must be application/json")
	errBadJSON    = fault.New(fault.Invalid, "malformed_json", "request body is not valid JSON")
	errNoUser     = fault.New(fault.Invalid, "missing_user", "user is required")
	errAdminOff   = fault.New(fault.NotFound, "not_found", "no such endpoint")
	errAdminKey   = fault.New(fault.Unauthorized, "bad_admin_key", "admin key required")
	errEmptyBody  = fault.New(fault.Invalid, "empty_body", "request body is empty")
	errTrailing   = fault.New(fault.Invalid, "malformed_json", "request body has data after the JSON object")
	errWrongTypes = fault.New(fault.Invalid, "malformed_json", "user, region, text and msg_id must be strings")
)

// tenant authenticates the API key and returns its tenant.
func (s *Server) tenant(c *gin.Context) (Tenant, error) {
	key, ok := bearer(c.GetHeader("Authorization"))
	if !ok {
		return Tenant{}, errNoKey
	}
	for k, t := range s.tenants {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			return t, nil
		}
	}
	return Tenant{}, errBadKey
}

// presents reports whether the request carries key as its bearer token,
// compared in constant time.
func presents(c *gin.Context, key string) bool {
	got, ok := bearer(c.GetHeader("Authorization"))
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(key)) == 1
}

func bearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// messageRequest is the body of POST /api/v1/messages.
type messageRequest struct {
	User   string `json:"user"`
	Region string `json:"region"`
	Text   string `json:"text"`
	MsgID  string `json:"msg_id"`
}

// readJSON decodes a size-limited JSON body into v.
func (s *Server) readJSON(c *gin.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return errNotJSON
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBody))
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

// postMessage handles a business's message: POST /api/v1/messages.
func (s *Server) postMessage(c *gin.Context) error {
	t, err := s.tenant(c)
	if err != nil {
		return err
	}
	var req messageRequest
	if err := s.readJSON(c, &req); err != nil {
		return err
	}
	region := req.Region
	if region == "" {
		region = t.Region
	}
	reply, err := s.engine.Handle(c.Request.Context(), bot.Inbound{Tenant: t.ID, Region: region, User: req.User,
		Text: req.Text, MsgID: req.MsgID, Channel: bot.ChannelAPI})
	if err != nil {
		return err
	}
	body, err := reply.JSON()
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	return nil
}

// getMessages lists what was sent to a user outside direct replies:
// GET /api/v1/messages?user=U&after=CURSOR.
func (s *Server) getMessages(c *gin.Context) error {
	t, err := s.tenant(c)
	if err != nil {
		return err
	}
	user := c.Query("user")
	if strings.TrimSpace(user) == "" {
		return errNoUser
	}
	if len(user) > 128 {
		return fault.Invalidf("user_too_long", "user must be at most 128 bytes")
	}
	limit := int64(100)
	if l := c.Query("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 1 || n > 500 {
			return fault.Invalidf("bad_limit", "limit must be a number from 1 to 500")
		}
		limit = n
	}
	msgs, cursor, err := s.engine.Outbox().List(c.Request.Context(), t.ID, user, c.Query("after"), limit)
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []outbox.Message{}
	}
	c.JSON(http.StatusOK, gin.H{"messages": msgs, "cursor": cursor})
	return nil
}

// adminReload reloads documents and catalogue: POST /api/v1/admin/reload.
func (s *Server) adminReload(c *gin.Context) error {
	if s.adminKey == "" || s.reload == nil {
		return errAdminOff
	}
	if !presents(c, s.adminKey) {
		return errAdminKey
	}
	b, err := s.reload(c.Request.Context())
	if err != nil {
		return fault.Wrap(fault.Invalid, "reload_failed", "reload failed, the previous knowledge base stays: "+err.Error(), err)
	}
	c.JSON(http.StatusOK, gin.H{"documents": len(b.Docs), "items": len(b.Items), "problems": b.Problems,
		"build_ms": b.BuildTime.Milliseconds()})
	return nil
}
