package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"frontdoor/bot/store/dial"
)

// poster delivers a rendered alert to one target.
type poster struct {
	client *http.Client
	mail   *Mailer
}

func newPoster(timeout time.Duration, m *Mailer) *poster {
	return &poster{client: &http.Client{Timeout: timeout}, mail: m}
}

// maxMarkdownBytes is WeCom's limit for a robot's markdown content.
const maxMarkdownBytes = 4096

// send delivers text to a webhook URL or a mailto: address.
func (p *poster) send(ctx context.Context, target, text string) error {
	if addr, ok := strings.CutPrefix(target, "mailto:"); ok {
		if p.mail == nil {
			return errors.New("no SMTP server configured for mailto: targets")
		}
		return p.mail.Send(addr, subjectOf(text), text)
	}
	return p.webhook(ctx, target, text)
}

// webhook posts a WeCom group-robot markdown message and checks the
// robot's errcode, which reports failures with status 200.
func (p *poster) webhook(ctx context.Context, url, text string) error {
	if len(text) > maxMarkdownBytes {
		text = strings.ToValidUTF8(text[:maxMarkdownBytes-3], "") + "…"
	}
	body, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": text}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(raw, &r) == nil && r.ErrCode != nil && *r.ErrCode != 0 {
		return fmt.Errorf("webhook errcode %d: %s", *r.ErrCode, r.ErrMsg)
	}
	return nil
}

// subjectOf is the first line of a message without its markdown.
func subjectOf(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return strings.Trim(line, "*")
}

// Mailer sends alerts by e-mail through an SMTP server: smtp://[user:pass@]host:port?from=ADDRESS.
// The server's STARTTLS is used when it offers it, as net/smtp does.
type Mailer struct {
	addr, from string
	auth       smtp.Auth
}

// NewMailer reads an smtp:// URL.
func NewMailer(raw string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://[user:pass@]host:port?from=ADDRESS", dial.Redact(raw))
	}
	from := u.Query().Get("from")
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("SMTP URL: from=%q is not an address", from)
	}
	m := &Mailer{addr: u.Host, from: from}
	if !strings.Contains(u.Host, ":") {
		m.addr += ":25"
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, u.Hostname())
	}
	return m, nil
}

// Send mails one plain-text message.
func (m *Mailer) Send(to, subject, body string) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return fmt.Errorf("mailto:%s is not an address", to)
	}
	msg := "From: " + m.from + "\r\nTo: " + to + "\r\nSubject: " + mimeWord(subject) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"
	return smtp.SendMail(m.addr, m.auth, m.from, []string{to}, []byte(msg))
}

// mimeQ encodes a header holding Chinese (RFC 2047).
var mimeQ = mime.BEncoding

// mimeWord encodes a header holding Chinese (RFC 2047).
func mimeWord(s string) string { return mimeQ.Encode("UTF-8", s) }
