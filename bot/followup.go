package bot

import (
	"regexp"
	"strings"

	"frontdoor/knowledge"
)

// A business asks about one thing in several messages: "接电要多久?" then
// "那要是有外线工程呢?", "这个找谁", "要带什么材料". Such a follow-up is about
// the item just discussed, and the figure it asked for before, unless it
// clearly names another matter.

// Follow-ups point back: they open with "那/要是/如果/还有", end with "呢",
// or refer to "这个/那个/它". These are Chinese discourse markers, not the
// wording of any document.
var (
	reFollowOpener = regexp.MustCompile(`^(那|那么|那要是|那如果|要是|如果|假如|万一|还有|另外|再问|顺便问)`)
	reFollowCloser = regexp.MustCompile(`呢[?？!！。.~～]*$`)
	reFollowPoint  = regexp.MustCompile(`这个|那个|这项|这条|这事|这块|它|上面|刚才|刚刚|前面说的|你说的`)
)

// followUpMaxRunes: a follow-up is short; a long message tells its own story.
const followUpMaxRunes = 24

// followUpFit: a follow-up whose own best item fits this well, and does not
// point back, is a new question.
const followUpFit = 0.55

// followed returns the item a follow-up is about, when the message is one
// and the session remembers an item of this region.
func (e *Engine) followed(a *asked, res []knowledge.Hit, sess *session) (*knowledge.Item, bool) {
	if sess.Item == "" || runeCount(a.norm) > followUpMaxRunes {
		return nil, false
	}
	prev, ok := a.kb.Item(sess.Item)
	if !ok || prev.Region != a.region {
		return nil, false
	}
	t := strings.TrimSpace(a.norm)
	points := reFollowPoint.MatchString(t)
	refers := points || reFollowOpener.MatchString(t) || reFollowCloser.MatchString(t)
	bare := a.facet != facetNone && runeCount(t) <= 10
	if !refers && !bare {
		return nil, false
	}
	if len(res) > 0 && res[0].Item != prev && res[0].Fit >= followUpFit && !points {
		return nil, false // it names another matter
	}
	if a.facet == facetNone && sess.Asked != "" {
		// "那要是有外线工程呢?" states a new condition for the same figure.
		a.facet = facet(sess.Asked)
	}
	return prev, true
}
