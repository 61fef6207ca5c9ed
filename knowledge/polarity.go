package knowledge

import (
	"strings"
	"unicode/utf8"
)

// Conditions in a question and in a figure's clause are often the same
// words with opposite signs: "不用挖路的话几天通电" asks for the figure of
// 无外部工程, not the one of 有外部工程, though both clauses share every word
// but one. A term is negated where a negator ends right before it.

// negators are the words that deny what follows them, longest first.
var negators = []string{"不需要", "不涉及", "不用", "不需", "无需", "不要", "没有", "不含", "不是", "非", "无", "没", "不", "未", "免"}

// negatedAt reports whether the term starting at byte i of s is negated:
// a negator ends at most one character before it ("没有外线", "不用挖路",
// "无外部工程", "不是小微"), within its own clause.
func negatedAt(s string, i int) bool {
	before := s[:i]
	for skip := 0; skip <= 1; skip++ {
		for _, n := range negators {
			if strings.HasSuffix(before, n) {
				return true
			}
		}
		r, size := utf8.DecodeLastRuneInString(before)
		if size == 0 || strings.ContainsRune(",.;:!?，。；：！？、 ", r) {
			return false
		}
		before = before[:len(before)-size]
	}
	return false
}

// termSign is how a text says a term: absent, affirmed or negated.
type termSign int8

const (
	signAbsent termSign = iota
	signAffirmed
	signNegated
)

// signOf finds the term in s and says whether its first occurrence is
// negated.
func signOf(s, term string) termSign {
	i := strings.Index(s, term)
	switch {
	case i < 0:
		return signAbsent
	case negatedAt(s, i):
		return signNegated
	}
	return signAffirmed
}

// Agreement weights: a condition both deny is strong evidence of the right
// figure; a condition one denies and the other affirms is evidence of the
// wrong one, and weighs more, since the texts share every other word.
const (
	agreeWeight    = 1.5
	disagreeWeight = 3.0
)

// polarity scores how the negations of the terms a question shares with a
// clause agree: the question's words, and the members of the concepts
// both hold. The question's side of each term is worked out once for all
// the clauses it is weighed against.
func (qn *Question) polarity(clause analysedText) float64 {
	q := qn.q
	score := 0.0
	judge := func(qs, cs termSign) {
		switch {
		case qs == signAbsent || cs == signAbsent:
		case qs == signNegated && cs == signNegated:
			score += agreeWeight
		case qs != cs:
			score -= disagreeWeight
		}
	}
	for _, w := range q.words {
		if strings.HasPrefix(w.tok, "§") || runeLen(w.tok) < 2 || !clause.runes.mayHold(w.tok) {
			continue
		}
		if cs := signOf(clause.norm, w.tok); cs != signAbsent {
			judge(qn.sign(w.tok), cs)
		}
	}
	for _, c := range clause.concepts {
		if !q.words.has(c.tok) {
			continue
		}
		if qs := qn.sign(c.tok); qs != signAbsent {
			judge(qs, qn.an.conceptSign(clause.norm, c.tok))
		}
	}
	return score
}

// sign is how the question says a word or a concept (§n), remembered.
func (qn *Question) sign(tok string) termSign {
	if s, ok := qn.signs[tok]; ok {
		return s
	}
	var s termSign
	if strings.HasPrefix(tok, "§") {
		s = qn.an.conceptSign(qn.q.full, tok)
	} else {
		s = signOf(qn.q.full, tok)
	}
	if qn.signs == nil {
		qn.signs = map[string]termSign{}
	}
	qn.signs[tok] = s
	return s
}

// conceptSign is how a text says a concept: negated if any member it holds
// is negated where it first stands, affirmed if it holds one, else absent.
func (a *analyzer) conceptSign(s, tok string) termSign {
	c := a.conceptByToken(tok)
	if c == nil {
		return signAbsent
	}
	sign := signAbsent
	for _, m := range c.members {
		switch signOf(s, m) {
		case signNegated:
			return signNegated
		case signAffirmed:
			sign = signAffirmed
		}
	}
	return sign
}

// conceptByToken is the concept a token (§n) stands for.
func (a *analyzer) conceptByToken(tok string) *concept {
	n := 0
	for _, r := range strings.TrimPrefix(tok, "§") {
		if r < '0' || r > '9' {
			return nil
		}
		n = n*10 + int(r-'0')
	}
	if n < 0 || n >= len(a.concepts) {
		return nil
	}
	return &a.concepts[n]
}
