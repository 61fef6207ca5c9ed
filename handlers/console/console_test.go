package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdoor/handlers"
	"frontdoor/handlers/console"
	"frontdoor/handlers/handlertest"

	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/ticket"
)

const (
	staffPassword = "pass-word-1"
	zhaoyang      = "朝阳区"
	marketUnit    = "市市场监管局朝阳分局"
	complaintText = "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"
)

// consoleServer is the real router with the console, a real engine and a
// real Redis.
type consoleServer struct {
	*httptest.Server
	env   *bottest.Env
	staff *staff.Store
}

func newConsoleServer(t *testing.T, opts bottest.Options) *consoleServer {
	t.Helper()
	ts := handlertest.New(t, opts, func(d *handlers.Deps, env *bottest.Env) {
		d.Console = console.Deps{Staff: env.Staff, Feeds: dial.Wrap(env.Redis)}
	})
	return &consoleServer{Server: ts.Server, env: ts.Env, staff: ts.Env.Staff}
}

// addUser creates a console user with the test password.
func (cs *consoleServer) addUser(t *testing.T, u staff.User) {
	t.Helper()
	if u.Tenant == "" {
		u.Tenant = "demo"
	}
	if _, err := u.Validate(cs.env.KB); err != nil {
		t.Fatalf("user %s: %v", u.Name, err)
	}
	if err := cs.staff.Add(context.Background(), u, staffPassword); err != nil {
		t.Fatalf("add %s: %v", u.Name, err)
	}
}

// complaint sends a business's complaint and returns its ticket id.
func (cs *consoleServer) complaint(t *testing.T, user, region, text string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"user": user, "region": region, "text": text})
	resp := cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil)
	var out struct {
		Ticket *struct {
			ID string `json:"id"`
		} `json:"ticket"`
	}
	decode(t, resp, &out)
	if out.Ticket == nil {
		t.Fatalf("complaint opened no ticket")
	}
	return out.Ticket.ID
}

