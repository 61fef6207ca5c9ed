package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"frontdoor/bot/wxapi"
	"frontdoor/handlers/platform/wxproto"
)

// Channel defaults. The demo Official Account is on by default, with a
// token only, so that `make run` answers a plaintext callback signed with
// "dev-token".
const (
	defaultWeChatAPIBase = "https://api.weixin.qq.com"
	defaultWeComAPIBase  = "https://qyapi.weixin.qq.com"
	// maxReplyBudget stays under the platforms' 5 seconds with room for
	// the network; a longer budget would answer into a closed connection.
	maxReplyBudget     = 4800 * time.Millisecond
	demoChannelAccount = "demo"
	demoChannelTenant  = "demo"
	demoWeChatToken    = "dev-token"
)

// ChannelConfig is the configuration of the WeChat-style channels and the
// web chat; each field is a row of config_table.go.
type ChannelConfig struct {
	// WeChat lists the Official Accounts, served at /wechat/<name>.
	WeChat []wxapi.WeChatAccount `yaml:"wechat"`
	// WeCom lists the WeCom apps, served at /wecom/<name>.
	WeCom         []wxapi.WeComAccount `yaml:"wecom"`
	WeChatAPIBase string               `yaml:"wechat_api_base"`
	WeComAPIBase  string               `yaml:"wecom_api_base"`
	ReplyBudget   time.Duration        `yaml:"reply_budget"`
	WebChatTenant string               `yaml:"webchat_tenant"`
}

// applyEnv gives accounts without a tenant the demo tenant and applies the
// FRONTDOOR_WECHAT_* and FRONTDOOR_WECOM_* variables, which set the fields of
// the account named "demo", creating it when needed: the WeChat one exists
// unless FRONTDOOR_WECHAT_TOKEN is set empty — and, in production, only
// when FRONTDOOR_WECHAT_TOKEN is set, so that the README's "dev-token"
// never signs a callback there; the WeCom one only once its token, AES key
// and corp id are all set, since WeCom is encrypted only.
func (c *ChannelConfig) applyEnv(env func(string) (string, bool), production bool) {
	c.defaultTenants()
	c.applyWeChatDemo(env, production)
	c.applyWeComDemo(env)
}

// defaultTenants gives the accounts the file names no tenant the demo one.
func (c *ChannelConfig) defaultTenants() {
	for i := range c.WeChat {
		if c.WeChat[i].Tenant == "" {
			c.WeChat[i].Tenant = demoChannelTenant
		}
	}
	for i := range c.WeCom {
		if c.WeCom[i].Tenant == "" {
			c.WeCom[i].Tenant = demoChannelTenant
		}
	}
}

func (c *ChannelConfig) applyWeChatDemo(env func(string) (string, bool), production bool) {
	i := channelIndex(len(c.WeChat), func(i int) bool { return c.WeChat[i].Name == demoChannelAccount })
	if _, set := env("FRONTDOOR_WECHAT_TOKEN"); i < 0 && production && !set {
		return
	}
	if i < 0 {
		c.WeChat = append(c.WeChat, wxapi.WeChatAccount{Name: demoChannelAccount, Token: demoWeChatToken, Tenant: demoChannelTenant})
		i = len(c.WeChat) - 1
	}
	a := &c.WeChat[i]
	for name, dst := range map[string]*string{"FRONTDOOR_WECHAT_TOKEN": &a.Token, "FRONTDOOR_WECHAT_AES_KEY": &a.AESKey,
		"FRONTDOOR_WECHAT_APPID": &a.AppID, "FRONTDOOR_WECHAT_SECRET": &a.Secret, "FRONTDOOR_WECHAT_REGION": &a.Region} {
		if v, ok := env(name); ok {
			*dst = v
		}
	}
	if v, ok := env("FRONTDOOR_WECHAT_TOKEN"); ok && v == "" {
		// FRONTDOOR_WECHAT_TOKEN="" switches the demo account off.
		c.WeChat = append(c.WeChat[:i], c.WeChat[i+1:]...)
	}
}

func (c *ChannelConfig) applyWeComDemo(env func(string) (string, bool)) {
	var a wxapi.WeComAccount
	i := channelIndex(len(c.WeCom), func(i int) bool { return c.WeCom[i].Name == demoChannelAccount })
	if i >= 0 {
		a = c.WeCom[i]
	} else {
		a = wxapi.WeComAccount{Name: demoChannelAccount, Tenant: demoChannelTenant}
	}
	set := false
	for name, dst := range map[string]*string{"FRONTDOOR_WECOM_TOKEN": &a.Token, "FRONTDOOR_WECOM_AES_KEY": &a.AESKey,
		"FRONTDOOR_WECOM_CORPID": &a.CorpID, "FRONTDOOR_WECOM_AGENTID": &a.AgentID, "FRONTDOOR_WECOM_SECRET": &a.Secret,
		"FRONTDOOR_WECOM_REGION": &a.Region} {
		if v, ok := env(name); ok {
			*dst, set = v, true
		}
	}
	switch {
	case i >= 0:
		c.WeCom[i] = a
	case set && a.Token != "" && a.AESKey != "" && a.CorpID != "":
		c.WeCom = append(c.WeCom, a)
	}
}

