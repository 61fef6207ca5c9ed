package bot

import (
	"strings"
	"unicode/utf8"
)

// fit cuts a reply to its channel's size limit on a character boundary,
// keeping the rest in the session for "回复1查看更多".
func (e *Engine) fit(in Inbound, r Reply, sess *session) Reply {
	if r.Citations == nil {
		r.Citations = []Citation{}
	}
	limit := e.cfg.ReplyBytes[in.Channel]
	if limit <= 0 || len(r.Text) <= limit {
		return r
	}
	head, rest := cutBytes(r.Text, limit-len(moreHint))
	r.Text, r.More = head+moreHint, true
	sess.More = rest
	return r
}

// cutBytes splits s at most max bytes in, on a rune boundary, preferring
// the end of a line or sentence when one is near.
func cutBytes(s string, max int) (string, string) {
	if len(s) <= max {
		return s, ""
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndexAny(s[:cut], "\n。"); i > cut/2 {
		_, size := utf8.DecodeRuneInString(s[i:])
		cut = i + size
	}
	return s[:cut], strings.TrimLeft(s[cut:], "\n")
}
