package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/report"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
	"frontdoor/handlers/httpkit"
)

// Deps configure the staff console, the staff API and the manager
// dashboard. Without Staff none of them is served.
type Deps struct {
	// Staff keeps users and sessions.
	Staff *staff.Store
	// Feeds carries the engine's ticket announcements to the console's
	// event stream (Redis Pub/Sub); nil turns live updates off.
	Feeds Listener
	// ResolutionTarget marks units below this resolution rate on the
	// dashboard (default 0.6, 河池's 60%).
	ResolutionTarget float64
	// SecureCookies sets the Secure flag on every session cookie, for
	// deployments whose TLS proxy does not send X-Forwarded-Proto.
	SecureCookies bool
	// Done, when closed, ends the console's event streams so that a
	// graceful shutdown is not held up by open consoles.
	Done <-chan struct{}
}

// Listener subscribes to a Pub/Sub channel. The payloads arrive on msgs
// until ctx ends or stop is called; stop must be called either way.
// dial.Conn is one.
type Listener interface {
	Listen(ctx context.Context, channel string) (msgs <-chan string, stop func(), err error)
}

// consoleAssets are the console's templates and static files.
//
//go:embed templates/*.html static/*
var consoleAssets embed.FS

// console serves the staff console, the staff API and the dashboard.
type console struct {
	kit     *httpkit.Kit
	engine  *bot.Engine
	deps    Deps
	staff   *staff.Store
	tickets *ticket.Store
	pages   map[string]*template.Template
	static  http.Handler
}

// Session cookie names: the session itself, and the double-submit token
// that protects the login form (there is no session to tie it to yet).
const (
	sessionCookie    = "fd_console"
	loginCSRFCookie  = "fd_login"
	csrfHeader       = "X-CSRF-Token"
	csrfField        = "csrf"
	principalKey     = "console_principal"
	maxTicketsListed = 500
)

// Mount registers the console, staff API and dashboard endpoints.
func Mount(r gin.IRouter, kit *httpkit.Kit, engine *bot.Engine, d Deps) {
	if d.Staff == nil {
		return
	}
	if d.ResolutionTarget <= 0 {
		d.ResolutionTarget = report.DefaultTarget
	}
	static, _ := fs.Sub(consoleAssets, "static")
	c := &console{kit: kit, engine: engine, deps: d, staff: d.Staff, tickets: engine.Tickets(),
		pages:  parsePages(engine.Tickets().Policy().Calendar().Location()),
		static: http.StripPrefix("/console/static/", http.FileServer(http.FS(static)))}

	api := r.Group("/api/v1")
	api.POST("/staff/login", kit.Wrap(c.apiLogin))
	authed := api.Group("", c.authAPI, c.csrf)
	authed.POST("/staff/logout", kit.Wrap(c.apiLogout))
	authed.GET("/staff/me", kit.Wrap(c.apiMe))
	authed.GET("/staff/tickets", kit.Wrap(c.apiTickets))
	authed.GET("/staff/tickets/:id", kit.Wrap(c.apiTicket))
	authed.POST("/staff/tickets/:id/:action", kit.Wrap(c.apiAction))
	authed.GET("/staff/units", kit.Wrap(c.apiUnits))
	authed.GET("/reports/units", kit.Wrap(c.apiReport))
	authed.GET("/reports/gaps", kit.Wrap(c.apiGaps))
	authed.GET("/reports/items", kit.Wrap(c.apiItems))
	authed.POST("/kb/questions", kit.Wrap(c.apiAddQuestion))
	authed.GET("/kb/edits", kit.Wrap(c.apiEdits))
	authed.GET("/kb/export", kit.Wrap(c.apiExport))
	authed.POST("/kb/items", kit.Wrap(c.apiAddItem))
	authed.POST("/kb/items/:id/retire", kit.Wrap(c.apiRetireItem))
	authed.POST("/kb/synonyms", kit.Wrap(c.apiAddSynonyms))

	con := r.Group("/console", c.pageHeaders)
	con.GET("/static/*file", c.serveStatic)
	con.GET("/login", c.html(c.loginPage))
	con.POST("/login", c.html(c.loginForm))
	con.GET("", func(g *gin.Context) { g.Redirect(http.StatusFound, "/console/") })
	pages := con.Group("", c.authPage, c.csrf)
	pages.GET("/", c.html(c.queuePage))
	pages.GET("/queue", c.html(c.queueFragment))
	pages.GET("/tickets/:id", c.html(c.ticketPage))
	pages.GET("/tickets/:id/live", c.html(c.ticketLive))
	pages.POST("/tickets/:id/:action", c.html(c.ticketForm))
	pages.POST("/logout", c.html(c.logoutForm))
	pages.GET("/dashboard", c.html(c.dashboardPage))
	pages.GET("/dashboard/live", c.html(c.dashboardLive))
	pages.GET("/gaps", c.html(c.gapsPage))
	pages.POST("/kb/questions", c.html(c.gapQuestionForm))
	pages.POST("/kb/synonyms", c.html(c.synonymsForm))
	pages.GET("/events", c.events)
}

// parsePages parses every page with the shared layout, once, at start-up;
// a template error is a build error, so it panics.
func parsePages(loc *time.Location) map[string]*template.Template {
	pages := map[string]*template.Template{}
	funcs := templateFuncs(loc)
	for _, name := range []string{"login", "queue", "ticket", "dashboard", "gaps", "error"} {
		t := template.New(name).Funcs(funcs)
		t = template.Must(t.ParseFS(consoleAssets, "templates/layout.html", "templates/parts.html",
			"templates/"+name+".html"))
		pages[name] = t
	}
	return pages
}

