package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultTimezone is the zone official dates are read in when the data does
// not name one; the State Council schedules are dates in Beijing time.
const DefaultTimezone = "Asia/Shanghai"

// Data is a parsed holiday schedule: per-year State Council schedules plus
// operator overrides of single days. Nothing modifies it after parsing, so
// values can be shared freely and layered with [Merge].
type Data struct {
	loc       *time.Location // nil when the document names no zone
	years     map[int]*yearData
	overrides map[day]bool // true: working day
}

type yearData struct {
	days map[day]entry
}

// entry is a day that departs from the weekend rule.
type entry struct {
	work bool
	name string // holiday name; empty for make-up working days and overrides
}

// ParseError points at the place in the YAML document an operator has to fix.
type ParseError struct {
	Line, Column int
	Msg          string
}

// Error names the line first, since that is what an operator looks for.
func (e *ParseError) Error() string {
	return fmt.Sprintf("calendar: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Parse reads a calendar document. Every problem found is reported, joined
// into one error of [*ParseError] values, so that an operator can fix a file
// in one pass instead of one mistake per deployment. Malformed YAML is
// reported as the YAML decoder words it, which also names the line.
func Parse(data []byte) (*Data, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("calendar: document is empty")
	}
	return parseNode(&doc)
}

// UnmarshalYAML lets the same format sit under a key of a larger document,
// such as the catalogue's calendar section, with line numbers that still
// refer to that document.
func (d *Data) UnmarshalYAML(n *yaml.Node) error {
	parsed, err := parseNode(n)
	if err != nil {
		return err
	}
	*d = *parsed
	return nil
}

// Merge layers calendar data: for the zone and for each year, the last Data
// that defines it wins whole, because a year's schedule is published as one
// piece and mixing two versions of it would yield a schedule nobody issued.
// Overrides are merged day by day, later ones winning, and apply on top of
// every year schedule regardless of order. Nil values are skipped and the
// inputs are left untouched.
func Merge(ds ...*Data) *Data {
	out := &Data{years: map[int]*yearData{}, overrides: map[day]bool{}}
	for _, d := range ds {
		if d == nil {
			continue
		}
		if d.loc != nil {
			out.loc = d.loc
		}
		maps.Copy(out.years, d.years)
		maps.Copy(out.overrides, d.overrides)
	}
	return out
}

// Years lists the years that have a schedule, in order, for start-up logs
// and for checking that next year's notice has been added.
func (d *Data) Years() []int {
	if d == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(d.years))
}

type parser struct {
	errs []error
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func parseNode(n *yaml.Node) (*Data, error) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	p := &parser{}
	d := &Data{years: map[int]*yearData{}, overrides: map[day]bool{}}
	for _, kv := range p.mapping(n, "calendar") {
		switch kv.key.Value {
		case "timezone":
			d.loc = p.timezone(kv.val)
		case "years":
			p.years(kv.val, d)
		case "overrides":
			p.overrides(kv.val, d)
		default:
			p.fail(kv.key, "unknown key %q; expected timezone, years or overrides", kv.key.Value)
		}
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return d, nil
}

type pair struct{ key, val *yaml.Node }

// mapping returns the entries of a mapping node. Repeated keys are reported
// because YAML tools disagree on which of two copies counts, and the later
// one silently winning is how a schedule change gets lost.
func (p *parser) mapping(n *yaml.Node, what string) []pair {
	if !p.kind(n, yaml.MappingNode, what, "a mapping") {
		return nil
	}
	seen := map[string]int{}
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.fail(k, "%s: keys must be plain values", what)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.fail(k, "%s: key %q repeats the one on line %d", what, k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		pairs = append(pairs, pair{k, v})
	}
	return pairs
}

// list returns the items of a sequence; an empty value counts as an empty
// list so that "workdays:" with nothing after it is accepted.
func (p *parser) list(n *yaml.Node, what string) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	if !p.kind(n, yaml.SequenceNode, what, "a list") {
		return nil
	}
	return n.Content
}