// request sends a request with a bearer token (or none) and extra headers.
func (cs *consoleServer) request(t *testing.T, method, path, token, ctype string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, cs.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout: 30 * time.Second}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// session is a logged-in API client.
type session struct {
	Token string `json:"token"`
	CSRF  string `json:"csrf"`
	User  struct {
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"user"`
	cookie *http.Cookie
}

func (cs *consoleServer) login(t *testing.T, name string) *session {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name, "password": staffPassword})
	resp := cs.request(t, "POST", "/api/v1/staff/login", "", "application/json", b, nil)
	var s session
	decode(t, resp, &s)
	for _, c := range resp.Cookies() {
		if c.Name == console.SessionCookie {
			s.cookie = c
		}
	}
	if s.Token == "" || s.cookie == nil {
		t.Fatalf("login %s: no token or cookie", name)
	}
	return &s
}

// status sends a request as a session's bearer and returns the status.
func (cs *consoleServer) status(t *testing.T, s *session, method, path string, body any) int {
	t.Helper()
	var raw []byte
	ctype := ""
	if body != nil {
		raw, _ = json.Marshal(body)
		ctype = "application/json"
	}
	return cs.request(t, method, path, s.Token, ctype, raw, nil).StatusCode
}

// ticketIDs lists the ids GET /api/v1/staff/tickets shows a session.
func (cs *consoleServer) ticketIDs(t *testing.T, s *session) []string {
	t.Helper()
	var out struct {
		Tickets []console.TicketView `json:"tickets"`
	}
	decode(t, cs.request(t, "GET", "/api/v1/staff/tickets", s.Token, "", nil, nil), &out)
	var ids []string
	for _, tk := range out.Tickets {
		ids = append(ids, tk.ID)
	}
	return ids
}

// staffFixture is a server with the users every access test needs.
func staffFixture(t *testing.T, opts bottest.Options) *consoleServer {
	cs := newConsoleServer(t, opts)
	for _, u := range []staff.User{
		{Name: "market", Role: staff.RoleStaff, Unit: marketUnit, Region: zhaoyang},
		{Name: "other", Role: staff.RoleStaff, Unit: "区人社局", Region: zhaoyang},
		{Name: "hgt", Role: staff.RoleStaff, Unit: marketUnit, Region: "红谷滩区"},
		{Name: "boss", Role: staff.RoleManager, Region: zhaoyang},
		{Name: "hgtboss", Role: staff.RoleManager, Region: "红谷滩区"},
		{Name: "root", Role: staff.RoleAdmin},
	} {
		cs.addUser(t, u)
	}
	return cs
}

func TestStaffAccess(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-1", zhaoyang, complaintText)
	sessions := map[string]*session{}
	for _, n := range []string{"market", "other", "hgt", "boss", "hgtboss", "root"} {
		sessions[n] = cs.login(t, n)
	}
	tests := []struct {
		name     string
		user     string
		method   string
		path     string
		body     any
		want     int
		wantList bool
	}{
		{"owner unit opens it", "market", "GET", "/api/v1/staff/tickets/" + id, nil, 200, true},
		{"another unit cannot open it", "other", "GET", "/api/v1/staff/tickets/" + id, nil, 404, false},
		{"another unit cannot claim it", "other", "POST", "/api/v1/staff/tickets/" + id + "/claim", nil, 404, false},
		{"another unit cannot reply", "other", "POST", "/api/v1/staff/tickets/" + id + "/reply", map[string]string{"text": "hi"}, 404, false},
		{"same unit name, other region", "hgt", "GET", "/api/v1/staff/tickets/" + id, nil, 404, false},
		{"manager of the region", "boss", "GET", "/api/v1/staff/tickets/" + id, nil, 200, true},
		{"manager of another region", "hgtboss", "GET", "/api/v1/staff/tickets/" + id, nil, 404, false},
		{"admin", "root", "GET", "/api/v1/staff/tickets/" + id, nil, 200, true},
		{"unknown id is the same 404", "market", "GET", "/api/v1/staff/tickets/YH20990101-0001", nil, 404, true},
		{"staff cannot read reports", "market", "GET", "/api/v1/reports/units?region=" + url.QueryEscape(zhaoyang), nil, 403, true},
		{"staff cannot open the dashboard", "market", "GET", "/console/dashboard", nil, 403, true},
		{"manager reads own region's report", "boss", "GET", "/api/v1/reports/units", nil, 200, true},
		{"manager cannot read another region's", "boss", "GET", "/api/v1/reports/units?region=" + url.QueryEscape("红谷滩区"), nil, 403, true},
		{"manager opens the dashboard", "boss", "GET", "/console/dashboard", nil, 200, true},
		{"admin reads any region", "root", "GET", "/api/v1/reports/units?region=" + url.QueryEscape("红谷滩区"), nil, 200, true},
		{"owner unit claims it", "market", "POST", "/api/v1/staff/tickets/" + id + "/claim", nil, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sessions[tt.user]
			var code int
			if strings.HasPrefix(tt.path, "/console/") {
				code = cs.request(t, tt.method, tt.path, "", "", nil, map[string]string{"Cookie": s.cookie.String()}).StatusCode
			} else {
				code = cs.status(t, s, tt.method, tt.path, tt.body)
			}
			if code != tt.want {
				t.Errorf("%s %s as %s = %d, want %d", tt.method, tt.path, tt.user, code, tt.want)
			}
			if strings.Contains(tt.path, id) {
				listed := strings.Contains(strings.Join(cs.ticketIDs(t, s), ","), id)
				if listed != tt.wantList {
					t.Errorf("%s lists the ticket = %v, want %v", tt.user, listed, tt.wantList)
				}
			}
		})
	}
	t.Run("no session", func(t *testing.T) {
		if code := cs.request(t, "GET", "/api/v1/staff/tickets", "", "", nil, nil).StatusCode; code != 401 {
			t.Errorf("no session = %d, want 401", code)
		}
		if code := cs.request(t, "GET", "/api/v1/staff/tickets", "forged-token", "", nil, nil).StatusCode; code != 401 {
			t.Errorf("forged token = %d, want 401", code)
		}
		resp := cs.request(t, "GET", "/console/", "", "", nil, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
			t.Errorf("console without session = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestHandoffsReachTheRegionsStaff: a hand-off goes to the region's desk
// and every staff member of the region sees it; staff of another region
// do not.
func TestHandoffsReachTheRegionsStaff(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	b, _ := json.Marshal(map[string]string{"user": "biz-h", "region": zhaoyang, "text": "不想跟机器人聊了,帮我转人工客服"})
	var out struct {
		Handoff bool `json:"handoff"`
		Ticket  struct {
			ID string `json:"id"`
		} `json:"ticket"`
	}
	decode(t, cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil), &out)
	if !out.Handoff {
		t.Fatalf("not a hand-off: %+v", out)
	}
	for user, want := range map[string]bool{"market": true, "other": true, "boss": true, "hgt": false} {
		ids := strings.Join(cs.ticketIDs(t, cs.login(t, user)), ",")
		if strings.Contains(ids, out.Ticket.ID) != want {
			t.Errorf("%s sees the hand-off = %v, want %v", user, !want, want)
		}
	}
}

func TestStaffActions(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-2", zhaoyang, complaintText)
	market := cs.login(t, "market")
	base := "/api/v1/staff/tickets/" + id
	act := func(t *testing.T, action string, body any) (int, map[string]any) {
		t.Helper()
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		resp := cs.request(t, "POST", base+"/"+action, market.Token, "application/json", raw, nil)
		var out map[string]any
		data, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(data, &out)
		return resp.StatusCode, out
	}
	tests := []struct {
		name     string
		action   string
		body     any
		want     int
		wantCode string
	}{
		{"empty reply", "reply", map[string]string{"text": "  "}, 400, "empty_reply"},
		{"reply of the wrong type", "reply", map[string]any{"text": 5}, 400, "malformed_json"},
		{"transfer without a reason", "transfer", map[string]string{"unit": "区人社局"}, 400, "transfer_incomplete"},
		{"transfer to a unit the region lacks", "transfer", map[string]string{"unit": "火星局", "reason": "x"}, 400, "unknown_unit"},
		{"pause without a reason", "pause", map[string]string{}, 400, "pause_reason"},
		{"resolve without a summary", "resolve", map[string]string{}, 400, "summary_required"},
		{"unknown action", "explode", map[string]string{}, 404, "not_found"},
		{"claim", "claim", nil, 200, ""},
		{"reply", "reply", map[string]string{"text": "您好,我是市场监管分局,已核实抽查情况。"}, 200, ""},
		{"note", "note", map[string]string{"text": "企业上次抽查记录在系统里"}, 200, ""},
		{"pause", "pause", map[string]string{"reason": "等待企业补充材料"}, 200, ""},
		{"pause twice", "pause", map[string]string{"reason": "again"}, 409, "already_paused"},
		{"resume", "resume", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := act(t, tt.action, tt.body)
			if code != tt.want || tt.wantCode != "" && out["code"] != tt.wantCode {
				t.Errorf("%s = %d %v, want %d %s", tt.action, code, out, tt.want, tt.wantCode)
			}
		})
	}
	t.Run("the reply reached the business", func(t *testing.T) {
		msgs, _, err := cs.env.Outbox.List(context.Background(), "demo", "biz-2", "", 10)
		if err != nil || len(msgs) != 1 || msgs[0].From != "staff" || !strings.Contains(msgs[0].Text, "已核实") {
			t.Errorf("outbox = %+v, %v", msgs, err)
		}
	})
	t.Run("detail shows thread, delivery and item", func(t *testing.T) {
		var d struct {
			Ticket console.TicketView  `json:"ticket"`
			Events []console.EventView `json:"events"`
			Item   *console.ItemView   `json:"item"`
			Units  []string            `json:"transfer_units"`
		}
		decode(t, cs.request(t, "GET", base, market.Token, "", nil, nil), &d)
		var types []string
		for _, e := range d.Events {
			types = append(types, e.Type)
			if e.Type == ticket.EvReply && e.Delivery != "sent" {
				t.Errorf("reply delivery = %q", e.Delivery)
			}
		}
		for _, want := range []string{"opened", "claimed", "reply", "note", "paused", "resumed"} {
			if !strings.Contains(strings.Join(types, ","), want) {
				t.Errorf("events %v lack %s", types, want)
			}
		}
		if d.Item == nil || len(d.Item.Lead) == 0 || d.Item.Doc == "" {
			t.Errorf("cited item = %+v", d.Item)
		}
		if d.Ticket.ClaimedBy != "market" || len(d.Ticket.Clocks) < 2 || d.Ticket.Clocks[0].State != console.StateMet {
			t.Errorf("ticket = %+v", d.Ticket)
		}
		if !strings.Contains(strings.Join(d.Units, ","), "区人社局") {
			t.Errorf("transfer units lack 区人社局: %v", d.Units)
		}
	})
	t.Run("transfer moves it to the other unit", func(t *testing.T) {
		if code, out := act(t, "transfer", map[string]string{"unit": "区人社局", "reason": "属人社局职责"}); code != 200 {
			t.Fatalf("transfer = %d %v", code, out)
		}
		if code := cs.status(t, market, "GET", base, nil); code != 404 {
			t.Errorf("old unit after transfer = %d, want 404", code)
		}
		other := cs.login(t, "other")
		if code := cs.status(t, other, "POST", base+"/resolve", map[string]string{"summary": "已协调,今后按信用等级抽查"}); code != 200 {
			t.Errorf("new unit resolves = %d", code)
		}
		msgs, _, _ := cs.env.Outbox.List(context.Background(), "demo", "biz-2", "", 10)
		if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "已办结") {
			t.Errorf("business was not told of the resolution: %+v", msgs)
		}
	})
}

// TestCSRF: cookie-authenticated posts need the session's token; bearer
// calls do not.
func TestCSRF(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-3", zhaoyang, complaintText)
	s := cs.login(t, "market")
	cookie := map[string]string{"Cookie": s.cookie.String()}
	withToken := map[string]string{"Cookie": s.cookie.String(), console.CSRFHeader: s.CSRF}
	form := func(v url.Values) []byte { return []byte(v.Encode()) }
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		path   string
		token  string
		ctype  string
		body   []byte
		hdr    map[string]string
		want   int
		action string
	}{
		{"cookie form without token", "/console/tickets/" + id + "/note", "", formType, form(url.Values{"text": {"x"}}), cookie, 403, ""},
		{"cookie form with a wrong token", "/console/tickets/" + id + "/note", "", formType, form(url.Values{"text": {"x"}, "csrf": {"nope"}}), cookie, 403, ""},
		{"cookie JSON without header", "/api/v1/staff/tickets/" + id + "/claim", "", "application/json", []byte(`{}`), cookie, 403, ""},
		{"logout form without token", "/console/logout", "", formType, nil, cookie, 403, ""},
		{"cookie form that does not parse", "/console/tickets/" + id + "/note", "", formType, []byte("text=%zz&csrf=" + s.CSRF), cookie, 400, ""},
		{"cookie form with token", "/console/tickets/" + id + "/note", "", formType, form(url.Values{"text": {"备注"}, "csrf": {s.CSRF}}), cookie, 303, "note"},
		{"cookie JSON with header", "/api/v1/staff/tickets/" + id + "/claim", "", "application/json", []byte(`{}`), withToken, 200, ""},
		{"bearer needs no token", "/api/v1/staff/tickets/" + id + "/note", s.Token, "application/json", []byte(`{"text":"y"}`), nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := cs.request(t, "POST", tt.path, tt.token, tt.ctype, tt.body, tt.hdr)
			if resp.StatusCode != tt.want {
				raw, _ := io.ReadAll(resp.Body)
				t.Errorf("= %d, want %d: %.200s", resp.StatusCode, tt.want, raw)
			}
			if tt.action != "" && !strings.Contains(resp.Header.Get("Location"), "done="+tt.action) {
				t.Errorf("redirect = %q", resp.Header.Get("Location"))
			}
		})
	}
	t.Run("login form needs its own token", func(t *testing.T) {
		resp := cs.request(t, "POST", "/console/login", "", formType,
			form(url.Values{"name": {"market"}, "password": {staffPassword}}), nil)
		if resp.StatusCode != 403 {
			t.Errorf("login without token = %d", resp.StatusCode)
		}
	})
}

// TestLoginThrottled: repeated bad logins are slowed with 429 and
// Retry-After, and the answer never says whether the name exists.
func TestLoginThrottled(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	try := func(name, pw string) *http.Response {
		b, _ := json.Marshal(map[string]string{"name": name, "password": pw})
		return cs.request(t, "POST", "/api/v1/staff/login", "", "application/json", b, nil)
	}
	var known, unknown map[string]any
	_ = json.NewDecoder(try("market", "wrong-password").Body).Decode(&known)
	_ = json.NewDecoder(try("nobody-here", "wrong-password").Body).Decode(&unknown)
	if known["error"] != unknown["error"] || known["code"] != unknown["code"] {
		t.Errorf("failures differ: %v vs %v", known, unknown)
	}
	// five failures of this name from this address (one above, four here)
	// lock the pair out
	for i := 0; i < 4; i++ {
		if code := try("market", "wrong-password").StatusCode; code != 401 {
			t.Fatalf("failure %d = %d", i+2, code)
		}
	}
	var last int
	for i := 0; i < 3; i++ {
		resp := try("market", staffPassword)
		retry := resp.Header.Get("Retry-After")
		n, _ := strconv.Atoi(retry)
		if resp.StatusCode != http.StatusTooManyRequests || n <= last {
			t.Fatalf("attempt %d after 5 failures = %d Retry-After %q (previous %d)", i+1, resp.StatusCode, retry, last)
		}
		last = n
	}
	t.Run("the login page is slowed too", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: noRedirect.CheckRedirect}
		page, err := c.Get(cs.URL + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		tok := hiddenValue(string(body), "csrf")
		resp, err := c.PostForm(cs.URL+"/console/login", url.Values{"name": {"market"}, "password": {staffPassword}, "csrf": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("login page = %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

// hiddenValue finds a hidden input's value in a page.
func hiddenValue(page, name string) string {
	marker := `name="` + name + `" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		return ""
	}
	rest := page[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

func TestSessionExpiry(t *testing.T) {
	cs := staffFixture(t, bottest.Options{Now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)})
	s := cs.login(t, "market")
	cs.env.Clock.Advance(7 * time.Hour)
	if code := cs.status(t, s, "GET", "/api/v1/staff/tickets", nil); code != 200 {
		t.Fatalf("within 8 h = %d", code)
	}
	cs.env.Clock.Advance(7 * time.Hour) // 14 h after login, 7 h after last use
	if code := cs.status(t, s, "GET", "/api/v1/staff/tickets", nil); code != 200 {
		t.Fatalf("sliding expiry: %d", code)
	}
	cs.env.Clock.Advance(8*time.Hour + time.Second)
	if code := cs.status(t, s, "GET", "/api/v1/staff/tickets", nil); code != 401 {
		t.Errorf("after 8 idle hours = %d, want 401", code)
	}
	resp := cs.request(t, "GET", "/console/", "", "", nil, map[string]string{"Cookie": s.cookie.String()})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("console with an expired cookie = %d", resp.StatusCode)
	}
}

