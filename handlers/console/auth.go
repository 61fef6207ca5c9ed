package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/handlers/httpkit"
)

// loginRequest is the body of POST /api/v1/staff/login.
type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

var errLoginIncomplete = fault.New(fault.Invalid, "login_incomplete", "请输入用户名和密码")

// userView is a user as the API shows it.
type userView struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	RoleText string `json:"role_text"`
	Unit     string `json:"unit,omitempty"`
	Region   string `json:"region,omitempty"`
	Tenant   string `json:"tenant"`
}

func viewUser(u *staff.User) userView {
	return userView{Name: u.Name, Role: string(u.Role), RoleText: u.Role.Chinese(), Unit: u.Unit, Region: u.Region, Tenant: u.Tenant}
}

// apiLogin opens a session: a cookie for the console and a bearer token
// for API clients. POST /api/v1/staff/login.
func (c *console) apiLogin(g *gin.Context) error {
	var req loginRequest
	if err := c.kit.ReadJSON(g, &req); err != nil {
		return err
	}
	sess, u, err := c.login(g, req.Name, req.Password)
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, gin.H{"token": sess.Token, "csrf": sess.CSRF, "expires": sess.Expires, "user": viewUser(u)})
	return nil
}

// login checks the credentials and sets the session cookie.
func (c *console) login(g *gin.Context, name, password string) (*staff.Session, *staff.User, error) {
	name = strings.TrimSpace(name)
	if name == "" || password == "" {
		return nil, nil, errLoginIncomplete
	}
	sess, u, err := c.staff.Login(g.Request.Context(), name, password, g.ClientIP())
	if err != nil {
		c.kit.Log.WarnContext(g.Request.Context(), "console login refused", "code", faultCode(err), "remote", g.ClientIP())
		return nil, nil, err
	}
	c.kit.Log.InfoContext(g.Request.Context(), "console login", "user", u.Name, "role", u.Role, "remote", g.ClientIP())
	c.setSessionCookie(g, sess.Token, c.staff.SessionTTL())
	return sess, u, nil
}

// apiLogout ends the caller's session. POST /api/v1/staff/logout.
func (c *console) apiLogout(g *gin.Context) error {
	p := principalOf(g)
	if err := c.staff.Logout(g.Request.Context(), p.token); err != nil {
		return err
	}
	if p.cookie {
		c.clearSessionCookie(g)
	}
	g.JSON(http.StatusOK, gin.H{"status": "logged_out"})
	return nil
}

// apiMe says who is signed in, with the CSRF token a cookie client needs.
// GET /api/v1/staff/me.
func (c *console) apiMe(g *gin.Context) error {
	p := principalOf(g)
	g.JSON(http.StatusOK, gin.H{"user": viewUser(p.user), "csrf": p.sess.CSRF, "expires": p.sess.Expires})
	return nil
}

// loginData is the login page's content.
type loginData struct {
	Next  string
	Name  string
	Token string
}

// loginPage shows the login form with a fresh double-submit token.
// GET /console/login.
func (c *console) loginPage(g *gin.Context) error {
	if p, err := c.authenticate(g); err == nil {
		g.Redirect(http.StatusSeeOther, homeOf(p.user))
		return nil
	}
	return c.renderLogin(g, http.StatusOK, safeNext(g.Query("next")), "", nil)
}

func (c *console) renderLogin(g *gin.Context, status int, next, name string, err error) error {
	tok := randomString()
	http.SetCookie(g.Writer, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/console/login", MaxAge: 3600,
		HttpOnly: true, Secure: c.secure(g), SameSite: http.SameSiteStrictMode})
	pd := pageData{Title: "登录", Body: loginData{Next: next, Name: name, Token: tok}}
	if err != nil {
		pd.Error = messageOf(err)
		if fe, ok := fault.As(err); ok && fe.RetryAfter > 0 {
			g.Header("Retry-After", httpkit.RetrySeconds(fe.RetryAfter))
		}
	}
	c.render(g, status, "login", pd)
	return nil
}

// loginForm signs a user in from the login page. POST /console/login.
func (c *console) loginForm(g *gin.Context) error {
	c.kit.LimitBody(g)
	name, next := g.PostForm("name"), safeNext(g.PostForm("next"))
	ck, _ := g.Cookie(loginCSRFCookie)
	if ck == "" || subtle.ConstantTimeCompare([]byte(ck), []byte(g.PostForm(csrfField))) != 1 {
		return c.renderLogin(g, http.StatusForbidden, next, name,
			fault.New(fault.Forbidden, "csrf", "登录页面已过期,请重新输入"))
	}
	_, u, err := c.login(g, name, g.PostForm("password"))
	if err != nil {
		status := http.StatusUnauthorized
		if fe, ok := fault.As(err); ok {
			status = httpkit.Status(fe.Kind)
		}
		return c.renderLogin(g, status, next, name, err)
	}
	if next == "" {
		next = homeOf(u)
	}
	g.Redirect(http.StatusSeeOther, next)
	return nil
}

// logoutForm signs the user out. POST /console/logout.
func (c *console) logoutForm(g *gin.Context) error {
	p := principalOf(g)
	if err := c.staff.Logout(g.Request.Context(), p.token); err != nil {
		return err
	}
	c.clearSessionCookie(g)
	g.Redirect(http.StatusSeeOther, "/console/login")
	return nil
}

// homeOf is where a user lands after logging in: managers review the
// dashboard, everyone else works the queue.
func homeOf(u *staff.User) string {
	switch u.Role {
	case staff.RoleManager:
		return "/console/dashboard"
	case staff.RoleEditor:
		return "/console/gaps"
	}
	return "/console/"
}

// safeNext accepts only console paths as a place to return to, so the
// login page cannot be used to send people to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/console/login") {
		return ""
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func faultCode(err error) string {
	if fe, ok := fault.As(err); ok {
		return fe.Code
	}
	return "internal"
}

// tooLargeText is the page's message for a form longer than a request
// may be.
const tooLargeText = "提交的内容太长,请删减后重试"

// messageOf is what a person is told about an error; internal errors say
// nothing about their cause, and a body over the limit, whose fault the
// API words in English, is told in the console's words.
func messageOf(err error) string {
	fe, ok := fault.As(err)
	switch {
	case !ok || fe.Kind == fault.Internal:
		return "系统内部错误,请稍后再试"
	case fe.Kind == fault.TooLarge:
		return tooLargeText
	}
	return fe.Msg
}
