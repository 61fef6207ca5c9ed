package bot

import (
	"math/bits"
	"strconv"
	"strings"
)

// figures lists the values of the figures s states, normalised so that a
// value reads one way whatever its form:
//   - Arabic digits (full-width too) with a decimal point or thousands
//     commas, and Chinese numerals: 3 and 三 are "3", 二〇二四 is "2024";
//     0.5 and 5 differ, 3.50 is "3.5";
//   - 百, 千, 万 and 亿 after a number multiply it: 1万, 一万, 10,000 and
//     10000 are all "10000", 五十万 is "500000" and 50元 is not;
//   - a percentage keeps its sign: 10%, 10％ and 百分之十 are "10%", and
//     "10" is a different value;
//   - dates are their numbers: 2024年3月 states "2024" and "3".
//
// The unit is not part of the value: 3个工作日 and 3天 both state "3";
// measuredFigures says which unit each is in.
// Arabic digits always state a figure. A Chinese numeral states one when a
// measure word follows it (三个工作日, 十余家, 五天), 百分之 precedes it, it
// is a whole number with a unit or a year (二十, 五十万, 二〇二四), or it
// starts a range whose end is a figure (三到五个): words that merely hold a
// numeral (统一, 一网通办, 十分, 一次性, 十四五) state none.
func figures(s string) []string { return valuesOf(scanFigures(s, false)) }

// numerals is figures counting every Chinese numeral: in names (an item's
// number 一(四), a document's title) a numeral need not be a quantity.
func numerals(s string) []string { return valuesOf(scanFigures(s, true)) }

// measured is a figure's value and the unit it is stated in ("" when it
// is none of measureUnits, or none at all).
type measured struct{ value, unit string }

// measuredFigures is figures with each value's unit: 3个工作日 is {3 工作日},
// 三到五天 {3 天} and {5 天}.
func measuredFigures(s string) []measured { return scanFigures(s, false) }

func valuesOf(ms []measured) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.value
	}
	return out
}

// numberToken is a number read from text.
type numberToken struct {
	values     []string
	start, end int // runes, 百分之 and multipliers included
	counts     bool
	unit       string
}

func scanFigures(s string, all bool) []measured {
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= '０' && r <= '９':
			rs[i] = r - '０' + '0'
		case r == '％':
			rs[i] = '%'
		case r == '．':
			rs[i] = '.'
		}
	}
	var toks []numberToken
	for i := 0; i < len(rs); {
		j, percent := i, false
		if runesAt(rs, i, "百分之") {
			j, percent = i+3, true
		}
		switch {
		case j < len(rs) && isASCIIDigit(rs[j]):
			v, end := arabic(rs, j)
			v, end = scaled(rs, v, end)
			if !percent && end < len(rs) && rs[end] == '%' {
				percent, end = true, end+1
			}
			if percent {
				v += "%"
			}
			toks = append(toks, numberToken{values: []string{v}, start: i, end: end, counts: true, unit: unitAt(rs, end)})
			i = end
		case j < len(rs) && isChineseNumeral(rs[j]):
			k := j
			for k < len(rs) && isChineseNumeral(rs[k]) {
				k++
			}
			run := rs[j:k]
			vals, whole := chineseValues(run)
			end := k
			if len(vals) == 1 {
				vals[0], end = scaled(rs, vals[0], k)
			}
			if percent {
				for n := range vals {
					vals[n] += "%"
				}
			}
			counts := all || percent || len(vals) > 0 &&
				(whole || measureAt(rs, end) || runesAt(rs, j-2, "分之")) && !idiom(rs, j, k)
			toks = append(toks, numberToken{values: vals, start: i, end: end, counts: counts, unit: unitAt(rs, end)})
			i = end
		default:
			i++
		}
	}
	// A range's start counts when its end does, and is in its unit:
	// 三到五个工作日.
	for t := len(toks) - 2; t >= 0; t-- {
		if toks[t+1].start == toks[t].end+1 && strings.ContainsRune("到至~～-－—、或和", rs[toks[t].end]) {
			if !toks[t].counts && toks[t+1].counts {
				toks[t].counts = true
			}
			if toks[t].unit == "" {
				toks[t].unit = toks[t+1].unit
			}
		}
	}
	var out []measured
	for _, t := range toks {
		if t.counts {
			for _, v := range t.values {
				out = append(out, measured{v, t.unit})
			}
		}
	}
	return out
}

