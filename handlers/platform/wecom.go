package platform

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/platform/wxproto"
)

// weComApps prepares the configured WeCom apps. WeCom callbacks are always
// encrypted, so an app whose key does not decode cannot be served: it is
// left out (404) and the log says why.
func (ch *channels) weComApps(list []wxapi.WeComAccount) map[string]*wxAccount {
	out := make(map[string]*wxAccount, len(list))
	for _, acc := range list {
		c, err := wxproto.NewCipher(acc.AESKey, acc.CorpID)
		if err != nil {
			ch.log.Error("wecom account: bad aes_key, not served", "account", acc.Name, "err", err)
			continue
		}
		a := &wxAccount{channel: bot.ChannelWeCom, name: acc.Name, token: acc.Token, region: acc.Region,
			tenant: wxTenant(acc.Tenant), cipher: c, welcome: bot.WelcomeText(acc.Region)}
		out[acc.Name] = a
		ch.warnNoPush(a)
	}
	return out
}

// wecomVerify answers WeCom's URL verification: msg_signature over
// (token, timestamp, nonce, echostr), then echostr decrypted with the
// CorpID as receiver is the response.
func (ch *channels) wecomVerify(c *gin.Context) error {
	a, err := wxLookup(ch.wecom, c.Param("account"))
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	// echostr is base64, which has no spaces: a space is a "+" that
	// reached us unescaped.
	echo := strings.ReplaceAll(q.Get("echostr"), " ", "+")
	if err := ch.verifySignature(c, a, q.Get("msg_signature"), a.token, ts, nonce, echo); err != nil {
		return err
	}
	if err := wxCheckTimestamp(ts); err != nil {
		return err
	}
	if echo == "" {
		return errWxNoEcho
	}
	plain, err := a.cipher.Decrypt(echo)
	if err != nil {
		ch.log.WarnContext(c.Request.Context(), "signed echostr does not decrypt; check the app's aes_key and corp id",
			"channel", a.channel, "account", a.name, "err", err)
		return errWxDecrypt
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", plain)
	return nil
}

// wecomMessage handles a WeCom app callback: always encrypted, signed with
// msg_signature over the Encrypt field, answered with an encrypted passive
// reply or an empty 200 when the answer goes by push.
func (ch *channels) wecomMessage(c *gin.Context) error {
	a, err := wxLookup(ch.wecom, c.Param("account"))
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	if q.Get("msg_signature") == "" {
		return errWxNoSig
	}
	if err := wxCheckTimestamp(q.Get("timestamp")); err != nil {
		return err
	}
	body, err := wxReadBody(c)
	if err != nil {
		return err
	}
	m, err := ch.decryptMessage(c, a, q, body)
	if err != nil {
		return err
	}
	p := ch.respond(c.Request.Context(), a, &m)
	ch.writePassive(c, a, &m, p, true)
	return nil
}
