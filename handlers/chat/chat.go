// Package chat is the web chat: one page, its script and style, and the
// JSON endpoints the page calls. A visitor is a random id in a cookie.
package chat

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/outbox"
	"frontdoor/handlers/httpkit"
)

// chatFiles are the web chat's page template, script and style sheet,
// built into the binary so the page needs nothing from a CDN.
//
//go:embed index.html chat.js chat.css
var chatFiles embed.FS

const (
	// chatCookie identifies a web-chat visitor. It holds only a random id:
	// the business is whoever holds the cookie, like a WeChat openid.
	chatCookie = "fd_chat"
	// chatCookieAge keeps a visitor's conversation for a year.
	chatCookieAge = 365 * 24 * 3600
	// chatUserPrefix keeps web visitors apart from other channels' users
	// in the same tenant.
	chatUserPrefix = "web-"
	// chatCSP allows the page's own script and style only.
	chatCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// Deps configure the web chat.
type Deps struct {
	// Tenant is the tenant of businesses using the web chat (default "demo").
	Tenant string
}

// webChat serves the browser chat at /chat.
type webChat struct {
	kit    *httpkit.Kit
	engine *bot.Engine
	tenant string
	page   *template.Template
	script []byte
	style  []byte
}

// Mount registers the page and its endpoints. It parses the page template
// once, at start-up; the files are part of the binary, so a failure is a
// build defect and panics.
func Mount(r gin.IRouter, kit *httpkit.Kit, engine *bot.Engine, d Deps) {
	tenant := d.Tenant
	if tenant == "" {
		tenant = "demo"
	}
	w := &webChat{kit: kit, engine: engine, tenant: tenant,
		page: template.Must(template.ParseFS(chatFiles, "index.html"))}
	w.script = chatAsset("chat.js")
	w.style = chatAsset("chat.css")
	w.routes(r)
}

func chatAsset(name string) []byte {
	b, err := chatFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

func (w *webChat) routes(r gin.IRouter) {
	r.GET("/chat", w.show)
	r.GET("/chat/static/chat.js", w.asset("text/javascript; charset=utf-8", w.script))
	r.GET("/chat/static/chat.css", w.asset("text/css; charset=utf-8", w.style))
	r.POST("/chat/api/messages", w.kit.Wrap(w.post))
	r.GET("/chat/api/messages", w.kit.Wrap(w.list))
	r.GET("/chat/api/history", w.kit.Wrap(w.history))
}

// chatPage is the template's data.
type chatPage struct {
	Regions []string
	Welcome string
	// Texts are what the page's script says by itself (bot.WebTexts).
	Texts map[string]string
}

// show renders the page with the regions of the current knowledge base,
// so a reload shows new regions without a restart.
func (w *webChat) show(c *gin.Context) {
	w.visitor(c)
	var buf bytes.Buffer
	data := chatPage{Regions: w.engine.KB().Regions(), Welcome: bot.WebWelcomeText, Texts: bot.WebTexts}
	if err := w.page.Execute(&buf, data); err != nil {
		w.kit.WriteError(c, err)
		return
	}
	chatSecurityHeaders(c)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// asset serves a built-in file; it changes only with the binary.
func (w *webChat) asset(contentType string, body []byte) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, contentType, body)
	}
}

func chatSecurityHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", chatCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Frame-Options", "DENY")
}

// chatRequest is the body of POST /chat/api/messages.
type chatRequest struct {
	Region string `json:"region"`
	Text   string `json:"text"`
	// MsgID makes a resent message idempotent (the page sets one).
	MsgID string `json:"msg_id"`
}

// post handles a visitor's message with the JSON API's validation, error
// mapping and rate limits (the engine applies them). The visitor is only
// a cookie, which a client can drop with every message, so the engine
// also limits the address (as the trusted proxies report it).
func (w *webChat) post(c *gin.Context) error {
	user := w.visitor(c)
	var req chatRequest
	if err := w.kit.ReadJSON(c, &req); err != nil {
		return err
	}
	reply, err := w.engine.Handle(c.Request.Context(), bot.Inbound{Tenant: w.tenant, Region: req.Region, User: user,
		Text: req.Text, MsgID: req.MsgID, Channel: bot.ChannelWeb, Addr: c.ClientIP()})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, reply)
	return nil
}

// list returns what staff and clocks sent the visitor after the cursor.
func (w *webChat) list(c *gin.Context) error {
	user := w.visitor(c)
	msgs, cursor, err := w.engine.Outbox().List(c.Request.Context(), w.tenant, user, c.Query("after"), 100)
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []outbox.Message{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"messages": msgs, "cursor": cursor})
	return nil
}

// history returns the visitor's conversation and open requests, so that
// a reload shows them again. GET /chat/api/history.
func (w *webChat) history(c *gin.Context) error {
	h, err := w.engine.History(c.Request.Context(), w.tenant, w.visitor(c))
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h)
	return nil
}

// visitor returns the engine user of the visitor, giving a new visitor a
// cookie first. The cookie is HttpOnly (scripts never see it) and
// SameSite=Lax, and the API accepts JSON only, so another site cannot
// post in a visitor's name.
func (w *webChat) visitor(c *gin.Context) string {
	if ck, err := c.Request.Cookie(chatCookie); err == nil && validVisitorID(ck.Value) {
		return chatUserPrefix + ck.Value
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: chatCookie, Value: id, Path: "/chat", MaxAge: chatCookieAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"})
	return chatUserPrefix + id
}

// validVisitorID accepts only ids this server issues: 32 lowercase hex
// digits.
func validVisitorID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}
