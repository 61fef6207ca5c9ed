package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/desk"
	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/wxproto"
	"frontdoor/knowledge"
)

// Test accounts. The AES keys are the platforms' documentation samples.
const (
	wxTestToken  = "test-token"
	wxTestAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	wxTestAppID  = "wx0123456789abcdef"
	wxTestSecret = "oa-secret-never-logged"
	wxTestGhID   = "gh_0123456789ab"
	wcTestToken  = "wecom-token"
	wcTestAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	wcTestCorpID = "ww0123456789abcdef"
	wcTestAgent  = "1000002"
	wcTestSecret = "wecom-secret-never-logged"

	// Questions with known outcomes on the shipped seeds.
	wxPolicyQuestion = "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?" // 葛店 item 5: 3个工作日
	wxComplaintText  = "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"
	wxPolicyFigure   = "3个工作日"
	// wxSlowQuestion is a 葛店 policy question the tests make slow with a
	// slowPhraser on wxSlowMarker.
	wxSlowQuestion = "新厂房要接自来水,听说有当天报当天通水的?需要满足啥条件"
	wxSlowMarker   = "自来水"
)

// wxPlatform stands in for api.weixin.qq.com and qyapi.weixin.qq.com: it
// hands out access tokens and records the messages pushed through it.
type wxPlatform struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
	issued  int
	valid   string
	sent    []wxSent
	// failNext answers the next send with this errcode (once).
	failNext int
	// failAlways answers every send with this errcode.
	failAlways int
}

// wxSent is one message the platform accepted.
type wxSent struct {
	Path, ToUser, Content, Token string
	AgentID                      int64
}

