package wxapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// WeComConfig is a WeCom app's API credentials.
type WeComConfig struct {
	CorpID  string
	AgentID string
	Secret  string
	// BaseURL is the API root, normally https://qyapi.weixin.qq.com.
	BaseURL string
}

// WeCom sends app messages for one WeCom app. It is safe for concurrent use.
type WeCom struct {
	c       caller
	agentID int64
	tokens  *tokenCache
}

// NewWeCom builds the client; its token is cached under the global key
// "wecomtoken:<corpid>:<agentid>", since each app of a corporation has a
// token of its own.
func NewWeCom(cfg WeComConfig, d Deps) (*WeCom, error) {
	d.defaults()
	agent, err := strconv.ParseInt(cfg.AgentID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("wxapi: WeCom agent id %q is not a number", cfg.AgentID)
	}
	w := &WeCom{c: caller{http: d.HTTP, base: cfg.BaseURL}, agentID: agent}
	w.tokens = &tokenCache{rdb: d.Redis, key: d.Keys.Global("wecomtoken", cfg.CorpID, cfg.AgentID),
		lockKey: d.Keys.Global("wecomtoken", cfg.CorpID, cfg.AgentID, "lock"), now: d.Now, log: d.Logger,
		what: "wecom:" + cfg.CorpID + ":" + cfg.AgentID, fetch: w.fetcher(cfg)}
	return w, nil
}

func (w *WeCom) fetcher(cfg WeComConfig) fetchFunc {
	const op = "gettoken"
	return func(ctx context.Context) (string, time.Duration, error) {
		u := w.c.endpoint("/cgi-bin/gettoken", url.Values{"corpid": {cfg.CorpID}, "corpsecret": {cfg.Secret}})
		r, err := w.c.call(ctx, op, u, nil)
		return tokenOf(op, r, err, cfg.Secret)
	}
}

// SendText sends a text app message to one member. A member the platform
// reports as invalid makes the error match ErrUndeliverable.
func (w *WeCom) SendText(ctx context.Context, user, text string) error {
	const op = "message/send"
	r, err := sendWithToken(ctx, w.c, w.tokens, op, "/cgi-bin/message/send", map[string]any{
		"touser": user, "msgtype": "text", "agentid": w.agentID, "text": map[string]string{"content": text}})
	if err != nil {
		return err
	}
	if r.InvalidUser != "" {
		return &APIError{Op: op, Code: 81013, Msg: "invaliduser"}
	}
	return nil
}
