package bot

import (
	"strings"

	"golang.org/x/text/width"

	"frontdoor/bot/intent"
)

// What a message means is learned, not listed: the intent model (package
// intent) is trained on the corpus of business messages beside the
// documents, and says how sure it is. Below IntentConfidence the engine
// asks which was meant instead of guessing.

// understanding is what the engine made of a message.
type understanding struct {
	intent Intent
	pred   intent.Prediction
	// unsure lists the intents to offer when the model is not sure enough
	// to act; empty when it is.
	unsure []Intent
}

// askable are the intents worth asking about: each leads somewhere
// different (an answer, a ticket, a person). A greeting or an off-topic
// message costs nothing when mistaken, so it is never asked about.
var askable = map[Intent]bool{PolicyQuery: true, Complaint: true, AssistRequest: true, Human: true, ProgressQuery: true}

// understand classifies a normalised message.
func (e *Engine) understand(norm string) understanding {
	m := e.intents()
	if m == nil {
		return understanding{intent: PolicyQuery}
	}
	p := m.Predict(norm)
	u := understanding{intent: Intent(p.Top().Label), pred: p}
	if p.Top().P >= e.cfg.IntentConfidence || !askable[u.intent] {
		return u
	}
	for _, s := range p {
		if len(u.unsure) == 3 || s.P < e.cfg.IntentAlternative {
			break
		}
		if askable[Intent(s.Label)] {
			u.unsure = append(u.unsure, Intent(s.Label))
		}
	}
	if len(u.unsure) < 2 {
		u.unsure = nil
	}
	return u
}

// Ratings a business answers a request to rate with.
var ratingWords = map[string]string{
	"1": "good", "2": "neutral", "3": "bad",
	"好评": "good", "满意": "good", "非常满意": "good", "很满意": "good", "很好": "good", "好": "good", "不错": "good",
	"中评": "neutral", "一般": "neutral", "还行": "neutral", "基本满意": "neutral", "凑合": "neutral",
	"差评": "bad", "不满意": "bad", "很不满意": "bad", "很差": "bad", "差": "bad", "太差": "bad", "不好": "bad", "非常不满意": "bad",
}

// normalize folds widths and case so that cues match however typed.
func normalize(s string) string {
	return strings.ToLower(width.Narrow.String(strings.TrimSpace(s)))
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// ratingOf reads a rating answer ("1", "满意", "差评").
func ratingOf(text string) (string, bool) {
	t := strings.Trim(text, " 。.!！~～")
	if r, ok := ratingWords[t]; ok {
		return r, true
	}
	for _, w := range []string{"非常不满意", "很不满意", "不满意", "差评", "中评", "好评", "非常满意", "基本满意", "满意"} {
		if strings.HasPrefix(t, w) && runeCount(t) <= len([]rune(w))+6 {
			return ratingWords[w], true
		}
	}
	return "", false
}

func runeCount(s string) int { return len([]rune(s)) }
