package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/wxapi"
)

const (
	testAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAESKey2 = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

func TestChannelDefaults(t *testing.T) {
	c, err := LoadConfig("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if len(c.WeChat) != 1 || c.WeChat[0] != (wxapi.WeChatAccount{Name: "demo", Token: "dev-token", Tenant: "demo"}) {
		t.Errorf("demo WeChat account = %+v", c.WeChat)
	}
	if len(c.WeCom) != 0 {
		t.Errorf("WeCom accounts without settings: %+v", c.WeCom)
	}
	if c.WeChatAPIBase != "https://api.weixin.qq.com" || c.WeComAPIBase != "https://qyapi.weixin.qq.com" ||
		c.ReplyBudget != 4*time.Second || c.WebChatTenant != "demo" {
		t.Errorf("defaults = %+v", c.ChannelConfig)
	}
}

func TestChannelEnvironment(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		check  func(t *testing.T, c Config)
		errHas string
	}{
		{
			name: "demo WeChat account from the environment",
			env: map[string]string{"FRONTDOOR_WECHAT_TOKEN": "tk", "FRONTDOOR_WECHAT_AES_KEY": testAESKey,
				"FRONTDOOR_WECHAT_APPID": "wx1", "FRONTDOOR_WECHAT_SECRET": "sec", "FRONTDOOR_WECHAT_REGION": "河池市"},
			check: func(t *testing.T, c Config) {
				want := wxapi.WeChatAccount{Name: "demo", Token: "tk", AESKey: testAESKey, AppID: "wx1", Secret: "sec",
					Region: "河池市", Tenant: "demo"}
				if len(c.WeChat) != 1 || c.WeChat[0] != want {
					t.Errorf("wechat = %+v", c.WeChat)
				}
			},
		},
		{
			name: "demo WeCom app once token, key and corp id are set",
			env: map[string]string{"FRONTDOOR_WECOM_TOKEN": "tk", "FRONTDOOR_WECOM_AES_KEY": testAESKey2,
				"FRONTDOOR_WECOM_CORPID": "ww1", "FRONTDOOR_WECOM_AGENTID": "1000002", "FRONTDOOR_WECOM_SECRET": "sec",
				"FRONTDOOR_WECOM_REGION": "徐州市"},
			check: func(t *testing.T, c Config) {
				want := wxapi.WeComAccount{Name: "demo", Token: "tk", AESKey: testAESKey2, CorpID: "ww1", AgentID: "1000002",
					Secret: "sec", Region: "徐州市", Tenant: "demo"}
				if len(c.WeCom) != 1 || c.WeCom[0] != want {
					t.Errorf("wecom = %+v", c.WeCom)
				}
			},
		},
		{
			name: "no WeCom app with a token only",
			env:  map[string]string{"FRONTDOOR_WECOM_TOKEN": "tk"},
			check: func(t *testing.T, c Config) {
				if len(c.WeCom) != 0 {
					t.Errorf("wecom = %+v", c.WeCom)
				}
			},
		},
		{
			name: "empty token switches the demo WeChat account off",
			env:  map[string]string{"FRONTDOOR_WECHAT_TOKEN": ""},
			check: func(t *testing.T, c Config) {
				if len(c.WeChat) != 0 {
					t.Errorf("wechat = %+v", c.WeChat)
				}
			},
		},
		{
			name: "API bases, budget and web-chat tenant",
			env: map[string]string{"FRONTDOOR_WECHAT_API_BASE": "http://127.0.0.1:9000", "FRONTDOOR_WECOM_API_BASE": "http://127.0.0.1:9001/",
				"FRONTDOOR_REPLY_BUDGET": "1500ms", "FRONTDOOR_WEBCHAT_TENANT": "city"},
			check: func(t *testing.T, c Config) {
				if c.WeChatAPIBase != "http://127.0.0.1:9000" || c.WeComAPIBase != "http://127.0.0.1:9001/" ||
					c.ReplyBudget != 1500*time.Millisecond || c.WebChatTenant != "city" {
					t.Errorf("channel config = %+v", c.ChannelConfig)
				}
			},
		},
		{
			name:   "bad budget",
			env:    map[string]string{"FRONTDOOR_REPLY_BUDGET": "soon"},
			errHas: "FRONTDOOR_REPLY_BUDGET",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig("", envOf(tt.env))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want one naming %s", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("does not validate: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestChannelConfigFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	yaml := `
reply_budget: 3s
wechat:
  - {name: shop, token: t1, aes_key: ` + testAESKey + `, app_id: wx1, secret: s1, region: 河池市, tenant: city}
wecom:
  - {name: hall, token: t2, aes_key: ` + testAESKey2 + `, corp_id: ww1, agent_id: 1000002, secret: s2}
tenants:
  - {id: city, name: 市局, api_key: city-key-1}
`
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(f, envOf(map[string]string{"FRONTDOOR_WECHAT_REGION": "徐州市"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.WeChat) != 2 || c.WeChat[0].Name != "shop" || c.WeChat[0].Tenant != "city" || c.WeChat[1].Name != "demo" ||
		c.WeChat[1].Region != "徐州市" || c.WeChat[0].Region != "河池市" {
		t.Errorf("wechat = %+v", c.WeChat)
	}
	if len(c.WeCom) != 1 || c.WeCom[0].AgentID != "1000002" || c.WeCom[0].Tenant != "demo" {
		t.Errorf("wecom = %+v", c.WeCom)
	}
	if c.ReplyBudget != 3*time.Second {
		t.Errorf("reply_budget = %v", c.ReplyBudget)
	}
}

func TestChannelValidateNamesTheBadSetting(t *testing.T) {
	shop := func(mod func(a *wxapi.WeChatAccount)) ChannelConfig {
		c := Defaults().ChannelConfig
		c.WeChat = []wxapi.WeChatAccount{{Name: "demo", Token: "dev-token", Tenant: "demo"},
			{Name: "shop", Token: "t", AESKey: testAESKey, AppID: "wx1", Tenant: "demo"}}
		mod(&c.WeChat[1])
		return c
	}
	hall := func(mod func(a *wxapi.WeComAccount)) ChannelConfig {
		c := Defaults().ChannelConfig
		c.WeCom = []wxapi.WeComAccount{{Name: "hall", Token: "t", AESKey: testAESKey2, CorpID: "ww1",
			AgentID: "1000002", Secret: "s", Tenant: "demo"}}
		mod(&c.WeCom[0])
		return c
	}
	base := func(mod func(c *ChannelConfig)) ChannelConfig {
		c := Defaults().ChannelConfig
		mod(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  ChannelConfig
		want string
	}{
		{"short AES key", shop(func(a *wxapi.WeChatAccount) { a.AESKey = testAESKey[:40] }), "wechat[1] (shop).aes_key: must be 43 characters"},
		{"AES key not base64", shop(func(a *wxapi.WeChatAccount) { a.AESKey = "!" + testAESKey[1:] }), "wechat[1] (shop).aes_key: not a valid EncodingAESKey"},
		{"AES key without app id", shop(func(a *wxapi.WeChatAccount) { a.AppID = "" }), "wechat[1] (shop).app_id: required with aes_key"},
		{"secret without app id", shop(func(a *wxapi.WeChatAccount) { a.AESKey, a.AppID, a.Secret = "", "", "s" }), "wechat[1] (shop).app_id: required with secret"},
		{"missing token", shop(func(a *wxapi.WeChatAccount) { a.Token = "" }), "wechat[1] (shop).token: required"},
		{"duplicate name", shop(func(a *wxapi.WeChatAccount) { a.Name = "demo" }), "wechat[1] (demo).name: used by another account"},
		{"missing name", shop(func(a *wxapi.WeChatAccount) { a.Name = "" }), "wechat[1] ().name: required"},
		{"name unfit for a URL", shop(func(a *wxapi.WeChatAccount) { a.Name = "a/b" }), "wechat[1] (a/b).name: use letters"},
		{"tenant with a brace", shop(func(a *wxapi.WeChatAccount) { a.Tenant = "{x}" }), "wechat[1] (shop).tenant"},
		{"WeCom without AES key", hall(func(a *wxapi.WeComAccount) { a.AESKey = "" }), "wecom[0] (hall).aes_key: required"},
		{"WeCom without corp id", hall(func(a *wxapi.WeComAccount) { a.CorpID = "" }), "wecom[0] (hall).corp_id: required"},
		{"WeCom agent id not a number", hall(func(a *wxapi.WeComAccount) { a.AgentID = "abc" }), "wecom[0] (hall).agent_id \"abc\": must be a number"},
		{"WeCom secret without agent id", hall(func(a *wxapi.WeComAccount) { a.AgentID = "" }), "wecom[0] (hall).agent_id: required with secret"},
		{"WeCom long AES key", hall(func(a *wxapi.WeComAccount) { a.AESKey += "=" }), "wecom[0] (hall).aes_key: must be 43 characters"},
		{"API base not a URL", base(func(c *ChannelConfig) { c.WeChatAPIBase = "api.weixin.qq.com" }), "wechat_api_base (FRONTDOOR_WECHAT_API_BASE)"},
		{"API base with another scheme", base(func(c *ChannelConfig) { c.WeComAPIBase = "ftp://x" }), "wecom_api_base (FRONTDOOR_WECOM_API_BASE)"},
		{"budget too long", base(func(c *ChannelConfig) { c.ReplyBudget = 5 * time.Second }), "reply_budget (FRONTDOOR_REPLY_BUDGET)"},
		{"negative budget", base(func(c *ChannelConfig) { c.ReplyBudget = -time.Second }), "reply_budget (FRONTDOOR_REPLY_BUDGET)"},
		{"web-chat tenant with a space", base(func(c *ChannelConfig) { c.WebChatTenant = "a b" }), "webchat_tenant (FRONTDOOR_WEBCHAT_TENANT)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			for _, secret := range []string{testAESKey, testAESKey2} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows the AES key: %v", err)
				}
			}
		})
	}
	t.Run("valid accounts", func(t *testing.T) {
		for _, c := range []ChannelConfig{shop(func(*wxapi.WeChatAccount) {}), hall(func(*wxapi.WeComAccount) {})} {
			if err := c.validate(); err != nil {
				t.Errorf("valid config refused: %v", err)
			}
		}
	})
}
