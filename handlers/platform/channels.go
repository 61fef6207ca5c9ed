// Package platform serves the WeChat Official Account and WeCom callbacks:
// verify the signature, decrypt, make one call into the delivery desk, and
// write the passive reply the platform expects within its 5-second rule.
package platform

import (
	"context"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/desk"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/httpkit"
	"frontdoor/handlers/platform/wxproto"
)

// Deps configure the WeChat Official Account and WeCom channels.
type Deps struct {
	// WeChat are the Official Accounts served at /wechat/:account.
	WeChat []wxapi.WeChatAccount
	// WeCom are the WeCom apps served at /wecom/:account.
	WeCom []wxapi.WeComAccount
	// Desk answers the accounts' callbacks under the platforms' 5-second
	// rule; nil serves no WeChat-style channel.
	Desk *desk.Desk
}

// ackOA is the Official Account's "received, no passive reply".
const ackOA = "success"

// wxAccount is a configured account ready to serve callbacks.
type wxAccount struct {
	channel string // bot.ChannelWeChat or bot.ChannelWeCom
	name    string
	token   string
	region  string
	tenant  string
	// cipher is nil for plaintext-only Official Accounts.
	cipher  *wxproto.Cipher
	welcome string
}

// desk is the account as the desk knows it.
func (a *wxAccount) desk() desk.Account {
	return desk.Account{Channel: a.channel, Name: a.name, Tenant: a.tenant, Region: a.region}
}

// ack is the body that acknowledges a callback without a passive reply:
// "success" for Official Accounts, the empty body for WeCom.
func (a *wxAccount) ack() string {
	if a.channel == bot.ChannelWeCom {
		return ""
	}
	return ackOA
}

// channels serves the WeChat-style channels. Handlers are its methods, so
// its state lives with the router and not in package variables.
type channels struct {
	log    *slog.Logger
	desk   *desk.Desk
	wechat map[string]*wxAccount
	wecom  map[string]*wxAccount
}

// Mount registers the callback endpoints; without a desk there are none.
func Mount(r gin.IRouter, kit *httpkit.Kit, d Deps) {
	if d.Desk == nil {
		return
	}
	ch := &channels{log: kit.Log, desk: d.Desk}
	ch.wechat = ch.officialAccounts(d.WeChat)
	ch.wecom = ch.weComApps(d.WeCom)
	r.GET("/wechat/:account", kit.Wrap(ch.wechatVerify))
	r.POST("/wechat/:account", kit.Wrap(ch.wechatMessage))
	r.GET("/wecom/:account", kit.Wrap(ch.wecomVerify))
	r.POST("/wecom/:account", kit.Wrap(ch.wecomMessage))
}

// warnNoPush says at start-up which accounts cannot deliver slow replies.
func (ch *channels) warnNoPush(a *wxAccount) {
	if !ch.desk.CanPush(a.desk()) {
		ch.log.Warn("channel account has no API credentials: replies slower than the reply budget cannot be pushed",
			"channel", a.channel, "account", a.name)
	}
}

// wxAction is what a callback message calls for: a fixed reply, a
// question for the engine, or (both empty) a plain acknowledgement.
type wxAction struct {
	reply string
	ask   string
}

// wxDecide maps a message or event to its action. Only text (and voice
// the platform recognised, and menu items that mean a request) reaches the
// engine; everything else gets a fixed, polite answer.
func wxDecide(m *wxproto.Message, welcome string) wxAction {
	switch strings.ToLower(m.MsgType) {
	case "text":
		if strings.TrimSpace(m.Content) == "" {
			return wxAction{reply: bot.EmptyText}
		}
		return wxAction{ask: m.Content}
	case "voice":
		if strings.TrimSpace(m.Recognition) == "" {
			return wxAction{reply: bot.VoiceText}
		}
		return wxAction{ask: m.Recognition}
	case "image", "location", "link", "video", "shortvideo", "file":
		return wxAction{reply: bot.MediaText}
	case "event":
		return wxEvent(m, welcome)
	}
	return wxAction{reply: bot.UnknownText}
}

// wxEvent handles events: a welcome on subscribe, the menu on CLICK, and
// silence for the many events that are notifications (VIEW, LOCATION,
// enter_agent, template and mass-send reports…).
func wxEvent(m *wxproto.Message, welcome string) wxAction {
	switch strings.ToLower(m.Event) {
	case "subscribe":
		return wxAction{reply: welcome}
	case "click":
		return wxMenu(m.EventKey)
	}
	return wxAction{}
}

// wxMenu maps the menu keys, Chinese or English, to their behaviour.
func wxMenu(key string) wxAction {
	switch strings.ToUpper(strings.TrimSpace(key)) {
	case "政策查询", "POLICY":
		return wxAction{reply: bot.PolicyPromptText}
	case "我要投诉", "COMPLAINT":
		return wxAction{reply: bot.ComplaintPromptText}
	case "办理进度", "PROGRESS":
		return wxAction{ask: "查询办理进度"}
	case "转人工", "HUMAN":
		return wxAction{ask: "转人工"}
	}
	return wxAction{reply: bot.MenuText}
}

// respond works out the passive reply to a verified, decoded message:
// one call into the desk.
func (ch *channels) respond(ctx context.Context, a *wxAccount, m *wxproto.Message) desk.Passive {
	if strings.TrimSpace(m.FromUserName) == "" {
		return desk.Passive{} // nobody to answer
	}
	act := wxDecide(m, a.welcome)
	switch {
	case act.ask != "":
		return ch.desk.Ask(ctx, a.desk(), m.FromUserName, m.DedupeKey(), act.ask)
	case act.reply != "":
		return ch.desk.Fixed(a.desk(), act.reply)
	}
	return ch.desk.Ack(a.desk())
}