func TestDisabledUser(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	s := cs.login(t, "market")
	if err := cs.staff.SetDisabled(context.Background(), "market", true); err != nil {
		t.Fatal(err)
	}
	if code := cs.status(t, s, "GET", "/api/v1/staff/tickets", nil); code != 401 {
		t.Errorf("disabled user's session = %d, want 401", code)
	}
	b, _ := json.Marshal(map[string]string{"name": "market", "password": staffPassword})
	if code := cs.request(t, "POST", "/api/v1/staff/login", "", "application/json", b, nil).StatusCode; code != 403 {
		t.Errorf("disabled login = %d, want 403", code)
	}
}

func TestLoginCookieFlags(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	tests := []struct {
		name       string
		proto      string
		wantSecure bool
	}{
		{"plain http", "", false},
		{"behind a TLS proxy", "https", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]string{"name": "root", "password": staffPassword})
			resp := cs.request(t, "POST", "/api/v1/staff/login", "", "application/json", b,
				map[string]string{"X-Forwarded-Proto": tt.proto})
			raw := resp.Header.Get("Set-Cookie")
			if !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Strict") ||
				strings.Contains(raw, "Secure") != tt.wantSecure {
				t.Errorf("Set-Cookie = %q", raw)
			}
		})
	}
	t.Run("logout ends the token", func(t *testing.T) {
		s := cs.login(t, "root")
		if code := cs.status(t, s, "POST", "/api/v1/staff/logout", nil); code != 200 {
			t.Fatalf("logout = %d", code)
		}
		if code := cs.status(t, s, "GET", "/api/v1/staff/me", nil); code != 401 {
			t.Errorf("after logout = %d", code)
		}
	})
}