func channelIndex(n int, match func(int) bool) int {
	for i := range n {
		if match(i) {
			return i
		}
	}
	return -1
}

// validate names the first problem of each bad setting, like
// "wechat[1] (shop).aes_key: must be 43 characters".
func (c ChannelConfig) validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, b := range []struct{ setting, value string }{
		{"wechat_api_base", c.WeChatAPIBase},
		{"wecom_api_base", c.WeComAPIBase},
	} {
		if err := checkChannelAPIBase(b.value); err != nil {
			fail("%s %q: %v", label(b.setting), b.value, err)
		}
	}
	if c.ReplyBudget <= 0 || c.ReplyBudget > maxReplyBudget {
		fail("%s %v: must be positive and at most %v (the platforms wait 5s)", label("reply_budget"),
			c.ReplyBudget, maxReplyBudget)
	}
	if err := checkChannelTenant(c.WebChatTenant); err != nil {
		fail("%s %q: %v", label("webchat_tenant"), c.WebChatTenant, err)
	}
	names := map[string]bool{}
	for i, a := range c.WeChat {
		where := fmt.Sprintf("wechat[%d] (%s)", i, a.Name)
		errs = append(errs, checkChannelAccount(where, a.Name, a.Token, a.AESKey, a.Tenant, names)...)
		if a.AESKey != "" && a.AppID == "" {
			fail("%s.app_id: required with aes_key (compatible and safe mode decrypt with the AppID)", where)
		}
		if a.Secret != "" && a.AppID == "" {
			fail("%s.app_id: required with secret (pushing replies needs both)", where)
		}
	}
	names = map[string]bool{}
	for i, a := range c.WeCom {
		where := fmt.Sprintf("wecom[%d] (%s)", i, a.Name)
		errs = append(errs, checkChannelAccount(where, a.Name, a.Token, a.AESKey, a.Tenant, names)...)
		switch {
		case a.AESKey == "":
			fail("%s.aes_key: required (WeCom callbacks are always encrypted)", where)
		case a.CorpID == "":
			fail("%s.corp_id: required (WeCom messages are decrypted with the CorpID)", where)
		}
		if a.AgentID != "" && !channelDigits(a.AgentID) {
			fail("%s.agent_id %q: must be a number", where, a.AgentID)
		}
		if a.Secret != "" && a.AgentID == "" {
			fail("%s.agent_id: required with secret (pushing replies needs the agent id)", where)
		}
	}
	return errors.Join(errs...)
}

// checkChannelAccount checks what both kinds of account share; names records the
// names seen, which must be unique within a channel.
func checkChannelAccount(where, name, token, aesKey, tenant string, names map[string]bool) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case name == "":
		fail("%s.name: required", where)
	case !channelNameSafe(name):
		fail("%s.name: use letters, digits, '-' and '_' only (it is a URL path segment)", where)
	case names[name]:
		fail("%s.name: used by another account", where)
	}
	names[name] = true
	if token == "" {
		fail("%s.token: required", where)
	}
	if aesKey != "" {
		if len(aesKey) != wxproto.EncodingAESKeyLen {
			fail("%s.aes_key: must be %d characters, got %d", where, wxproto.EncodingAESKeyLen, len(aesKey))
		} else if _, err := wxproto.NewCipher(aesKey, ""); err != nil {
			fail("%s.aes_key: not a valid EncodingAESKey (base64 letters, digits, '+' and '/')", where)
		}
	}
	if err := checkChannelTenant(tenant); err != nil {
		fail("%s.tenant %q: %v", where, tenant, err)
	}
	return errs
}

func checkChannelAPIBase(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http:// or https:// URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want a base URL without query or fragment")
	}
	return nil
}

func checkChannelTenant(id string) error {
	if id == "" || strings.ContainsAny(id, "{}: \t\n") {
		return errors.New("required, without braces, colons or spaces")
	}
	return nil
}

func channelNameSafe(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func channelDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ChannelTenants lists the tenants channel accounts and the web chat
// write tickets for, so that their clocks are fired too.
func (c ChannelConfig) ChannelTenants() []string {
	out := []string{c.WebChatTenant}
	for _, a := range c.WeChat {
		out = append(out, a.Tenant)
	}
	for _, a := range c.WeCom {
		out = append(out, a.Tenant)
	}
	return out
}