// measureUnits are the units a figure's value is compared in, longest
// first, each with the unit it is the same as: a time limit in working
// days is not one in days, nor a fee in 元 a count of items. 日 and 月
// alone are left out: they are as often a date's (31日, 3月) as a span's.
var measureUnits = []struct{ word, unit string }{
	{"个工作日", "工作日"}, {"工作日", "工作日"}, {"个自然日", "天"}, {"自然日", "天"}, {"天", "天"},
	{"个半小时", "小时"}, {"个小时", "小时"}, {"小时", "小时"}, {"分钟", "分钟"}, {"个星期", "周"}, {"星期", "周"}, {"周", "周"},
	{"个半月", "月"}, {"个月", "月"}, {"年", "年"}, {"元", "元"}, {"千瓦", "千瓦"}, {"平方米", "平方米"},
	{"次", "次"}, {"项", "项"}, {"件", "件"}, {"家", "家"}, {"个", "个"},
}

// unitAt is the unit of measureUnits that rs holds at i, after an
// approximation (多, 余, 来, 几); "" for none.
func unitAt(rs []rune, i int) string {
	i = pastApproximation(rs, i)
	for _, u := range measureUnits {
		if runesAt(rs, i, u.word) {
			return u.unit
		}
	}
	return ""
}

// arabic reads the number of Arabic digits at rs[i]: thousands commas are
// dropped, a decimal point kept.
func arabic(rs []rune, i int) (string, int) {
	var whole, frac []rune
	for i < len(rs) {
		if isASCIIDigit(rs[i]) {
			whole = append(whole, rs[i])
			i++
			continue
		}
		// 1,000,000: a comma followed by exactly three digits
		if rs[i] == ',' && i+3 < len(rs) && isASCIIDigit(rs[i+1]) && isASCIIDigit(rs[i+2]) && isASCIIDigit(rs[i+3]) &&
			(i+4 == len(rs) || !isASCIIDigit(rs[i+4])) {
			i++
			continue
		}
		break
	}
	if i+1 < len(rs) && rs[i] == '.' && isASCIIDigit(rs[i+1]) {
		for i++; i < len(rs) && isASCIIDigit(rs[i]); i++ {
			frac = append(frac, rs[i])
		}
	}
	return decimal(string(whole), string(frac)), i
}

// decimal writes a number one way: no leading zeros, no trailing zeros
// after the point.
func decimal(whole, frac string) string {
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		return whole + "." + frac
	}
	return whole
}

// maxShift caps the power of ten multipliers raise a number by; no real
// figure comes near it.
const maxShift = 24

