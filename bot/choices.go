package bot

import (
	"strings"

	"frontdoor/knowledge"
)

// When the engine is not sure what a message means or which item it is
// about, it asks one short question with two or three numbered choices,
// and the business answers with the number. A wrong guess costs more: a
// policy text for a complaint leaves it unheard, a ticket for a question
// sends a government office work it should not have.

// Choice is one numbered option of a question the bot asks back.
type Choice struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// option is what a choice stands for: an intent, or an item.
type option struct {
	intent Intent
	item   string // knowledge-base item id
}

// encodeOptions stores options in the session: "i:complaint|k:file#path".
func encodeOptions(opts []option) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		if o.item != "" {
			parts[i] = "k:" + o.item
		} else {
			parts[i] = "i:" + string(o.intent)
		}
	}
	return strings.Join(parts, "|")
}

func decodeOptions(s string) []option {
	var out []option
	for p := range strings.SplitSeq(s, "|") {
		switch {
		case strings.HasPrefix(p, "k:"):
			out = append(out, option{item: p[2:]})
		case strings.HasPrefix(p, "i:"):
			out = append(out, option{intent: Intent(p[2:])})
		}
	}
	return out
}

// choiceNumber reads an answer to a numbered question: "2", "2.", "第二个",
// "选2", "②". It is 0 when the text is not a bare number.
func choiceNumber(text string) int {
	t := strings.Trim(text, " 。.!！~～,，")
	for _, p := range []string{"选", "第", "就"} {
		t = strings.TrimPrefix(t, p)
	}
	for _, s := range []string{"个", "项", "条", "吧", "号"} {
		t = strings.TrimSuffix(t, s)
	}
	switch t {
	case "1", "一", "①":
		return 1
	case "2", "二", "②":
		return 2
	case "3", "三", "③":
		return 3
	}
	return 0
}

// pick takes the business's answer to the bot's question: the option it
// chose, if the text is one of the numbers offered.
func (s *session) pick(text string) (option, bool) {
	opts := decodeOptions(s.Choices)
	n := choiceNumber(text)
	if n < 1 || n > len(opts) {
		return option{}, false
	}
	return opts[n-1], true
}

// askBack is a reply that asks which option was meant, and remembers the
// question and the options in the session.
func askBack(sess *session, question, lead string, texts []string, opts []option, region string, intent Intent) Reply {
	var b strings.Builder
	b.WriteString(lead)
	b.WriteString("\n")
	choices := make([]Choice, len(texts))
	for i, t := range texts {
		choices[i] = Choice{N: i + 1, Text: t}
		b.WriteString(string(rune('1'+i)) + ". " + t + "\n")
	}
	b.WriteString(answerWithNumberText)
	sess.Awaiting, sess.Pending, sess.Choices = "choice", question, encodeOptions(opts)
	return Reply{Text: b.String(), Intent: intent, Region: region, Choices: choices, Citations: []Citation{}}
}

// askIntent asks which of the likely intents the message meant.
func (e *Engine) askIntent(a asked, res []knowledge.Hit, u understanding, sess *session) Reply {
	texts := make([]string, len(u.unsure))
	opts := make([]option, len(u.unsure))
	for i, in := range u.unsure {
		texts[i], opts[i] = intentChoice[in], option{intent: in}
	}
	r := askBack(sess, a.text, askIntentText, texts, opts, a.region, u.intent)
	r.Citations = e.citations(a.kb, res)
	return r
}

// askItem asks which of the close items a question is about.
func (e *Engine) askItem(a asked, res []knowledge.Hit, sess *session) Reply {
	var texts []string
	var opts []option
	for i, h := range res {
		if i == 3 || (i > 0 && h.Score < res[0].Score*(1-2*e.cfg.ItemMargin)) {
			break
		}
		texts = append(texts, itemChoiceText(h.Item))
		opts = append(opts, option{item: h.Item.ID})
	}
	r := askBack(sess, a.text, askItemText, texts, opts, a.region, PolicyQuery)
	r.Citations = e.citations(a.kb, res)
	return r
}

// itemChoiceText names an item briefly for a choice.
func itemChoiceText(it *knowledge.Item) string {
	t := strings.TrimRight(it.Title, "。.")
	if runeCount(t) > 28 {
		t = string([]rune(t)[:28]) + "…"
	}
	return t
}

// unsureItem reports a ranking whose two best items are too close to tell
// apart: asking beats guessing.
func (e *Engine) unsureItem(res []knowledge.Hit) bool {
	if len(res) < 2 || res[0].Score < e.cfg.AnswerScore {
		return false
	}
	return res[1].Score >= res[0].Score*(1-e.cfg.ItemMargin) && res[0].Item.Title != res[1].Item.Title
}
