package knowledge

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A figure may bound the condition a promise holds under rather than
// state the promise: "160千瓦及以下的小微企业…零投资", "年营业收入1000万元以
// 下的企业". A question that states its own quantity in the same unit
// ("用电也就一百二十千瓦") meets the bound or not, whatever words it shares
// with the clause: the figure whose condition it meets answers it.

// reBoundAfter is what follows a figure that bounds a condition: the
// direction, then the thing bounded (的) or the next bound of a list (、).
var reBoundAfter = regexp.MustCompile(`^(?:及|或)?(以下|以内|以上|及以下|及以上)(?:的|、|,)`)

// conditionBound is the bound a commitment's figure sets on its condition:
// the limit, and whether the condition holds at or below it.
func conditionBound(c Commitment) (limit float64, upper, ok bool) {
	if c.Kind != "quantity" && c.Kind != "money" {
		return 0, false, false
	}
	i := strings.Index(c.Subject, c.Text)
	if i < 0 {
		return 0, false, false
	}
	m := reBoundAfter.FindStringSubmatch(c.Subject[i+len(c.Text):])
	if m == nil {
		return 0, false, false
	}
	v, err := strconv.ParseFloat(c.Value, 64)
	if err != nil {
		return 0, false, false
	}
	return v, m[1] != "以上" && m[1] != "及以上", true
}

// reQuantity is a number a business writes, with what may follow it
// before its unit: "一百二十千瓦", "120多千瓦", "八百来万".
var reQuantity = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百千]+)(?:来|多|左右|出头|上下)?`)

// quantitiesIn are the values the text states in unit (as commitments
// name it: "千瓦", "万元"); a sum of money may leave off its 元.
func quantitiesIn(text, unit string) []float64 {
	units := []string{unit}
	if strings.HasSuffix(unit, "元") && unit != "元" {
		units = append(units, strings.TrimSuffix(unit, "元"))
	}
	var out []float64
	for _, loc := range reQuantity.FindAllStringSubmatchIndex(text, -1) {
		num, rest := text[loc[2]:loc[3]], text[loc[1]:]
		if !hasAnyPrefix(rest, units) {
			// the numerals took the unit's first character: 一百二十千|瓦
			_, size := utf8.DecodeLastRuneInString(num)
			if loc[3] != loc[1] || len(num) <= size || !hasAnyPrefix(text[loc[3]-size:], units) {
				continue
			}
			num = num[:len(num)-size]
		}
		if v, err := strconv.ParseFloat(num, 64); err == nil {
			out = append(out, v)
		} else if n, ok := parseChineseNumber(num); ok && n > 0 {
			out = append(out, float64(n))
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// boundWeight is what meeting a figure's bound counts for in choosing it,
// and failing it against: about a distinctive word's worth, so that the
// bound decides between clauses the words do not tell apart, and a place
// or a kind of business the question names still counts.
const boundWeight = 1.5

// boundEvidence is how a question's own quantities bear on a commitment
// whose figure bounds its condition: boundWeight when every quantity in
// its unit meets the bound, minus boundWeight when one fails it, 0 when
// the question states none.
func (qn *Question) boundEvidence(c Commitment) float64 {
	limit, upper, ok := conditionBound(c)
	if !ok {
		return 0
	}
	qs, ok := qn.quantities[c.Unit]
	if !ok {
		qs = quantitiesIn(qn.q.full, c.Unit)
		if qn.quantities == nil {
			qn.quantities = map[string][]float64{}
		}
		qn.quantities[c.Unit] = qs
	}
	if len(qs) == 0 {
		return 0
	}
	for _, v := range qs {
		if upper && v > limit || !upper && v < limit {
			return -boundWeight
		}
	}
	return boundWeight
}
