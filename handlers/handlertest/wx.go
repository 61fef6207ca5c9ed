package handlertest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
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
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers"
	"frontdoor/handlers/platform"
	"frontdoor/handlers/platform/wxproto"
	"frontdoor/knowledge"
)

// Test accounts. The AES keys are the platforms' documentation samples.
const (
	WxToken  = "test-token"
	WxAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	WxAppID  = "wx0123456789abcdef"
	WxSecret = "oa-secret-never-logged"
	WxGhID   = "gh_0123456789ab"
	WcToken  = "wecom-token"
	WcAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	WcCorpID = "ww0123456789abcdef"
	WcAgent  = "1000002"
	WcSecret = "wecom-secret-never-logged"

	// Questions with known outcomes on the shipped seeds.
	PolicyQuestion = "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?" // 葛店 item 5: 3个工作日
	ComplaintText  = "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"
	PolicyFigure   = "3个工作日"
	// SlowQuestion is a 葛店 policy question the tests make slow with a
	// SlowPhraser on SlowMarker.
	SlowQuestion = "新厂房要接自来水,听说有当天报当天通水的?需要满足啥条件"
	SlowMarker   = "自来水"
)

// Platform stands in for api.weixin.qq.com and qyapi.weixin.qq.com: it
// hands out access tokens and records the messages pushed through it.
type Platform struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
	issued  int
	valid   string
	sent    []Sent
	// failNext answers the next send with this errcode (once).
	FailNext int
	// failAlways answers every send with this errcode.
	FailAlways int
}

// Sent is one message the platform accepted.
type Sent struct {
	Path, ToUser, Content, Token string
	AgentID                      int64
}

