package wxapi

import (
	"context"
	"strings"
	"time"
)

// OAConfig is an Official Account's API credentials.
type OAConfig struct {
	AppID  string
	Secret string
	// BaseURL is the API root, normally https://api.weixin.qq.com.
	BaseURL string
}

// OfficialAccount sends customer-service messages (客服消息) for one
// Official Account. It is safe for concurrent use.
type OfficialAccount struct {
	c      caller
	tokens *tokenCache
}

// NewOfficialAccount builds the client; its token is cached under the
// global key "wxtoken:<appid>".
func NewOfficialAccount(cfg OAConfig, d Deps) *OfficialAccount {
	d.defaults()
	oa := &OfficialAccount{c: caller{http: d.HTTP, base: cfg.BaseURL}}
	oa.tokens = &tokenCache{rdb: d.Redis, key: d.Keys.Global("wxtoken", cfg.AppID),
		lockKey: d.Keys.Global("wxtoken", cfg.AppID, "lock"), now: d.Now, log: d.Logger,
		what: "wechat:" + cfg.AppID, fetch: oa.fetcher(cfg)}
	return oa
}

// fetcher gets a token from the stable-token endpoint, which hands every
// caller the same token while it is valid, so a refresh by one replica
// does not cut off the others.
func (oa *OfficialAccount) fetcher(cfg OAConfig) fetchFunc {
	const op = "stable_token"
	return func(ctx context.Context) (string, time.Duration, error) {
		r, err := oa.c.call(ctx, op, oa.c.endpoint("/cgi-bin/stable_token", nil), map[string]any{
			"grant_type": "client_credential", "appid": cfg.AppID, "secret": cfg.Secret, "force_refresh": false})
		return tokenOf(op, r, err, cfg.Secret)
	}
}

// SendText sends a text customer-service message to openID. Errors match
// ErrUndeliverable when the platform will not deliver it (outside the
// 48-hour window, quota used up).
func (oa *OfficialAccount) SendText(ctx context.Context, openID, text string) error {
	_, err := sendWithToken(ctx, oa.c, oa.tokens, "custom/send", "/cgi-bin/message/custom/send", map[string]any{
		"touser": openID, "msgtype": "text", "text": map[string]string{"content": text}})
	return err
}

// redactSecret keeps a secret out of an error message should the platform
// ever echo it.
func redactSecret(err error, secret string) error {
	ae, ok := err.(*APIError)
	if !ok || secret == "" || !strings.Contains(ae.Msg, secret) {
		return err
	}
	cp := *ae
	cp.Msg = strings.ReplaceAll(cp.Msg, secret, "***")
	return &cp
}