// TestConsolePages renders each page for the people who use it.
func TestConsolePages(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-4", zhaoyang, complaintText)
	market, boss := cs.login(t, "market"), cs.login(t, "boss")
	tests := []struct {
		name  string
		s     *session
		path  string
		want  int
		wants []string
	}{
		{"queue", market, "/console/", 200, []string{id, "工单队列", "准时", marketUnit}},
		{"queue filtered away", market, "/console/?kind=handoff", 200, []string{"暂无"}},
		{"queue bad filter", market, "/console/?status=weird", 400, []string{"status"}},
		{"queue fragment", market, "/console/queue", 200, []string{id}},
		{"ticket", market, "/console/tickets/" + id, 200, []string{id, "对话记录", "依据条款", "牵头单位", "接单", "首次响应", "办结时限"}},
		{"another region's manager gets 404", cs.login(t, "hgtboss"), "/console/tickets/" + id, 404, []string{"无法完成"}},
		{"dashboard", boss, "/console/dashboard", 200, []string{"管理看板", marketUnit, "<svg", "导出 CSV", "合计"}},
		{"dashboard bad date", boss, "/console/dashboard?from=someday", 400, []string{"from"}},
		{"static css", market, "/console/static/console.css", 200, []string{"--brand"}},
		{"no static listing", market, "/console/static/", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := cs.request(t, "GET", tt.path, "", "", nil, map[string]string{"Cookie": tt.s.cookie.String()})
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("= %d, want %d: %.300s", resp.StatusCode, tt.want, raw)
			}
			for _, w := range tt.wants {
				if !strings.Contains(string(raw), w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.HasPrefix(tt.path, "/console/") && !strings.Contains(tt.path, "static") &&
				resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("no CSP on %s", tt.path)
			}
		})
	}
}