// NewPlatform starts the stand-in; the test closes it.
func NewPlatform(t testing.TB) *Platform {
	p := &Platform{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", p.stableToken)
	mux.HandleFunc("GET /cgi-bin/gettoken", p.getToken)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", p.send)
	mux.HandleFunc("POST /cgi-bin/message/send", p.send)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func (p *Platform) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType string `json:"grant_type"`
		AppID     string `json:"appid"`
		Secret    string `json:"secret"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.GrantType != "client_credential" || req.AppID != WxAppID ||
		req.Secret != WxSecret {
		writeJSON(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	writeJSON(w, p.token())
}

func (p *Platform) getToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("corpid") != WcCorpID || q.Get("corpsecret") != WcSecret {
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
		return
	}
	writeJSON(w, p.token())
}

// token returns the valid token, issuing a new one when there is none
// (like the stable-token endpoint: the same token while it is valid).
func (p *Platform) token() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches++
	if p.valid == "" {
		p.issued++
		p.valid = fmt.Sprintf("token-%d", p.issued)
	}
	return map[string]any{"access_token": p.valid, "expires_in": 7200}
}

func (p *Platform) send(w http.ResponseWriter, r *http.Request) {
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
	case p.FailNext != 0:
		code := p.FailNext
		p.FailNext = 0
		if code == 40001 {
			p.valid = "" // the token was revoked: the next fetch issues another
		}
		writeJSON(w, map[string]any{"errcode": code, "errmsg": "injected"})
	case p.FailAlways != 0:
		writeJSON(w, map[string]any{"errcode": p.FailAlways, "errmsg": "injected"})
	default:
		p.sent = append(p.sent, Sent{Path: r.URL.Path, ToUser: req.ToUser, Content: req.Text.Content, Token: tok,
			AgentID: req.AgentID})
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Messages are the messages the platform accepted so far.
func (p *Platform) Messages() []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Sent(nil), p.sent...)
}

// TokenFetches counts access-token requests.
func (p *Platform) TokenFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

// Set changes the stand-in's behaviour under its lock.
func (p *Platform) Set(fn func(p *Platform)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// WaitSent waits until the platform has accepted n messages.
func (p *Platform) WaitSent(t testing.TB, n int) []Sent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := p.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("platform received %d pushes, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SlowPhraser makes answers to questions containing marker slow, the way a
// language model can be.
type SlowPhraser struct {
	Marker string
	Delay  time.Duration
}

// Phrase delays answers to questions that contain the marker.
func (p SlowPhraser) Phrase(ctx context.Context, question string, _ []*knowledge.Item, _ func(*knowledge.Item) string, draft string) (string, error) {
	if strings.Contains(question, p.Marker) {
		select {
		case <-time.After(p.Delay):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return draft, nil
}

// ChannelOptions tune a channel test server.
type ChannelOptions struct {
	Budget  time.Duration
	Config  bot.Config
	Phraser bot.Phraser
	// Replicas is how many servers share the engine and Redis (default 1).
	Replicas int
	// Budgets gives each replica a budget of its own (and sets replicas).
	Budgets []time.Duration
	// Redis replaces the shared test Redis (for outage tests).
	Redis redis.UniversalClient
	// Engine adjusts the engine's remaining options (replication, say).
	Engine func(*bottest.Options)
}

// Channels is the real router with channel accounts, a real engine on a
// real Redis, and the platform stand-in behind the pushers.
type Channels struct {
	Env      *bottest.Env
	Platform *Platform
	Servers  []*handlers.Server
	HTTP     *httptest.Server
}

// NewChannels builds the accounts:
//
//	wechat demo  葛店开发区, AES key, can push
//	wechat cy    朝阳区,    AES key, can push
//	wechat hgt   红谷滩区,  AES key, can push
//	wechat plain 葛店开发区, plaintext only, cannot push
//	wecom  demo  葛店开发区, can push
func NewChannels(t testing.TB, o ChannelOptions) *Channels {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	standIn := NewPlatform(t)
	rdb, keys := storetest.Client(t) // the token cache
	cmds, err := dial.Commands(rdb, true)
	if err != nil {
		t.Fatal(err)
	}
	deps := wxapi.Deps{Redis: cmds, Keys: keys, Logger: Quiet()}
	oa := wxapi.NewOfficialAccount(wxapi.OAConfig{AppID: WxAppID, Secret: WxSecret, BaseURL: standIn.URL}, deps)
	wc, err := wxapi.NewWeCom(wxapi.WeComConfig{CorpID: WcCorpID, AgentID: WcAgent, Secret: WcSecret,
		BaseURL: standIn.URL}, deps)
	if err != nil {
		t.Fatal(err)
	}
	pushers := map[string]bot.Pusher{
		bot.ChannelWeChat: wxapi.NewPusher(map[string]wxapi.Sender{"demo": oa, "cy": oa, "hgt": oa}),
		bot.ChannelWeCom:  wxapi.NewPusher(map[string]wxapi.Sender{"demo": wc}),
	}
	eo := bottest.Options{Config: o.Config, Pushers: pushers, Phraser: o.Phraser, Redis: o.Redis}
	if o.Engine != nil {
		o.Engine(&eo)
	}
	env := bottest.New(t, eo)
	cd := platform.Deps{
		WeChat: []wxapi.WeChatAccount{
			{Name: "demo", Token: WxToken, AESKey: WxAESKey, AppID: WxAppID, Region: "葛店开发区", Tenant: "demo"},
			{Name: "cy", Token: WxToken, AESKey: WxAESKey, AppID: WxAppID, Region: "朝阳区", Tenant: "demo"},
			{Name: "hgt", Token: WxToken, AESKey: WxAESKey, AppID: WxAppID, Region: "红谷滩区", Tenant: "demo"},
			{Name: "plain", Token: WxToken, Region: "葛店开发区", Tenant: "demo"},
		},
		WeCom: []wxapi.WeComAccount{{Name: "demo", Token: WcToken, AESKey: WcAESKey, CorpID: WcCorpID,
			AgentID: WcAgent, Region: "葛店开发区", Tenant: "demo"}},
	}
	cs := &Channels{Env: env, Platform: standIn}
	if len(o.Budgets) == 0 {
		for range max(o.Replicas, 1) {
			o.Budgets = append(o.Budgets, o.Budget)
		}
	}
	for _, budget := range o.Budgets {
		reg := prometheus.NewRegistry()
		cd.Desk = desk.New(budget, desk.Deps{Engine: env.Engine, Redis: env.Commands, Keys: env.Keys, Pushers: pushers,
			Registry: reg, Logger: Quiet()})
		d := Deps(env)
		d.Registry, d.Ready, d.Platform = reg, nil, cd
		cs.Servers = append(cs.Servers, handlers.New(d))
	}
	cs.HTTP = httptest.NewServer(cs.Servers[0].Handler())
	t.Cleanup(cs.HTTP.Close)
	return cs
}

// Tickets lists the demo tenant's tickets.
func (cs *Channels) Tickets(t testing.TB) []*ticket.Ticket {
	t.Helper()
	ts, err := cs.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// Call is one callback as the platform sends it.
type Call struct {
	Method  string
	Path    string
	Query   url.Values
	Body    []byte
	Replica int
}

// Result is the server's answer.
type Result struct {
	Status int
	Body   []byte
}

// Serve runs a call through a replica's router in-process.
func (cs *Channels) Serve(c Call) Result {
	req := httptest.NewRequest(c.Method, c.Path+"?"+c.Query.Encode(), bytes.NewReader(c.Body))
	req.Header.Set("Content-Type", "text/xml")
	rec := httptest.NewRecorder()
	cs.Servers[c.Replica%len(cs.Servers)].Handler().ServeHTTP(rec, req)
	return Result{Status: rec.Code, Body: rec.Body.Bytes()}
}

// OverHTTP runs a call against the running server.
func (cs *Channels) OverHTTP(t testing.TB, c Call) Result {
	t.Helper()
	req, err := http.NewRequest(c.Method, cs.HTTP.URL+c.Path+"?"+c.Query.Encode(), bytes.NewReader(c.Body))
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
	return Result{Status: resp.StatusCode, Body: body}
}

var wxNonce atomic.Int64

// SignedQuery is the query of a plaintext callback: signature over
// (token, timestamp, nonce).
func SignedQuery(token string, at time.Time) url.Values {
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := strconv.FormatInt(wxNonce.Add(1)+100000, 10)
	return url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wxproto.Sign(token, ts, nonce)},
		"openid": {"o-user"}}
}

// OAPlain is a plaintext-mode Official Account callback.
func OAPlain(account string, body []byte) Call {
	return Call{Method: http.MethodPost, Path: "/wechat/" + account, Query: SignedQuery(WxToken, time.Now()), Body: body}
}

// OASafe is a safe-mode callback: the body is only the encrypted envelope.
func OASafe(t testing.TB, account string, msg []byte) Call {
	t.Helper()
	return oaEncrypted(t, account, msg, false)
}

// OACompatible is a compatible-mode callback: the plaintext fields and
// their encrypted copy in one body.
func OACompatible(t testing.TB, account string, msg []byte) Call {
	t.Helper()
	return oaEncrypted(t, account, msg, true)
}

func oaEncrypted(t testing.TB, account string, msg []byte, withPlain bool) Call {
	t.Helper()
	enc := MustEncrypt(t, WxAESKey, WxAppID, msg)
	q := SignedQuery(WxToken, time.Now())
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", wxproto.Sign(WxToken, q.Get("timestamp"), q.Get("nonce"), enc))
	body := "<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	if withPlain {
		inner := strings.TrimSuffix(strings.TrimPrefix(string(msg), "<xml>"), "</xml>")
		inner = strings.Replace(inner, "<ToUserName><![CDATA["+WxGhID+"]]></ToUserName>", "", 1)
		body = "<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName>" + inner +
			"<Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	}
	return Call{Method: http.MethodPost, Path: "/wechat/" + account, Query: q, Body: []byte(body)}
}

// WeComPost is a WeCom app callback.
func WeComPost(t testing.TB, account string, msg []byte) Call {
	t.Helper()
	enc := MustEncrypt(t, WcAESKey, WcCorpID, msg)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(wxNonce.Add(1)+100000, 10)
	q := url.Values{"msg_signature": {wxproto.Sign(WcToken, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := "<xml><ToUserName><![CDATA[" + WcCorpID + "]]></ToUserName><AgentID><![CDATA[" + WcAgent +
		"]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	return Call{Method: http.MethodPost, Path: "/wecom/" + account, Query: q, Body: []byte(body)}
}

// MustEncrypt encrypts msg as the platform would for receiver.
func MustEncrypt(t testing.TB, key, receiver string, msg []byte) string {
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

// TextMsg is a text message as the platforms send it.
func TextMsg(from, msgID, content string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + content + "]]></Content><MsgId>" +
		msgID + "</MsgId></xml>")
}

// VoiceMsg is a voice message with the platform's recognition.
func VoiceMsg(from, msgID, recognition string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[voice]]></MsgType>" +
		"<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[" + recognition +
		"]]></Recognition><MsgId>" + msgID + "</MsgId></xml>")
}

// TypedMsg is a media message of msgType.
func TypedMsg(from, msgID, msgType string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[" + msgType +
		"]]></MsgType><MediaId><![CDATA[m1]]></MediaId><MsgId>" + msgID + "</MsgId></xml>")
}

// EventMsg is an event (subscribe, CLICK…).
func EventMsg(from string, createTime int64, event, key string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + WxGhID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(createTime, 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[" + event + "]]></Event><EventKey><![CDATA[" +
		key + "]]></EventKey></xml>")
}

// PlainReply decodes a plaintext passive reply.
func PlainReply(t testing.TB, r Result) wxproto.Message {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m, err := wxproto.ParseMessage(r.Body)
	if err != nil {
		t.Fatalf("reply is not a message: %v\n%s", err, r.Body)
	}
	return m
}

// EncryptedReply checks the reply envelope's signature and decrypts it.
func EncryptedReply(t testing.TB, r Result, token, key, receiver string) wxproto.Message {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(r.Body, &env); err != nil || env.Encrypt == "" {
		t.Fatalf("reply is not an encrypted envelope (%v): %s", err, r.Body)
	}
	if !wxproto.Verify(env.MsgSignature, token, env.TimeStamp, env.Nonce, env.Encrypt) {
		t.Fatalf("reply signature does not verify: %s", r.Body)
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

// OAReply decodes the passive reply to an Official Account callback in
// whichever form it came.
func OAReply(t testing.TB, r Result) wxproto.Message {
	t.Helper()
	if bytes.Contains(r.Body, []byte("<Encrypt>")) {
		return EncryptedReply(t, r, WxToken, WxAESKey, WxAppID)
	}
	return PlainReply(t, r)
}

// IsAck reports a bare acknowledgement.
func IsAck(r Result) bool {
	return r.Status == http.StatusOK && (string(r.Body) == "success" || len(r.Body) == 0)
}