// scaled multiplies v by the multipliers (百 千 万 亿) at rs[i], after an
// optional 多 or 余 (二十多万): 3.5万 is 35000.
func scaled(rs []rune, v string, i int) (string, int) {
	j := i
	if j < len(rs) && (rs[j] == '多' || rs[j] == '余') {
		j++
	}
	shift, k := 0, j
	for ; k < len(rs); k++ {
		m := multiplier(rs[k])
		if m < 100 {
			break
		}
		shift = min(shift+len(strconv.FormatUint(m, 10))-1, maxShift)
	}
	if k == j {
		return v, i
	}
	whole, frac, _ := strings.Cut(v, ".")
	for ; shift > 0; shift-- {
		if frac != "" {
			whole, frac = whole+frac[:1], frac[1:]
		} else {
			whole += "0"
		}
	}
	return decimal(whole, frac), k
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func isChineseNumeral(r rune) bool {
	return strings.ContainsRune("〇零一二两三四五六七八九十百千万亿", r)
}

// chineseDigit is the value of a Chinese digit, or -1.
func chineseDigit(r rune) int {
	switch r {
	case '〇', '零':
		return 0
	case '两':
		return 2
	}
	if i := strings.IndexRune("一二三四五六七八九", r); i >= 0 {
		return i/len("一") + 1
	}
	return -1
}

// multiplier is the value of 十 百 千 万 亿, or 0.
func multiplier(r rune) uint64 {
	switch r {
	case '十':
		return 10
	case '百':
		return 100
	case '千':
		return 1000
	case '万':
		return 1e4
	case '亿':
		return 1e8
	}
	return 0
}

// chineseValues reads a run of Chinese numerals: one number (二十, 一千零五,
// 三亿五千万), a year written digit by digit (二〇二四), or numbers side by
// side (三五天, 十四五); whole reports one number of two or more numerals.
func chineseValues(run []rune) (vals []string, whole bool) {
	units := strings.ContainsFunc(string(run), func(r rune) bool { return multiplier(r) > 0 })
	if !units {
		zero := strings.ContainsAny(string(run), "〇零")
		if len(run) >= 3 || zero && len(run) == 2 {
			digits := make([]byte, len(run))
			for i, r := range run {
				digits[i] = byte('0' + chineseDigit(r))
			}
			return []string{decimal(string(digits), "")}, true
		}
		for _, r := range run {
			vals = append(vals, strconv.Itoa(chineseDigit(r)))
		}
		return vals, false
	}
	var total, section, num uint64
	hasNum, started, broken, overflow := false, false, false, false
	flush := func() {
		if started {
			vals = append(vals, strconv.FormatUint(total+section+num, 10))
		}
		total, section, num, hasNum, started = 0, 0, 0, false, false
	}
	// mul is a*b, noting an overflow past 10^18.
	mul := func(a, b uint64) uint64 {
		hi, lo := bits.Mul64(a, b)
		if hi != 0 || lo > 1e18 {
			overflow = true
		}
		return lo
	}
	for _, r := range run {
		switch unit := multiplier(r); {
		case unit == 0 && chineseDigit(r) == 0: // 零 holds a place: 一千零五
			if hasNum {
				flush()
				broken = true
			}
			started = true
		case unit == 0:
			if hasNum { // two digits in a row start a new number
				flush()
				broken = true
			}
			num, hasNum, started = uint64(chineseDigit(r)), true, true
		case unit < 1e4:
			if !hasNum {
				if unit != 10 { // 百 with no digit before it
					broken = true
					continue
				}
				num = 1 // 十五
			}
			section += mul(num, unit)
			num, hasNum, started = 0, false, true
		default:
			if !started {
				broken = true
				continue
			}
			section += num
			num, hasNum = 0, false
			if unit == 1e4 {
				total += mul(section, unit)
			} else {
				total = mul(total+section, unit)
			}
			section = 0
		}
	}
	flush()
	if overflow {
		// no figure is that large: keep the words, which only the same
		// words match
		return []string{string(run)}, true
	}
	return vals, !broken && len(vals) == 1 && len(run) >= 2
}

// measureAt reports whether a measure word (个, 天, 元, 小时…) stands at
// rs[i], after an optional 多, 余, 来 or 几.
func measureAt(rs []rune, i int) bool {
	i = pastApproximation(rs, i)
	if i >= len(rs) {
		return false
	}
	next := rune(0)
	if i+1 < len(rs) {
		next = rs[i+1]
	}
	switch r := rs[i]; r {
	case '小':
		return next == '时'
	case '分':
		return next == '钟' || next == '之'
	case '平', '立':
		return next == '方'
	case '公':
		return strings.ContainsRune("里顷斤", next)
	case '工':
		return next == '作'
	case '星':
		return next == '期'
	default:
		return strings.ContainsRune("个天日年月周秒元角项次件名人家户份倍成米亩吨台套笔张类种条层级位所座辆间岁页本批轮期届季克斤瓦伏度", r)
	}
}

// idiom reports whether the lone 一 at rs[i:j] is part of a word rather
// than a quantity: 同一, 统一, 一次性, 一件事, 一条龙.
func idiom(rs []rune, i, j int) bool {
	if j != i+1 || rs[i] != '一' {
		return false
	}
	if i > 0 && strings.ContainsRune("同统唯逐进划专单万", rs[i-1]) {
		return true
	}
	for _, w := range []string{"次性", "件事", "条龙", "揽子", "把手", "张网", "张图", "张表", "个窗口", "本账"} {
		if runesAt(rs, j, w) {
			return true
		}
	}
	return false
}

// runesAt reports whether rs holds w at i.
func runesAt(rs []rune, i int, w string) bool {
	if i < 0 {
		return false
	}
	for _, r := range w {
		if i >= len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return true
}

// pastApproximation is i, or i+1 when rs holds at i a word that makes the
// number before it approximate (三十多天, 十余家, 十来个, 十几项).
func pastApproximation(rs []rune, i int) int {
	if i < len(rs) && strings.ContainsRune("多余来几", rs[i]) {
		return i + 1
	}
	return i
}