// TestTicketFormErrors: a refused action shows the ticket again with the
// reason; another unit's ticket is not found.
func TestTicketFormErrors(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-5", zhaoyang, complaintText)
	tests := []struct {
		name   string
		user   string
		action string
		form   url.Values
		want   int
		wants  string
	}{
		{"transfer without a reason", "market", "transfer", url.Values{"unit": {"区人社局"}}, 400, "转办需要"},
		{"reply without text", "market", "reply", url.Values{"text": {" "}}, 400, "答复内容不能为空"},
		{"unknown action", "market", "explode", url.Values{}, 404, "无法完成"},
		{"another unit's ticket", "other", "claim", url.Values{}, 404, "无法完成"},
		{"claim", "market", "claim", url.Values{}, 303, ""},
		{"claimed by someone else", "boss", "claim", url.Values{}, 409, "已由 market 接单"},
		{"a note larger than a request may be", "market", "note", url.Values{"text": {strings.Repeat("长", 1<<20)}}, 413, "提交的内容太长"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cs.login(t, tt.user)
			tt.form.Set("csrf", s.CSRF)
			resp := cs.request(t, "POST", "/console/tickets/"+id+"/"+tt.action, "", "application/x-www-form-urlencoded",
				[]byte(tt.form.Encode()), map[string]string{"Cookie": s.cookie.String()})
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || !strings.Contains(string(raw), tt.wants) {
				t.Errorf("= %d, want %d with %q: %.300s", resp.StatusCode, tt.want, tt.wants, raw)
			}
		})
	}
}