// principal is who is calling: a user, their session, and whether the
// credential was the ambient cookie (which needs a CSRF token to post).
type principal struct {
	user   *staff.User
	sess   *staff.Session
	token  string
	cookie bool
}

func principalOf(g *gin.Context) *principal {
	p, _ := g.Get(principalKey)
	pr, _ := p.(*principal)
	return pr
}

// authenticate finds the caller's session: a bearer token first (API
// clients), else the console cookie.
func (c *console) authenticate(g *gin.Context) (*principal, error) {
	if tok, ok := httpkit.Bearer(g); ok {
		sess, u, err := c.staff.Authenticate(g.Request.Context(), tok)
		if err != nil {
			return nil, err
		}
		return &principal{user: u, sess: sess, token: tok}, nil
	}
	ck, err := g.Cookie(sessionCookie)
	if err != nil || ck == "" {
		return nil, staff.ErrNoSession
	}
	sess, u, err := c.staff.Authenticate(g.Request.Context(), ck)
	if err != nil {
		return nil, err
	}
	return &principal{user: u, sess: sess, token: ck, cookie: true}, nil
}

// authAPI requires a session for the staff API; failures are JSON.
func (c *console) authAPI(g *gin.Context) {
	p, err := c.authenticate(g)
	if err != nil {
		c.kit.WriteError(g, err)
		return
	}
	g.Set(principalKey, p)
	g.Next()
}

// authPage requires a session for console pages; without one the browser
// goes to the login page and comes back afterwards.
func (c *console) authPage(g *gin.Context) {
	p, err := c.authenticate(g)
	if fault.KindOf(err) == fault.Unauthorized {
		if g.Request.Method == http.MethodGet && g.FullPath() != "/console/events" && g.FullPath() != "/console/queue" {
			g.Redirect(http.StatusSeeOther, "/console/login?next="+urlQueryEscape(g.Request.URL.RequestURI()))
			g.Abort()
			return
		}
	}
	if err != nil {
		c.renderError(g, err)
		g.Abort()
		return
	}
	g.Set(principalKey, p)
	g.Next()
}

// csrf refuses state-changing requests authenticated by the cookie unless
// they carry the session's CSRF token (header or form field). Bearer
// tokens are not ambient — a browser never attaches them by itself — so
// API clients need none.
func (c *console) csrf(g *gin.Context) {
	p := principalOf(g)
	if p == nil || !p.cookie || isSafeMethod(g.Request.Method) {
		g.Next()
		return
	}
	if isForm(g) {
		// Parsed here, once, with the body's limit: gin's PostForm would
		// hide a body cut at the limit as an empty form.
		c.kit.LimitBody(g)
		// (ParseMultipartForm reports a urlencoded body's error as "not
		// multipart", so each form is parsed by its own kind.)
		err := g.Request.ParseForm()
		if g.ContentType() == "multipart/form-data" {
			err = g.Request.ParseMultipartForm(c.kit.MaxBody)
		}
		var tooLarge *http.MaxBytesError
		if err != nil && !errors.As(err, &tooLarge) {
			err = fault.New(fault.Invalid, "bad_form", "表单无法解析,请刷新页面后重试")
		}
		if err != nil {
			c.fail(g, err)
			return
		}
	}
	tok := g.GetHeader(csrfHeader)
	if tok == "" && isForm(g) {
		tok = g.PostForm(csrfField)
	}
	if p.sess.CheckCSRF(tok) {
		g.Next()
		return
	}
	c.fail(g, fault.New(fault.Forbidden, "csrf", "缺少或无效的 CSRF 令牌,请刷新页面后重试"))
}

// fail answers a request the middleware refuses: as a page for the
// console's pages, as JSON for the API.
func (c *console) fail(g *gin.Context, err error) {
	if strings.HasPrefix(g.Request.URL.Path, "/console/") {
		c.renderError(g, err)
		g.Abort()
		return
	}
	c.kit.WriteError(g, err)
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func isForm(g *gin.Context) bool {
	ct := g.ContentType()
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

// pageHeaders keep console pages out of caches and frames and allow only
// the console's own scripts and styles.
func (c *console) pageHeaders(g *gin.Context) {
	h := g.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(g.Request.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	g.Next()
}

// serveStatic serves the embedded CSS and JS (files only, no listing).
func (c *console) serveStatic(g *gin.Context) {
	if strings.HasSuffix(g.Param("file"), "/") {
		c.kit.WriteError(g, httpkit.ErrNoRoute)
		return
	}
	g.Header("Cache-Control", "public, max-age=300")
	c.static.ServeHTTP(g.Writer, g.Request)
}

// setSessionCookie gives the browser its session: HttpOnly (no script can
// read it), SameSite=Strict (no other site can make the browser send
// it), Secure whenever the request came over TLS.
func (c *console) setSessionCookie(g *gin.Context, value string, maxAge time.Duration) {
	http.SetCookie(g.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.secure(g), SameSite: http.SameSiteStrictMode})
}

func (c *console) clearSessionCookie(g *gin.Context) {
	http.SetCookie(g.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure(g), SameSite: http.SameSiteStrictMode})
}

// secure reports whether cookies must be Secure: the request came over
// TLS, or through a proxy that says so.
func (c *console) secure(g *gin.Context) bool {
	return c.deps.SecureCookies || g.Request.TLS != nil || strings.EqualFold(g.GetHeader("X-Forwarded-Proto"), "https")
}

// location is the zone times are shown in: the official calendar's.
func (c *console) location() *time.Location { return c.tickets.Policy().Calendar().Location() }
