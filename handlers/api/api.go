// Package api is the JSON message API that tenants' systems call: a
// business's message in, the reply out, what was sent later, and the
// operator's reload.
package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/outbox"
	"frontdoor/handlers/httpkit"
	"frontdoor/knowledge"
)

// Tenant is an organisation using the API with its own key.
type Tenant struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	APIKey string `yaml:"api_key"`
	// Region fixes the region for all of the tenant's businesses (optional).
	Region string `yaml:"region"`
}

// Deps configure the message API and the admin endpoint.
type Deps struct {
	Tenants []Tenant
	// Reload reloads documents and catalogue (admin endpoint); nil disables it.
	Reload func(ctx context.Context) (*knowledge.Base, error)
	// AdminKey authorises the admin endpoints ("" disables them).
	AdminKey string
}

var (
	errNoKey     = fault.New(fault.Unauthorized, "missing_api_key", "send the API key as Authorization: Bearer <key>")
	errBadKey    = fault.New(fault.Unauthorized, "bad_api_key", "unknown API key")
	errNoUser    = fault.New(fault.Invalid, "missing_user", "user is required")
	errAdminKey  = fault.New(fault.Unauthorized, "bad_admin_key", "admin key required")
	errNoProfile = fault.New(fault.NotFound, "no_profile", "no profile for this business")
)

// handlers serve the API; their state lives here, not in package variables.
type handlers struct {
	kit      *httpkit.Kit
	engine   *bot.Engine
	tenants  map[string]Tenant // by API key
	reload   func(ctx context.Context) (*knowledge.Base, error)
	adminKey string
}

// Mount registers the API's endpoints.
func Mount(r gin.IRouter, kit *httpkit.Kit, engine *bot.Engine, d Deps) {
	h := &handlers{kit: kit, engine: engine, tenants: map[string]Tenant{}, reload: d.Reload, adminKey: d.AdminKey}
	for _, t := range d.Tenants {
		h.tenants[t.APIKey] = t
	}
	api := r.Group("/api/v1")
	api.POST("/messages", kit.Wrap(h.postMessage))
	api.GET("/messages", kit.Wrap(h.getMessages))
	api.POST("/admin/reload", kit.Wrap(h.adminReload))
	api.PUT("/businesses/:user", kit.Wrap(h.putBusiness))
	api.GET("/businesses/:user", kit.Wrap(h.getBusiness))
}

// tenant authenticates the API key and returns its tenant.
func (h *handlers) tenant(c *gin.Context) (Tenant, error) {
	key, ok := httpkit.Bearer(c)
	if !ok {
		return Tenant{}, errNoKey
	}
	for k, t := range h.tenants {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			return t, nil
		}
	}
	return Tenant{}, errBadKey
}

// MessageRequest is the body of POST /api/v1/messages.
type MessageRequest struct {
	User   string `json:"user"`
	Region string `json:"region"`
	Text   string `json:"text"`
	MsgID  string `json:"msg_id"`
}

// postMessage handles a business's message: POST /api/v1/messages.
func (h *handlers) postMessage(c *gin.Context) error {
	t, err := h.tenant(c)
	if err != nil {
		return err
	}
	var req MessageRequest
	if err := h.kit.ReadJSON(c, &req); err != nil {
		return err
	}
	region := req.Region
	if region == "" {
		region = t.Region
	}
	reply, err := h.engine.Handle(c.Request.Context(), bot.Inbound{Tenant: t.ID, Region: region, User: req.User,
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
func (h *handlers) getMessages(c *gin.Context) error {
	t, err := h.tenant(c)
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
	msgs, cursor, err := h.engine.Outbox().List(c.Request.Context(), t.ID, user, c.Query("after"), limit)
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
func (h *handlers) adminReload(c *gin.Context) error {
	if h.adminKey == "" || h.reload == nil {
		return httpkit.ErrNoRoute
	}
	if !httpkit.Presents(c, h.adminKey) {
		return errAdminKey
	}
	b, err := h.reload(c.Request.Context())
	if err != nil {
		return fault.Wrap(fault.Invalid, "reload_failed", "reload failed, the previous knowledge base stays: "+err.Error(), err)
	}
	c.JSON(http.StatusOK, gin.H{"documents": len(b.Docs), "items": len(b.Items), "problems": b.Problems,
		"build_ms": b.BuildTime.Milliseconds()})
	return nil
}

// putBusiness sets a business's profile from the tenant's system: the
// facts 免申即享 benefits are matched on, and whether it wants to be told
// of new ones. PUT /api/v1/businesses/:user.
func (h *handlers) putBusiness(c *gin.Context) error {
	t, err := h.tenant(c)
	if err != nil {
		return err
	}
	var p bot.Profile
	if err := h.kit.ReadJSON(c, &p); err != nil {
		return err
	}
	if p.Region == "" {
		p.Region = t.Region
	}
	saved, err := h.engine.SetProfile(c.Request.Context(), t.ID, c.Param("user"), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, saved)
	return nil
}

// getBusiness reads a business's profile. GET /api/v1/businesses/:user.
func (h *handlers) getBusiness(c *gin.Context) error {
	t, err := h.tenant(c)
	if err != nil {
		return err
	}
	p, ok, err := h.engine.Profile(c.Request.Context(), t.ID, c.Param("user"))
	if err != nil {
		return err
	}
	if !ok {
		return errNoProfile
	}
	c.JSON(http.StatusOK, p)
	return nil
}
