package bot

import (
	"strings"
	"unicode/utf8"
)

// A complaint that counts what happened (停了4次电), says how long it has
// been waiting (三个月了还没通) or what it paid (收了好几万) disputes a
// standard of that kind. A span is a wait only when the wait goes on after
// it (了, 还, 都, 也, 没): 一周来好几拨 counts visits, not days.
//
// These were three regular expressions; scanned by hand they cost a long
// complaint 0.6 µs instead of 8.8 (BenchmarkSaidKinds), and
// TestSaidMatchesItsPatterns keeps the scan equal to the patterns.

var (
	countUnits    = []string{"次", "回", "趟"}
	durationUnits = []string{"个工作日", "个月", "天", "周", "个星期", "年", "个小时", "小时"}
	amountUnits   = []string{"元", "块", "万", "千"}
)

// waitGoesOnAfter are the words after a span that say the wait is not over.
const waitGoesOnAfter = "了还都也没"

// saidKinds reports whether a complaint's text counts something that
// happened, a wait that goes on, and an amount.
func saidKinds(text string) (count, duration, amount bool) {
	var prev rune
	for i, r := range text {
		if n := numeral(prev); n != notNumeral {
			rest := text[i:]
			if n != half {
				count = count || startsWithAny(rest, countUnits)
				amount = amount || startsWithAny(rest, amountUnits)
			}
			duration = duration || waitGoesOn(rest)
		}
		prev = r
	}
	return count, duration, amount
}

const (
	notNumeral = iota
	digitOrNumeral
	half // 半 starts a span (半个月了), not a count or an amount
)

// numeral says whether r can end a number a complaint states.
func numeral(r rune) int {
	switch r {
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
		'一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '几':
		return digitOrNumeral
	case '半':
		return half
	}
	return notNumeral
}

// waitGoesOn says whether s starts with a span (天, 个月 …), optionally 半 or
// 多, and then a word that says the wait is not over.
func waitGoesOn(s string) bool {
	for _, u := range durationUnits {
		if !strings.HasPrefix(s, u) {
			continue
		}
		after := s[len(u):]
		r, n := utf8.DecodeRuneInString(after)
		if r == '半' || r == '多' {
			if r2, _ := utf8.DecodeRuneInString(after[n:]); strings.ContainsRune(waitGoesOnAfter, r2) {
				return true
			}
		}
		if strings.ContainsRune(waitGoesOnAfter, r) {
			return true
		}
	}
	return false
}

// startsWithAny reports whether s starts with one of units.
func startsWithAny(s string, units []string) bool {
	for _, u := range units {
		if strings.HasPrefix(s, u) {
			return true
		}
	}
	return false
}