func (p *parser) kind(n *yaml.Node, want yaml.Kind, what, desc string) bool {
	switch {
	case n.Kind == want:
		return true
	case n.Kind == yaml.AliasNode:
		// Aliases would let one entry stand for several; spelling each date
		// out keeps the file checkable against the published notice.
		p.fail(n, "%s: aliases are not supported", what)
	default:
		p.fail(n, "%s must be %s", what, desc)
	}
	return false
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	if !p.kind(n, yaml.ScalarNode, what, "a single value") {
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

func (p *parser) timezone(n *yaml.Node) *time.Location {
	name, ok := p.scalar(n, "timezone")
	if !ok {
		return nil
	}
	// "Local" and "" would make the result depend on the host the service
	// happens to run on.
	if name == "" || name == "Local" {
		p.fail(n, "timezone must be an IANA zone name such as %s", DefaultTimezone)
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.fail(n, "unknown timezone %q", name)
		return nil
	}
	return loc
}

func (p *parser) date(n *yaml.Node, what string) (day, bool) {
	v, ok := p.scalar(n, what)
	if !ok {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		p.fail(n, "%s: bad date %q; want an existing date written YYYY-MM-DD", what, v)
		return 0, false
	}
	return dayFromDate(t.Date()), true
}

func (p *parser) years(n *yaml.Node, d *Data) {
	if isNull(n) {
		return
	}
	seen := map[int]int{}
	for _, kv := range p.mapping(n, "years") {
		y, err := strconv.Atoi(kv.key.Value)
		if err != nil || y < 1 || y > 9999 {
			p.fail(kv.key, "years: %q is not a year", kv.key.Value)
			continue
		}
		if line, dup := seen[y]; dup {
			p.fail(kv.key, "year %d repeats the one on line %d", y, line)
			continue
		}
		seen[y] = kv.key.Line
		d.years[y] = p.year(y, kv.val)
	}
}

// listing remembers where a date was first listed, to point at both places
// when it is listed again.
type listing struct {
	line int
	entry
}

type yearParser struct {
	*parser
	year int
	data *yearData
	seen map[day]listing
}

func (p *parser) year(y int, n *yaml.Node) *yearData {
	yp := &yearParser{parser: p, year: y, data: &yearData{days: map[day]entry{}}, seen: map[day]listing{}}
	what := fmt.Sprintf("year %d", y)
	holidays := 0
	for _, kv := range p.mapping(n, what) {
		switch kv.key.Value {
		case "source":
			// the notice the schedule was taken from: for people
			// reading the file, checked but not kept
			p.scalar(kv.val, what+": source")
		case "holidays":
			items := p.list(kv.val, what+": holidays")
			holidays += len(items)
			for _, item := range items {
				yp.holiday(item)
			}
		case "workdays":
			for _, item := range p.list(kv.val, what+": workdays") {
				yp.workday(item)
			}
		default:
			p.fail(kv.key, "%s: unknown key %q; expected source, holidays or workdays", what, kv.key.Value)
		}
	}
	// Every published year has holidays; a year without any is a half-written
	// entry that would otherwise silence the missing-year warning.
	if n.Kind == yaml.MappingNode && holidays == 0 {
		p.fail(n, "%s lists no holidays", what)
	}
	return yp.data
}

func (yp *yearParser) holiday(n *yaml.Node) {
	what := fmt.Sprintf("year %d: holiday", yp.year)
	var name string
	var dateN, fromN, toN *yaml.Node
	if n.Kind != yaml.MappingNode {
		yp.fail(n, "%s must be a mapping such as {name: 元旦, date: %d-01-01}", what, yp.year)
		return
	}
	for _, kv := range yp.mapping(n, what) {
		switch kv.key.Value {
		case "name":
			name, _ = yp.scalar(kv.val, what+" name")
		case "date":
			dateN = kv.val
		case "from":
			fromN = kv.val
		case "to":
			toN = kv.val
		default:
			yp.fail(kv.key, "%s: unknown key %q; expected name, date, from or to", what, kv.key.Value)
		}
	}
	if name == "" {
		yp.fail(n, "%s needs a name", what)
	}
	var from, to day
	var ok bool
	switch {
	case dateN != nil && (fromN != nil || toN != nil):
		yp.fail(n, "%s %q: give either date or from and to, not both", what, name)
		return
	case dateN != nil:
		if from, ok = yp.inYear(dateN, "holiday date"); !ok {
			return
		}
		to = from
	case fromN != nil && toN != nil:
		var okTo bool
		from, ok = yp.inYear(fromN, "holiday from")
		to, okTo = yp.inYear(toN, "holiday to")
		if !ok || !okTo {
			return
		}
		if from > to {
			yp.fail(toN, "%s %q: from %s is after to %s", what, name, from, to)
			return
		}
	default:
		yp.fail(n, "%s %q needs date, or from and to", what, name)
		return
	}
	for d := from; d <= to; d++ {
		// One report per range is enough to find the clash.
		if !yp.mark(n, d, entry{name: name}) {
			return
		}
	}
}

func (yp *yearParser) workday(n *yaml.Node) {
	d, ok := yp.inYear(n, "workday")
	if !ok {
		return
	}
	if !d.isWeekend() {
		yp.fail(n, "workday %s is a %s; list only weekend days that are worked (调休)", d, d.weekday())
		return
	}
	yp.mark(n, d, entry{work: true})
}

// inYear parses a date and checks that it belongs to the year it is listed
// under, which catches the common slip of copying last year's line.
func (yp *yearParser) inYear(n *yaml.Node, what string) (day, bool) {
	d, ok := yp.date(n, fmt.Sprintf("year %d: %s", yp.year, what))
	if !ok {
		return 0, false
	}
	if d.year() != yp.year {
		yp.fail(n, "%s %s is outside year %d; dates of another year go under that year or under overrides", what, d, yp.year)
		return 0, false
	}
	return d, true
}

func (yp *yearParser) mark(n *yaml.Node, d day, e entry) bool {
	if prev, dup := yp.seen[d]; dup {
		yp.fail(n, "%s is listed as %s here and as %s on line %d", d, describe(e), describe(prev.entry), prev.line)
		return false
	}
	yp.seen[d] = listing{line: n.Line, entry: e}
	yp.data.days[d] = e
	return true
}

func describe(e entry) string {
	if e.work {
		return "a workday"
	}
	return fmt.Sprintf("holiday %q", e.name)
}

func (p *parser) overrides(n *yaml.Node, d *Data) {
	if isNull(n) {
		return
	}
	seen := map[day]int{}
	for _, kv := range p.mapping(n, "overrides") {
		date, ok := p.date(kv.key, "overrides")
		if !ok {
			continue
		}
		if line, dup := seen[date]; dup {
			p.fail(kv.key, "overrides: %s repeats the one on line %d", date, line)
			continue
		}
		seen[date] = kv.key.Line
		v, ok := p.scalar(kv.val, "override for "+date.String())
		if !ok {
			continue
		}
		switch strings.ToLower(v) {
		case "on":
			d.overrides[date] = true
		case "off":
			d.overrides[date] = false
		default:
			p.fail(kv.val, "override for %s must be on (working day) or off (day off), not %q", date, v)
		}
	}
}