func newWxPlatform(t testing.TB) *wxPlatform {
	p := &wxPlatform{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", p.stableToken)
	mux.HandleFunc("GET /cgi-bin/gettoken", p.getToken)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", p.send)
	mux.HandleFunc("POST /cgi-bin/message/send", p.send)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func (p *wxPlatform) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType string `json:"grant_type"`
		AppID     string `json:"appid"`
		Secret    string `json:"secret"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.GrantType != "client_credential" || req.AppID != wxTestAppID ||
		req.Secret != wxTestSecret {
		writeJSON(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	writeJSON(w, p.token())
}

func (p *wxPlatform) getToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("corpid") != wcTestCorpID || q.Get("corpsecret") != wcTestSecret {
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
		return
	}
	writeJSON(w, p.token())
}

// token returns the valid token, issuing a new one when there is none
// (like the stable-token endpoint: the same token while it is valid).
func (p *wxPlatform) token() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches++
	if p.valid == "" {
		p.issued++
		p.valid = fmt.Sprintf("token-%d", p.issued)
	}
	return map[string]any{"access_token": p.valid, "expires_in": 7200}
}

func (p *wxPlatform) send(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		AgentID int64  `json:"agentid"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.MsgType != "text" {
		writeJSON(w, map[string]any{"errcode": 44002, "errmsg": "bad body"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tok := r.URL.Query().Get("access_token")
	switch {
	case tok == "" || tok != p.valid:
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
	case p.failNext != 0:
		code := p.failNext
		p.failNext = 0
		if code == 40001 {
			p.valid = "" // the token was revoked: the next fetch issues another
		}
		writeJSON(w, map[string]any{"errcode": code, "errmsg": "injected"})
	case p.failAlways != 0:
		writeJSON(w, map[string]any{"errcode": p.failAlways, "errmsg": "injected"})
	default:
		p.sent = append(p.sent, wxSent{Path: r.URL.Path, ToUser: req.ToUser, Content: req.Text.Content, Token: tok,
			AgentID: req.AgentID})
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (p *wxPlatform) messages() []wxSent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]wxSent(nil), p.sent...)
}

func (p *wxPlatform) tokenFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

func (p *wxPlatform) set(fn func(p *wxPlatform)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// waitSent waits until the platform has accepted n messages.
func (p *wxPlatform) waitSent(t testing.TB, n int) []wxSent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := p.messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("platform received %d pushes, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowPhraser makes answers to questions containing marker slow, the way a
// language model can be.
type slowPhraser struct {
	marker string
	delay  time.Duration
}

func (p slowPhraser) Phrase(ctx context.Context, question string, _ []*knowledge.Item, _ func(*knowledge.Item) string, draft string) (string, error) {
	if strings.Contains(question, p.marker) {
		select {
		case <-time.After(p.delay):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return draft, nil
}

// chOptions tune a channel test server.
type chOptions struct {
	budget  time.Duration
	config  bot.Config
	phraser bot.Phraser
	// replicas is how many servers share the engine and Redis (default 1).
	replicas int
	// budgets gives each replica a budget of its own (and sets replicas).
	budgets []time.Duration
	// redis replaces the shared test Redis (for outage tests).
	redis redis.UniversalClient
	// replication is what every write that answers waits for.
	replication store.Replication
}

// chServer is the real router with channel accounts, a real engine on a
// real Redis, and the platform stand-in behind the pushers.
type chServer struct {
	env      *bottest.Env
	platform *wxPlatform
	servers  []*Server
	http     *httptest.Server
}

// newChannelServer builds the accounts:
//
//	wechat demo  葛店开发区, AES key, can push
//	wechat cy    朝阳区,    AES key, can push
//	wechat hgt   红谷滩区,  AES key, can push
//	wechat plain 葛店开发区, plaintext only, cannot push
//	wecom  demo  葛店开发区, can push
func newChannelServer(t testing.TB, o chOptions) *chServer {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	platform := newWxPlatform(t)
	rdb, keys := storetest.Client(t) // the token cache
	cmds, err := dial.Commands(rdb, true)
	if err != nil {
		t.Fatal(err)
	}
	deps := wxapi.Deps{Redis: cmds, Keys: keys, Logger: quietLogger()}
	oa := wxapi.NewOfficialAccount(wxapi.OAConfig{AppID: wxTestAppID, Secret: wxTestSecret, BaseURL: platform.URL}, deps)
	wc, err := wxapi.NewWeCom(wxapi.WeComConfig{CorpID: wcTestCorpID, AgentID: wcTestAgent, Secret: wcTestSecret,
		BaseURL: platform.URL}, deps)
	if err != nil {
		t.Fatal(err)
	}
	pushers := map[string]bot.Pusher{
		bot.ChannelWeChat: wxapi.NewPusher(map[string]wxapi.Sender{"demo": oa, "cy": oa, "hgt": oa}),
		bot.ChannelWeCom:  wxapi.NewPusher(map[string]wxapi.Sender{"demo": wc}),
	}
	env := bottest.New(t, bottest.Options{Config: o.config, Pushers: pushers, Phraser: o.phraser, Redis: o.redis,
		Replication: o.replication})
	cd := ChannelDeps{
		WeChat: []wxapi.WeChatAccount{
			{Name: "demo", Token: wxTestToken, AESKey: wxTestAESKey, AppID: wxTestAppID, Region: "葛店开发区", Tenant: "demo"},
			{Name: "cy", Token: wxTestToken, AESKey: wxTestAESKey, AppID: wxTestAppID, Region: "朝阳区", Tenant: "demo"},
			{Name: "hgt", Token: wxTestToken, AESKey: wxTestAESKey, AppID: wxTestAppID, Region: "红谷滩区", Tenant: "demo"},
			{Name: "plain", Token: wxTestToken, Region: "葛店开发区", Tenant: "demo"},
		},
		WeCom: []wxapi.WeComAccount{{Name: "demo", Token: wcTestToken, AESKey: wcTestAESKey, CorpID: wcTestCorpID,
			AgentID: wcTestAgent, Region: "葛店开发区", Tenant: "demo"}},
	}
	cs := &chServer{env: env, platform: platform}
	if len(o.budgets) == 0 {
		for range max(o.replicas, 1) {
			o.budgets = append(o.budgets, o.budget)
		}
	}
	for _, budget := range o.budgets {
		reg := prometheus.NewRegistry()
		cd.Desk = desk.New(budget, desk.Deps{Engine: env.Engine, Redis: env.Commands, Keys: env.Keys, Pushers: pushers,
			Registry: reg, Logger: quietLogger()})
		cs.servers = append(cs.servers, New(Deps{Engine: env.Engine, Tenants: []Tenant{{ID: "demo", APIKey: testKey}},
			Registry: reg, Logger: quietLogger(), ChannelDeps: cd}))
	}
	cs.http = httptest.NewServer(cs.servers[0].Handler())
	t.Cleanup(cs.http.Close)
	return cs
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// tickets lists the demo tenant's tickets.
func (cs *chServer) tickets(t testing.TB) []*ticket.Ticket {
	t.Helper()
	ts, err := cs.env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// wxCall is one callback as the platform sends it.
type wxCall struct {
	method  string
	path    string
	query   url.Values
	body    []byte
	replica int
}

// wxResult is the server's answer.
type wxResult struct {
	status int
	body   []byte
}

// serve runs a call through a replica's router in-process.
func (cs *chServer) serve(c wxCall) wxResult {
	req := httptest.NewRequest(c.method, c.path+"?"+c.query.Encode(), bytes.NewReader(c.body))
	req.Header.Set("Content-Type", "text/xml")
	rec := httptest.NewRecorder()
	cs.servers[c.replica%len(cs.servers)].Handler().ServeHTTP(rec, req)
	return wxResult{status: rec.Code, body: rec.Body.Bytes()}
}

// overHTTP runs a call against the running server.
func (cs *chServer) overHTTP(t testing.TB, c wxCall) wxResult {
	t.Helper()
	req, err := http.NewRequest(c.method, cs.http.URL+c.path+"?"+c.query.Encode(), bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return wxResult{status: resp.StatusCode, body: body}
}

var wxNonce atomic.Int64

// signedQuery is the query of a plaintext callback: signature over
// (token, timestamp, nonce).
func signedQuery(token string, at time.Time) url.Values {
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := strconv.FormatInt(wxNonce.Add(1)+100000, 10)
	return url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wxproto.Sign(token, ts, nonce)},
		"openid": {"o-user"}}
}

// oaPlain is a plaintext-mode Official Account callback.
func oaPlain(account string, body []byte) wxCall {
	return wxCall{method: http.MethodPost, path: "/wechat/" + account, query: signedQuery(wxTestToken, time.Now()), body: body}
}

// oaSafe is a safe-mode callback: the body is only the encrypted envelope.
func oaSafe(t testing.TB, account string, msg []byte) wxCall {
	t.Helper()
	return oaEncrypted(t, account, msg, false)
}

// oaCompatible is a compatible-mode callback: the plaintext fields and
// their encrypted copy in one body.
func oaCompatible(t testing.TB, account string, msg []byte) wxCall {
	t.Helper()
	return oaEncrypted(t, account, msg, true)
}

func oaEncrypted(t testing.TB, account string, msg []byte, withPlain bool) wxCall {
	t.Helper()
	enc := mustEncrypt(t, wxTestAESKey, wxTestAppID, msg)
	q := signedQuery(wxTestToken, time.Now())
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", wxproto.Sign(wxTestToken, q.Get("timestamp"), q.Get("nonce"), enc))
	body := "<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	if withPlain {
		inner := strings.TrimSuffix(strings.TrimPrefix(string(msg), "<xml>"), "</xml>")
		inner = strings.Replace(inner, "<ToUserName><![CDATA["+wxTestGhID+"]]></ToUserName>", "", 1)
		body = "<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName>" + inner +
			"<Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	}
	return wxCall{method: http.MethodPost, path: "/wechat/" + account, query: q, body: []byte(body)}
}

// wecomPost is a WeCom app callback.
func wecomPost(t testing.TB, account string, msg []byte) wxCall {
	t.Helper()
	enc := mustEncrypt(t, wcTestAESKey, wcTestCorpID, msg)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(wxNonce.Add(1)+100000, 10)
	q := url.Values{"msg_signature": {wxproto.Sign(wcTestToken, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := "<xml><ToUserName><![CDATA[" + wcTestCorpID + "]]></ToUserName><AgentID><![CDATA[" + wcTestAgent +
		"]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	return wxCall{method: http.MethodPost, path: "/wecom/" + account, query: q, body: []byte(body)}
}

func mustEncrypt(t testing.TB, key, receiver string, msg []byte) string {
	t.Helper()
	c, err := wxproto.NewCipher(key, receiver)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt(msg)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// Message bodies as the platforms send them.

func textMsg(from, msgID, content string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + content + "]]></Content><MsgId>" +
		msgID + "</MsgId></xml>")
}

func voiceMsg(from, msgID, recognition string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[voice]]></MsgType>" +
		"<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[" + recognition +
		"]]></Recognition><MsgId>" + msgID + "</MsgId></xml>")
}

func typedMsg(from, msgID, msgType string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[" + msgType +
		"]]></MsgType><MediaId><![CDATA[m1]]></MediaId><MsgId>" + msgID + "</MsgId></xml>")
}

func eventMsg(from string, createTime int64, event, key string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + wxTestGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(createTime, 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[" + event + "]]></Event><EventKey><![CDATA[" +
		key + "]]></EventKey></xml>")
}

// plainReply decodes a plaintext passive reply.
func plainReply(t testing.TB, r wxResult) wxproto.Message {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	m, err := wxproto.ParseMessage(r.body)
	if err != nil {
		t.Fatalf("reply is not a message: %v\n%s", err, r.body)
	}
	return m
}

// encryptedReply checks the reply envelope's signature and decrypts it.
func encryptedReply(t testing.TB, r wxResult, token, key, receiver string) wxproto.Message {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(r.body, &env); err != nil || env.Encrypt == "" {
		t.Fatalf("reply is not an encrypted envelope (%v): %s", err, r.body)
	}
	if !wxproto.Verify(env.MsgSignature, token, env.TimeStamp, env.Nonce, env.Encrypt) {
		t.Fatalf("reply signature does not verify: %s", r.body)
	}
	c, err := wxproto.NewCipher(key, receiver)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatalf("reply does not decrypt: %v", err)
	}
	m, err := wxproto.ParseMessage(plain)
	if err != nil {
		t.Fatalf("decrypted reply is not a message: %v\n%s", err, plain)
	}
	return m
}

// oaReply decodes the passive reply to an Official Account callback in
// whichever form it came.
func oaReply(t testing.TB, r wxResult) wxproto.Message {
	t.Helper()
	if bytes.Contains(r.body, []byte("<Encrypt>")) {
		return encryptedReply(t, r, wxTestToken, wxTestAESKey, wxTestAppID)
	}
	return plainReply(t, r)
}

// isAck reports a bare acknowledgement.
func isAck(r wxResult) bool {
	return r.status == http.StatusOK && (string(r.body) == "success" || len(r.body) == 0)
}
