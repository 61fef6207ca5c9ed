package wxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
)

const (
	appID   = "wx0123456789abcdef"
	secret  = "s3cr3t-app-secret"
	corpID  = "ww0123456789abcdef"
	agentID = "1000002"
)

// platform stands in for the platform APIs: it issues tokens, checks
// them, and records what was sent.
type platform struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
	issued  int
	valid   string
	ttl     int64
	sends   []map[string]any
	// codes are errcodes answered to the next sends, in order.
	codes []int
	// status, when set, is the HTTP status of every answer.
	status int
	// delay slows every answer.
	delay time.Duration
}

func newPlatform(t testing.TB) *platform {
	p := &platform{ttl: 7200}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req["appid"] != appID || req["secret"] != secret || req["grant_type"] != "client_credential" ||
			req["force_refresh"] != false {
			p.reply(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret, rid: 1"})
			return
		}
		p.reply(w, p.token())
	})
	mux.HandleFunc("GET /cgi-bin/gettoken", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("corpid") != corpID || q.Get("corpsecret") != secret {
			p.reply(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		p.reply(w, p.token())
	})
	send := func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		p.mu.Lock()
		defer p.mu.Unlock()
		if r.URL.Query().Get("access_token") != p.valid {
			p.write(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		if len(p.codes) > 0 {
			code := p.codes[0]
			p.codes = p.codes[1:]
			if code == 40001 || code == 42001 {
				p.valid = ""
			}
			p.write(w, map[string]any{"errcode": code, "errmsg": "injected"})
			return
		}
		p.sends = append(p.sends, body)
		p.write(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	}
	mux.HandleFunc("POST /cgi-bin/message/custom/send", send)
	mux.HandleFunc("POST /cgi-bin/message/send", send)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func (p *platform) token() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches++
	if p.valid == "" {
		p.issued++
		p.valid = fmt.Sprintf("access-token-%d", p.issued)
	}
	return map[string]any{"access_token": p.valid, "expires_in": p.ttl}
}

func (p *platform) reply(w http.ResponseWriter, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(w, v)
}

// write answers; p.mu is held.
func (p *platform) write(w http.ResponseWriter, v any) {
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	if p.status != 0 {
		w.WriteHeader(p.status)
	}
	_ = json.NewEncoder(w).Encode(v)
}

func (p *platform) counts() (fetches, sends int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches, len(p.sends)
}

func (p *platform) set(fn func(p *platform)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

type fixture struct {
	p    *platform
	rdb  redis.UniversalClient
	keys store.Keys
	logs *bytes.Buffer
}

func newFixture(t testing.TB) *fixture {
	rdb, keys := storetest.Client(t)
	return &fixture{p: newPlatform(t), rdb: rdb, keys: keys, logs: &bytes.Buffer{}}
}

func (f *fixture) deps() Deps {
	return Deps{Redis: f.rdb, Keys: f.keys, Logger: slog.New(slog.NewTextHandler(f.logs, nil))}
}

func (f *fixture) oa() *OfficialAccount {
	return NewOfficialAccount(OAConfig{AppID: appID, Secret: secret, BaseURL: f.p.URL}, f.deps())
}

func (f *fixture) wecom(t testing.TB) *WeCom {
	w, err := NewWeCom(WeComConfig{CorpID: corpID, AgentID: agentID, Secret: secret, BaseURL: f.p.URL + "/"}, f.deps())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSendText(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		sender Sender
		want   map[string]any
	}{
		{"official account", f.oa(), map[string]any{"touser": "o-1", "msgtype": "text",
			"text": map[string]any{"content": "您好"}}},
		{"wecom", f.wecom(t), map[string]any{"touser": "o-1", "msgtype": "text", "agentid": float64(1000002),
			"text": map[string]any{"content": "您好"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.p.set(func(p *platform) { p.sends = nil })
			if err := tt.sender.SendText(context.Background(), "o-1", "您好"); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(f.p.sends)
			want, _ := json.Marshal([]map[string]any{tt.want})
			if !bytes.Equal(got, want) {
				t.Errorf("sent %s, want %s", got, want)
			}
		})
	}
}

// TestTokenFetchedOnce: many pushes from two replicas at once cost one
// token fetch.
func TestTokenFetchedOnce(t *testing.T) {
	tests := []struct {
		name    string
		clients func(f *fixture) []Sender
	}{
		{"official account", func(f *fixture) []Sender { return []Sender{f.oa(), f.oa()} }},
		{"wecom", func(f *fixture) []Sender { return []Sender{f.wecom(t), f.wecom(t)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.p.set(func(p *platform) { p.delay = 20 * time.Millisecond })
			replicas := tt.clients(f)
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- replicas[i%2].SendText(context.Background(), fmt.Sprintf("u-%d", i), "hi")
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if fetches, sends := f.p.counts(); fetches != 1 || sends != 40 {
				t.Errorf("fetches = %d, sends = %d; want 1 and 40", fetches, sends)
			}
		})
	}
}

func TestTokenRejected(t *testing.T) {
	tests := []struct {
		name    string
		codes   []int
		fetches int
		sends   int
		wantErr bool
	}{
		{"40001 fetches again and retries once", []int{40001}, 2, 1, false},
		{"42001 expired token", []int{42001}, 2, 1, false},
		{"40014 invalid token", []int{40014}, 2, 1, false},
		{"rejected twice gives up", []int{40001, 40001}, 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			oa := f.oa()
			if err := oa.SendText(context.Background(), "o-1", "warm-up"); err != nil {
				t.Fatal(err)
			}
			f.p.set(func(p *platform) { p.codes, p.sends, p.fetches = tt.codes, nil, 0 })
			err := oa.SendText(context.Background(), "o-1", "hi")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if fetches, sends := f.p.counts(); fetches != tt.fetches-1 || sends != tt.sends {
				t.Errorf("fetches = %d, sends = %d; want %d and %d", fetches, sends, tt.fetches-1, tt.sends)
			}
		})
	}
}

func TestUndeliverable(t *testing.T) {
	tests := []struct {
		code int
		want bool
	}{
		{45015, true}, {45047, true}, {43004, true}, {40003, true}, {45009, false}, {-1, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			f := newFixture(t)
			f.p.set(func(p *platform) { p.codes = []int{tt.code} })
			err := f.oa().SendText(context.Background(), "o-1", "hi")
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("err = %v, want errcode %d", err, tt.code)
			}
			if got := errors.Is(err, ErrUndeliverable); got != tt.want {
				t.Errorf("undeliverable = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
	t.Run("wecom invalid user", func(t *testing.T) {
		f := newFixture(t)
		w := f.wecom(t)
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/gettoken") {
				fmt.Fprint(rw, `{"errcode":0,"access_token":"t","expires_in":7200}`)
				return
			}
			fmt.Fprint(rw, `{"errcode":0,"errmsg":"ok","invaliduser":"nobody"}`)
		}))
		defer srv.Close()
		w.c.base = srv.URL
		if err := w.SendText(context.Background(), "nobody", "hi"); !errors.Is(err, ErrUndeliverable) {
			t.Errorf("err = %v, want undeliverable", err)
		}
	})
}

// TestNoSecretsInErrors: neither the secret nor the token appears in
// errors or logs, whatever goes wrong.
func TestNoSecretsInErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		base  func(t *testing.T) string
		wecom bool
	}{
		{"HTTP error", func(f *fixture) { f.p.status = http.StatusBadGateway }, nil, false},
		{"HTTP error, wecom", func(f *fixture) { f.p.status = http.StatusBadGateway }, nil, true},
		{"connection refused, wecom", nil, func(t *testing.T) string { return "http://127.0.0.1:1" }, true},
		{"platform echoes the secret", nil, func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"errcode":40125,"errmsg":"invalid appsecret %s"}`, secret)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, false},
		{"send fails after a token", func(f *fixture) { f.p.codes = []int{45009} }, nil, false},
		{"not JSON", nil, func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "<html>"+r.URL.RawQuery+"</html>")
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				f.p.set(func(p *platform) { tt.setup(f) })
			}
			var s Sender
			base := f.p.URL
			if tt.base != nil {
				base = tt.base(t)
			}
			if tt.wecom {
				w, _ := NewWeCom(WeComConfig{CorpID: corpID, AgentID: agentID, Secret: secret, BaseURL: base}, f.deps())
				s = w
			} else {
				s = NewOfficialAccount(OAConfig{AppID: appID, Secret: secret, BaseURL: base}, f.deps())
			}
			err := s.SendText(context.Background(), "o-1", "hi")
			if err == nil {
				t.Fatal("no error")
			}
			for _, leak := range []string{secret, "access-token-", "access_token=", "corpsecret"} {
				if strings.Contains(err.Error(), leak) || strings.Contains(f.logs.String(), leak) {
					t.Errorf("%q leaked: %v\nlogs: %s", leak, err, f.logs)
				}
			}
		})
	}
}

func TestTokenTimeout(t *testing.T) {
	f := newFixture(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(500 * time.Millisecond):
		}
	}))
	defer slow.Close()
	d := f.deps()
	d.HTTP = &http.Client{Timeout: 100 * time.Millisecond}
	oa := NewOfficialAccount(OAConfig{AppID: appID, Secret: secret, BaseURL: slow.URL}, d)
	start := time.Now()
	err := oa.SendText(context.Background(), "o-1", "hi")
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if strings.Contains(err.Error(), slow.URL) {
		t.Errorf("error names the URL: %v", err)
	}
}

// TestTokenRefresh: a token near expiry is replaced by the replica that
// takes the lock, while the others keep using it.
func TestTokenRefresh(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	clock := func() time.Time { return now }
	d := f.deps()
	d.Now = func() time.Time { return clock() }
	oa := NewOfficialAccount(OAConfig{AppID: appID, Secret: secret, BaseURL: f.p.URL}, d)
	ctx := context.Background()
	first, err := oa.tokens.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Within the refresh window, with another replica holding the lock:
	// the current token is still used.
	later := now.Add(7200*time.Second - 2*time.Minute)
	clock = func() time.Time { return later }
	f.rdb.Set(ctx, oa.tokens.lockKey, "other", time.Minute)
	if got, err := oa.tokens.get(ctx); err != nil || got != first {
		t.Fatalf("with the lock held elsewhere: %q, %v; want %q", got, err, first)
	}
	// Lock released: this replica refreshes. The stand-in hands out a new
	// token only once the old one is revoked.
	f.rdb.Del(ctx, oa.tokens.lockKey)
	f.p.set(func(p *platform) { p.valid = "" })
	got, err := oa.tokens.get(ctx)
	if err != nil || got == first {
		t.Fatalf("refresh: %q, %v", got, err)
	}
	if fetches, _ := f.p.counts(); fetches != 2 {
		t.Errorf("fetches = %d, want 2", fetches)
	}
	if n, _ := f.rdb.Exists(ctx, oa.tokens.lockKey).Result(); n != 0 {
		t.Errorf("refresh lock left behind")
	}
	if ttl, _ := f.rdb.PTTL(ctx, f.keys.Global("wxtoken", appID)).Result(); ttl <= 0 || ttl > 7200*time.Second {
		t.Errorf("cached token TTL = %v", ttl)
	}
}

func TestPusher(t *testing.T) {
	f := newFixture(t)
	p := NewPusher(map[string]Sender{"shop": f.oa()})
	if !p.Has("shop") || p.Has("other") {
		t.Fatalf("Has is wrong")
	}
	tests := []struct {
		name    string
		account string
		text    string
		parts   int
		err     error
	}{
		{"short", "shop", "您好", 1, nil},
		{"long text in parts", "shop", strings.Repeat("政务", 1000), 3, nil},
		{"longer than three parts is cut", "shop", strings.Repeat("政务", 3000), 3, nil},
		{"unknown account", "other", "hi", 0, ErrUnknownAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.p.set(func(p *platform) { p.sends = nil })
			err := p.Push(context.Background(), tt.account, "o-1", tt.text)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			_, sends := f.p.counts()
			if sends != tt.parts {
				t.Fatalf("%d parts, want %d", sends, tt.parts)
			}
			for _, s := range f.p.sends {
				if c := s["text"].(map[string]any)["content"].(string); len(c) > 2048 {
					t.Errorf("part of %d bytes", len(c))
				}
			}
		})
	}
}
