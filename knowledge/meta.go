package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	// Document genres a title ends with.
	reTitleGenre = regexp.MustCompile(`(方案|意见|通知|要点|办法|规定|措施|细则|计划|解读|条例|决定|清单|指引|通告|公告|规划|纲要|若干政策)[》」”]?\s*[|]?$`)
	reDocNumber  = regexp.MustCompile(`^[\p{Han}]{1,10}[〔\[(（【]\d{4}[〕\])）】]\s*\d{1,4}号?$`)
	reCNDate     = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$`)
	reRunDate    = regexp.MustCompile(`^(20\d{2})(\d{2,4})$`)
	reIssuer     = regexp.MustCompile(`^(中共)?[\p{Han}()]{2,24}(人民政府办公室|人民政府|办公室|办公厅|委员会|工委|党工委|管委会|领导小组|局|委|厅)$`)
	// A region is named before what it issues or plans: 红谷滩区关于…,
	// 长春市朝阳区人民政府, 《徐州市2019…, 河池市2024年….
	reSiteTag = regexp.MustCompile(`^【[^】]{1,8}】`)
	reRegion  = regexp.MustCompile(`(?:中共|^|[\d年】》《“"]|印发|关于)((?:[^\x00-\x{33FF}\x{A000}-\x{10FFFF}年月日市委省区县州盟的在于和与及对为等共][\p{Han}]{1,3}?(?:省|自治区))?)((?:[^\x00-\x{33FF}\x{A000}-\x{10FFFF}年月日市委省区县州盟的在于和与及对为等共][\p{Han}]{1,3}?(?:市|州|盟))?)委?([^\x00-\x{33FF}\x{A000}-\x{10FFFF}年月日市委省区县州盟的在于和与及对为等共][\p{Han}]{1,4}?(?:开发区|高新区|经开区|新区|自治县|区|县|旗|市))(?:关于|人民政府|政府|优化|营商|委|工委|党工委|管委会|[\d“"]|的|行政)`)
)

// meta holds what a document says about itself.
type meta struct {
	title, issuer, date, number string
	regions                     []regionMention
}

type regionMention struct {
	full, name string // 长春市朝阳区, 朝阳区
	weight     int
}

// readMeta looks at the head and the signature of a document for its
// title, issuer, date and number, and at the title and issuer for its region.
func readMeta(lines []string) meta {
	var m meta
	head := lines
	if len(head) > 25 {
		head = head[:25]
	}
	for i, l := range head {
		if m.number == "" && reDocNumber.MatchString(l) {
			m.number = strings.TrimSuffix(l, "号")
			continue
		}
		if m.title == "" && looksLikeTitle(l) {
			l = reSiteTag.ReplaceAllString(l, "")
			m.title = strings.TrimSpace(strings.TrimSuffix(l, "|"))
			// a subtitle: the main title is the line above
			if strings.HasPrefix(m.title, "——") && i > 0 {
				m.title = lines[i-1] + m.title
			}
		}
	}
	// Signature: an issuer line followed by a date line.
	for i, l := range lines {
		d, ok := parseDateLine(l)
		if !ok {
			continue
		}
		if m.date == "" {
			m.date = d
		}
		if i > 0 && m.issuer == "" && reIssuer.MatchString(lines[i-1]) {
			m.issuer = lines[i-1]
		}
	}
	if m.title == "" && len(lines) > 0 {
		m.title = truncateRunes(lines[0], 40)
	}
	m.regions = append(findRegions(m.title, 3), findRegions(m.issuer, 3)...)
	for _, l := range head {
		m.regions = append(m.regions, findRegions(l, 1)...)
	}
	return m
}

func looksLikeTitle(l string) bool {
	n := runeLen(l)
	if n < 6 || n > 70 || strings.Contains(l, "。") || strings.HasPrefix(l, "《") {
		return false
	}
	return reTitleGenre.MatchString(l)
}

// parseDateLine reads a line that is only a date: 2021年4月19日, or the
// 2021525 a broken page leaves.
func parseDateLine(l string) (string, bool) {
	if m := reCNDate.FindStringSubmatch(l); m != nil {
		return ymd(m[1], m[2], m[3])
	}
	if m := reRunDate.FindStringSubmatch(l); m != nil {
		// 2021525: month and day run together; try both readings
		md := m[2]
		for i := 1; i < len(md) && i <= 2; i++ {
			if d, ok := ymd(m[1], md[:i], md[i:]); ok && len(md[i:]) <= 2 {
				return d, true
			}
		}
	}
	return "", false
}

func ymd(y, mo, d string) (string, bool) {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(mo)
	di, _ := strconv.Atoi(d)
	if yi < 1990 || yi > 2100 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", yi, mi, di), true
}

func findRegions(s string, weight int) []regionMention {
	var out []regionMention
	for _, m := range reRegion.FindAllStringSubmatch(s, -1) {
		out = append(out, regionMention{full: m[1] + m[2] + m[3], name: m[3], weight: weight})
	}
	return out
}

// regionLevel orders regions from the most local (2) to the widest (0).
func regionLevel(name string) int {
	switch {
	case strings.HasSuffix(name, "区"), strings.HasSuffix(name, "县"), strings.HasSuffix(name, "旗"):
		return 2
	case strings.HasSuffix(name, "市"), strings.HasSuffix(name, "州"), strings.HasSuffix(name, "盟"):
		return 1
	}
	return 0
}

// pickRegion chooses the region a document belongs to: from its title and
// issuer when they name one (the most local wins), else the region its
// opening lines name most often.
func pickRegion(ms []regionMention) (name string, aliases []string) {
	score := map[string]int{}
	strong := map[string]bool{}
	full := map[string][]string{}
	for _, m := range ms {
		score[m.name] += m.weight
		if m.weight > 1 {
			strong[m.name] = true
		}
		if m.full != m.name {
			full[m.name] = append(full[m.name], m.full)
		}
	}
	best, bestKey := "", -1
	for n, s := range score {
		key := s
		if strong[n] {
			key = 1_000_000 + regionLevel(n)*1000 + s
		}
		if key > bestKey || key == bestKey && n < best {
			best, bestKey = n, key
		}
	}
	return best, uniqueStrings(full[best])
}