// TestEventStream: a console hears about new tickets it may see, and only
// those.
func TestEventStream(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	s := cs.login(t, "other") // 区人社局
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := cs.events(t, ctx, s)
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitFor := func(prefix string) {
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended before %q", prefix)
				}
				if strings.HasPrefix(l, prefix) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no %q", prefix)
			}
		}
	}
	waitFor(": connected")
	tk := func(units []string) string {
		tkt, _, err := cs.env.Tickets.Open(ctx, ticket.Request{Tenant: "demo", Region: zhaoyang, User: "biz-sse",
			Kind: ticket.Complaint, Text: "测试", Units: units})
		if err != nil {
			t.Fatal(err)
		}
		return tkt.ID
	}
	hidden := tk([]string{marketUnit})
	cs.announceForTest(t, hidden)
	visible := tk([]string{"区人社局"})
	cs.announceForTest(t, visible)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, hidden) {
				t.Fatalf("heard about another unit's ticket: %s", l)
			}
			if strings.HasPrefix(l, "data:") && strings.Contains(l, visible) {
				return
			}
		case <-ctx.Done():
			t.Fatal("never heard about its own unit's ticket")
		}
	}
}

// TestEventStreamEndsWithItsSession: an open event stream stops within a
// second of its session's end — a logout (here through the API token, as
// another tab or replica would) or the user's disabling — not at the next
// heartbeat, 20 s on.
func TestEventStreamEndsWithItsSession(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	ends := []struct {
		user string
		end  func(t *testing.T, s *session)
	}{
		{"other", func(t *testing.T, s *session) {
			if code := cs.status(t, s, "POST", "/api/v1/staff/logout", nil); code != 200 {
				t.Fatalf("logout = %d", code)
			}
		}},
		{"market", func(t *testing.T, _ *session) {
			if err := cs.staff.SetDisabled(context.Background(), "market", true); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, e := range ends {
		t.Run(e.user, func(t *testing.T) {
			s := cs.login(t, e.user)
			// well under the heartbeat: only the session check can end it in time
			ctx, cancel := context.WithTimeout(context.Background(), console.SSEHeartbeat/4)
			defer cancel()
			resp := cs.events(t, ctx, s)
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			if l, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "retry:") {
				t.Fatalf("stream opened with %q, %v", l, err)
			}
			e.end(t, s)
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Fatalf("the stream outlived its session: %v", err)
			}
		})
	}
}

// events opens the console's event stream for a session, until ctx ends.
func (cs *consoleServer) events(t *testing.T, ctx context.Context, s *session) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", cs.URL+"/console/events", nil)
	req.Header.Set("Cookie", s.cookie.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp
}

// announceForTest publishes a ticket's announcement as the engine does.
func (cs *consoleServer) announceForTest(t *testing.T, id string) {
	t.Helper()
	tk, err := cs.env.Tickets.Get(context.Background(), "demo", id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"tenant": tk.Tenant, "ticket": tk.ID, "event": "opened", "region": tk.Region,
		"units": tk.Units, "desk": tk.Desk, "kind": tk.Kind})
	if err := cs.env.Redis.Publish(context.Background(), cs.env.Engine.AnnounceChannel("demo"), b).Err(); err != nil {
		t.Fatal(err)
	}
}
