package bot

import (
	"strings"
	"unicode/utf8"

	"frontdoor/knowledge"
)

// namedUnitHits is how many of the best items a unit the business names
// may promote: "想请住建局安排个人指导" is about the item 住建局 leads,
// when that item is among the few that fit the words.
const namedUnitHits = 3

// preferNamedUnit moves to the front the first of the best hits, each
// scoring at least minScore, whose routing units the message names, and
// reports whether it found one. A business that names the office it
// wants, or the one it complains of, tells the desk where the matter
// belongs better than a score a few points apart.
func preferNamedUnit(text, region string, res []knowledge.Hit, minScore float64) bool {
	for i := range min(namedUnitHits, len(res)) {
		if res[i].Score < minScore {
			return false
		}
		for _, u := range res[i].Item.RoutingUnits() {
			if namesUnit(text, region, u) {
				if i > 0 {
					h := res[i]
					copy(res[1:i+1], res[:i])
					res[0] = h
				}
				return true
			}
		}
	}
	return false
}

// minUnitRunes is the shortest form of a unit's name a message must hold:
// two characters (局, 委) name nothing in particular.
const minUnitRunes = 3

// namesUnit reports whether text names unit in a form businesses write:
// the whole name, or without the region's or its level's prefix (区住建局
// → 住建局, 区委政法委 → 政法委, 朝阳税务局 → 税务局), or a branch's
// parent office (市市场监管局朝阳分局 → 市场监管局).
func namesUnit(text, region, unit string) bool {
	place := strings.TrimRight(region, "市区县")
	for _, form := range unitForms(unit, place) {
		if utf8.RuneCountInString(form) >= minUnitRunes && strings.Contains(text, form) {
			return true
		}
	}
	return false
}

func unitForms(unit, place string) []string {
	forms := []string{unit}
	u := unit
	for _, p := range []string{"区委", "市委", "县委", "区", "市", "县"} {
		if strings.HasPrefix(u, p) {
			u = strings.TrimPrefix(u, p)
			break
		}
	}
	if place != "" {
		u = strings.TrimPrefix(u, place)
	}
	forms = append(forms, u)
	if i := strings.Index(u, "局"); i > 0 && i+len("局") < len(u) && strings.HasSuffix(u, "分局") {
		forms = append(forms, u[:i+len("局")])
	}
	return forms
}
