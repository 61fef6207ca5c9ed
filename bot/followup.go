package bot

import (
	"slices"
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
	followOpeners = words("那 那么 那要是 那如果 要是 如果 假如 万一 还有 另外 再问 顺便问")
	followPoints  = wordings(words("这个 那个 这项 这条 这事 这块 它 上面 刚才 刚刚 前面说的 你说的"))
)

// refersBack reports a message that opens or closes as a follow-up.
func refersBack(t string) bool {
	for _, o := range followOpeners {
		if strings.HasPrefix(t, o) {
			return true
		}
	}
	return strings.HasSuffix(strings.TrimRight(t, "?？!！。.~～ "), "呢")
}

// followUpMaxRunes: a follow-up is short; a long message tells its own story.
const followUpMaxRunes = 24

// looksLikeFollowUp reports a message shaped as a follow-up: short, and
// pointing back or asking only for a facet ("多久", "找谁").
func looksLikeFollowUp(norm string, f facet) bool {
	t := strings.TrimSpace(norm)
	if runeCount(t) > followUpMaxRunes {
		return false
	}
	refers := refersBack(t) || followPoints.In(t)
	return refers || f != facetNone && runeCount(t) <= 10
}

// followed returns the item a follow-up is about, when the message is one
// and the session remembers an item of this region. A message that points
// back ("这个") is about that item; one that only opens like a follow-up
// ("那注销公司要多久呢") is a new question when its own search finds another
// item with confidence and not the remembered one.
func (e *Engine) followed(a *asked, res []knowledge.Hit, sess *session) (*knowledge.Item, bool) {
	if sess.Item == "" || !looksLikeFollowUp(a.norm, a.facet) {
		return nil, false
	}
	prev, ok := a.kb.Item(sess.Item)
	if !ok || prev.Region != a.region {
		return nil, false
	}
	if !followPoints.In(a.norm) && len(res) > 0 && res[0].Score >= e.cfg.AnswerScore &&
		!slices.ContainsFunc(res, func(h knowledge.Hit) bool { return h.Item == prev }) {
		return nil, false // it names another matter
	}
	if a.facet == facetNone && sess.Asked != "" {
		// "那要是有外线工程呢?" states a new condition for the same figure.
		a.facet = facet(sess.Asked)
	}
	return prev, true
}
