package main

import (
	"frontdoor/bot"
	"frontdoor/bot/llm"
	"frontdoor/bot/store"
	"frontdoor/bot/wxapi"
)

// pushers are the platform senders staff replies, clock notices and slow
// answers use to reach businesses on WeChat-style channels. Accounts
// without API credentials (the default demo account) get none: their
// messages stay in the outbox.
func (a *app) pushers(keys store.Keys) map[string]bot.Pusher {
	d := wxapi.Deps{Redis: a.rdb, Keys: keys, HTTP: wxapi.NewHTTPClient(), Logger: a.log}
	wechat := map[string]wxapi.Sender{}
	for _, acc := range a.cfg.WeChat {
		if acc.AppID == "" || acc.Secret == "" {
			continue
		}
		wechat[acc.Name] = wxapi.NewOfficialAccount(wxapi.OAConfig{AppID: acc.AppID, Secret: acc.Secret,
			BaseURL: a.cfg.WeChatAPIBase}, d)
	}
	wecom := map[string]wxapi.Sender{}
	for _, acc := range a.cfg.WeCom {
		if acc.CorpID == "" || acc.Secret == "" || acc.AgentID == "" {
			continue
		}
		c, err := wxapi.NewWeCom(wxapi.WeComConfig{CorpID: acc.CorpID, AgentID: acc.AgentID, Secret: acc.Secret,
			BaseURL: a.cfg.WeComAPIBase}, d)
		if err != nil {
			a.log.Error("wecom account cannot push", "account", acc.Name, "err", err)
			continue
		}
		wecom[acc.Name] = c
	}
	out := map[string]bot.Pusher{}
	if len(wechat) > 0 {
		out[bot.ChannelWeChat] = wxapi.NewPusher(wechat)
	}
	if len(wecom) > 0 {
		out[bot.ChannelWeCom] = wxapi.NewPusher(wecom)
	}
	return out
}

// phraser is the optional language model that phrases answers; without
// OPENAI_BASE_URL and OPENAI_MODEL the template answers stand.
func (a *app) phraser() bot.Phraser {
	cfg := llm.Config{BaseURL: a.cfg.OpenAIBaseURL, APIKey: a.cfg.OpenAIKey, Model: a.cfg.OpenAIModel}
	if !cfg.Enabled() {
		return nil
	}
	p, err := llm.New(cfg)
	if err != nil {
		a.log.Warn("language model not used", "err", err)
		return nil
	}
	a.log.Info("phrasing answers with a language model", "model", cfg.Model)
	return p
}
