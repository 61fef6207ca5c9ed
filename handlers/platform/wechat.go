package platform

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/desk"
	"frontdoor/bot/fault"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/platform/wxproto"
)

// wxTimestampWindow is how far a callback's timestamp may be from our clock:
// it bounds how long a captured, validly signed request can be replayed.
const wxTimestampWindow = 5 * time.Minute

// Errors of the channel callbacks. A platform never sees a 5xx from us: it
// would retry and show the business an error.
var (
	errWxAccount  = fault.New(fault.NotFound, "unknown_account", "no such account")
	errWxNoSig    = fault.New(fault.Unauthorized, "missing_signature", "the request is not signed")
	errWxBadSig   = fault.New(fault.Forbidden, "bad_signature", "the signature does not match")
	errWxStale    = fault.New(fault.Forbidden, "bad_timestamp", "the timestamp is missing or outside the accepted window")
	errWxTooLarge = fault.New(fault.TooLarge, "body_too_large", "callback body must be at most 65536 bytes")
	errWxBadXML   = fault.New(fault.Invalid, "malformed_xml", "the body is not a callback message")
	errWxNoEcho   = fault.New(fault.Invalid, "missing_echostr", "echostr is required")
	errWxNoAES    = fault.New(fault.Invalid, "not_encrypted_account", "this account has no EncodingAESKey; encrypted messages are refused")
	errWxDecrypt  = fault.New(fault.Invalid, "decrypt_failed", "the message cannot be decrypted with this account's key")
)

// officialAccounts prepares the configured Official Accounts. An account
// whose AES key does not decode serves plaintext only; configuration
// validation normally stops such a key before it gets here.
func (ch *channels) officialAccounts(list []wxapi.WeChatAccount) map[string]*wxAccount {
	out := make(map[string]*wxAccount, len(list))
	for _, acc := range list {
		a := &wxAccount{channel: bot.ChannelWeChat, name: acc.Name, token: acc.Token, region: acc.Region,
			tenant: wxTenant(acc.Tenant), welcome: bot.WelcomeText(acc.Region)}
		if acc.AESKey != "" {
			c, err := wxproto.NewCipher(acc.AESKey, acc.AppID)
			if err != nil {
				ch.log.Error("wechat account: bad aes_key, serving plaintext only", "account", acc.Name, "err", err)
			}
			a.cipher = c
		}
		out[acc.Name] = a
		ch.warnNoPush(a)
	}
	return out
}

func wxTenant(t string) string {
	if t == "" {
		return "demo"
	}
	return t
}

// account finds the account a callback names.
func wxLookup(set map[string]*wxAccount, name string) (*wxAccount, error) {
	a := set[name]
	if a == nil {
		return nil, errWxAccount
	}
	return a, nil
}

// verifySignature checks a platform signature in constant time.
func (ch *channels) verifySignature(c *gin.Context, a *wxAccount, sig string, parts ...string) error {
	if sig == "" {
		return errWxNoSig
	}
	if !wxproto.Verify(sig, parts...) {
		ch.log.WarnContext(c.Request.Context(), "callback with a forged signature", "channel", a.channel,
			"account", a.name, "remote", c.ClientIP())
		return errWxBadSig
	}
	return nil
}

// wxCheckTimestamp refuses replays of old requests.
func wxCheckTimestamp(ts string) error {
	if wxproto.CheckTimestamp(ts, time.Now(), wxTimestampWindow) != nil {
		return errWxStale
	}
	return nil
}

// wxReadBody reads the body within wxproto's limit.
func wxReadBody(c *gin.Context) ([]byte, error) {
	body, err := wxproto.ReadBody(c.Request.Body)
	switch {
	case errors.Is(err, wxproto.ErrTooLarge):
		return nil, errWxTooLarge
	case err != nil:
		return nil, fault.Wrap(fault.Invalid, "unreadable_body", "the body could not be read", err)
	}
	return body, nil
}

// wechatVerify answers the Official Account's URL verification: GET with
// signature over (token, timestamp, nonce) and echostr to echo. The
// platform uses this plain form in every message mode.
func (ch *channels) wechatVerify(c *gin.Context) error {
	a, err := wxLookup(ch.wechat, c.Param("account"))
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if err := ch.verifySignature(c, a, q.Get("signature"), a.token, ts, nonce); err != nil {
		return err
	}
	if err := wxCheckTimestamp(ts); err != nil {
		return err
	}
	echo := q.Get("echostr")
	if echo == "" {
		return errWxNoEcho
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(echo))
	return nil
}

