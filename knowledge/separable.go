package knowledge

import (
	"strings"
	"unicode/utf8"
)

// separable lists verb–object words (离合词) that speech splits around an
// aspect particle, a count or a measure word, by verb: 停了三次电 is 停电,
// 办好几个证 is 办证, 开不了工 is 开工. Documents write them whole.
var separable = map[rune]string{
	'停': "电水气工产业",
	'断': "电水气",
	'通': "电水气",
	'接': "电水气",
	'送': "电",
	'交': "税费款",
	'缴': "税费款",
	'退': "税费款",
	'办': "证照",
	'领': "证照",
	'拿': "证照",
	'盖': "章",
	'排': "队",
	'报': "名",
	'贷': "款",
	'还': "款",
	'付': "款",
	'签': "字",
	'开': "工业票会",
}

// separableInfix are the characters that may stand between the two halves:
// aspect (了过着完好上下), negation (不没), numbers, measure words, 半, 多, 些.
const separableInfix = "了过着完好上下不没几一二两三四五六七八九十百千万零半多些个次回趟张份笔天周月年0123456789"

// maxSeparableInfix is the longest infix, in characters (了四五回, 好几个).
const maxSeparableInfix = 4

// joinSeparable returns the whole words that text splits, in order of
// appearance. An object that begins a longer dictionary word (电话, 证明,
// 水平) is not one: 接上了电话 is not 接电.
func (a *analyzer) joinSeparable(text string) []string {
	var out []string
	for i, verb := range text {
		objects, ok := separable[verb]
		if !ok {
			continue
		}
		j := i + utf8.RuneLen(verb)
		for n := 0; j < len(text); n++ {
			r, size := utf8.DecodeRuneInString(text[j:])
			if n > 0 && strings.ContainsRune(objects, r) {
				if !a.beginsLongerWord(text[j:]) {
					out = append(out, string(verb)+string(r))
				}
				break
			}
			if n == maxSeparableInfix || !strings.ContainsRune(separableInfix, r) {
				break
			}
			j += size
		}
	}
	return out
}

// beginsLongerWord reports whether s starts with a dictionary word of two
// characters or more.
func (a *analyzer) beginsLongerWord(s string) bool {
	_, first := utf8.DecodeRuneInString(s)
	_, second := utf8.DecodeRuneInString(s[first:])
	if second == 0 {
		return false
	}
	_, _, ok := a.seg.Find(s[:first+second])
	return ok
}