// wechatMessage handles an Official Account callback in plaintext,
// compatible or safe mode. encrypt_type=aes marks an encrypted body
// (safe mode, and compatible mode's encrypted copy); the reply is then
// encrypted too. Plaintext requests are accepted from accounts with a key
// as well, which is what compatible mode sends while a key is being
// rolled out.
func (ch *channels) wechatMessage(c *gin.Context) error {
	a, err := wxLookup(ch.wechat, c.Param("account"))
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	encrypted := q.Get("encrypt_type") == "aes"
	if err := ch.authenticateOA(c, a, q, encrypted); err != nil {
		return err
	}
	if err := wxCheckTimestamp(q.Get("timestamp")); err != nil {
		return err
	}
	body, err := wxReadBody(c)
	if err != nil {
		return err
	}
	m, err := ch.openOA(c, a, q, body, encrypted)
	if err != nil {
		return err
	}
	p := ch.respond(c.Request.Context(), a, &m)
	ch.writePassive(c, a, &m, p, encrypted)
	return nil
}

// authenticateOA checks what can be checked before the body is read. A
// plaintext callback carries signature over (token, timestamp, nonce); an
// encrypted one also carries msg_signature, which covers the body and is
// verified once it is read. The plain signature, when present, must be
// right in both cases.
func (ch *channels) authenticateOA(c *gin.Context, a *wxAccount, q url.Values, encrypted bool) error {
	sig := q.Get("signature")
	if encrypted {
		if q.Get("msg_signature") == "" {
			return errWxNoSig
		}
		if sig == "" {
			return nil
		}
	}
	return ch.verifySignature(c, a, sig, a.token, q.Get("timestamp"), q.Get("nonce"))
}

// openOA decodes the message: parsed as is in plaintext mode; in the
// encrypted modes, msg_signature is verified over the Encrypt field before
// it is decrypted with the AppID as receiver.
func (ch *channels) openOA(c *gin.Context, a *wxAccount, q url.Values, body []byte, encrypted bool) (wxproto.Message, error) {
	if !encrypted {
		return wxParseMessage(body)
	}
	if a.cipher == nil {
		return wxproto.Message{}, errWxNoAES
	}
	return ch.decryptMessage(c, a, q, body)
}

// decryptMessage opens an encrypted envelope: signature first, since the
// decryption's distinct errors would otherwise be a padding oracle.
func (ch *channels) decryptMessage(c *gin.Context, a *wxAccount, q url.Values, body []byte) (wxproto.Message, error) {
	env, err := wxproto.ParseEnvelope(body)
	if err != nil {
		return wxproto.Message{}, wxXMLError(err)
	}
	if err := ch.verifySignature(c, a, q.Get("msg_signature"), a.token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt); err != nil {
		return wxproto.Message{}, err
	}
	plain, err := a.cipher.Decrypt(env.Encrypt)
	if err != nil {
		ch.log.WarnContext(c.Request.Context(), "signed callback does not decrypt; check the account's aes_key and app id",
			"channel", a.channel, "account", a.name, "err", err)
		return wxproto.Message{}, errWxDecrypt
	}
	return wxParseMessage(plain)
}

// wxParseMessage decodes a callback's (decrypted) message.
func wxParseMessage(body []byte) (wxproto.Message, error) {
	m, err := wxproto.ParseMessage(body)
	if err != nil {
		return wxproto.Message{}, wxXMLError(err)
	}
	return m, nil
}

// wxXMLError maps wxproto's decoding errors to responses.
func wxXMLError(err error) error {
	if errors.Is(err, wxproto.ErrTooLarge) {
		return errWxTooLarge
	}
	return fault.Wrap(fault.Invalid, "malformed_xml", errWxBadXML.Msg, err)
}

// writePassive sends the passive reply, encrypted when the request was,
// or the acknowledgement when there is nothing to say now. The text is
// cut to the platform's limit (the engine fits its replies already; this
// holds for every text).
func (ch *channels) writePassive(c *gin.Context, a *wxAccount, m *wxproto.Message, p desk.Passive, encrypted bool) {
	if p.Text == "" {
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(a.ack()))
		return
	}
	text, _ := wxapi.TruncateBytes(p.Text, wxapi.MaxTextBytes)
	reply := wxproto.TextReply(m.FromUserName, m.ToUserName, p.At, text)
	if encrypted {
		q := c.Request.URL.Query()
		enc, err := wxproto.EncryptedReply(a.cipher, a.token, q.Get("timestamp"), q.Get("nonce"), reply)
		if err != nil {
			ch.log.ErrorContext(c.Request.Context(), "encrypt reply", "channel", a.channel, "account", a.name, "err", err)
			c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(a.ack()))
			return
		}
		reply = enc
	}
	c.Data(http.StatusOK, "application/xml; charset=utf-8", reply)
}
