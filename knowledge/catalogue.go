package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Catalogue is the curated data operators edit beside the documents:
// region settings, per-file overrides, extra items and synonyms.
type Catalogue struct {
	Regions   []RegionSettings `yaml:"regions"`
	Documents []DocumentEntry  `yaml:"documents"`
	Items     []CatalogueItem  `yaml:"items"`
	Synonyms  [][]string       `yaml:"synonyms"`
	// RegionSynonyms are the synonym groups that hold in one region only,
	// written in the synonyms section as {region, words} mappings.
	RegionSynonyms []SynonymGroup `yaml:"-"`
	// Calendar is the raw calendar section (extra years, day overrides);
	// the clock package parses it.
	Calendar []byte `yaml:"-"`
	// synLines are the lines of the synonym groups, for errors.
	synLines []int
}

// RegionSettings configures one region.
type RegionSettings struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	// Dispatcher receives complaints no item fits and re-routes them.
	Dispatcher string `yaml:"dispatcher"`
	// Desk is the 政务服务小哥 desk that takes hand-offs.
	Desk string `yaml:"desk"`
	// Supervisor runs 一次督办 (the service centre); Office runs 二次督办 (营商办).
	Supervisor string `yaml:"supervisor"`
	Office     string `yaml:"office"`
	// Hours are the working hours, e.g. "09:00-12:00,13:30-17:30".
	Hours string `yaml:"hours"`
	// Clocks overrides durations: first_response, general, difficult,
	// followup, cooperate (协办), level2_after, level3_after ("2h" working
	// hours, "5d" working days)
	// and warn_at (a share, e.g. 0.75).
	Clocks map[string]string `yaml:"clocks"`
	// Notify gives units where their alerts go besides the configured
	// targets: WeCom group-robot webhook URLs or mailto: addresses,
	// comma-separated.
	Notify map[string]string `yaml:"notify"`
	line   int
}

// NotifyTargets are the alert targets the catalogue gives unit.
func (r RegionSettings) NotifyTargets(unit string) []string {
	var out []string
	for _, t := range strings.Split(r.Notify[unit], ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// ValidTarget reports whether target is an alert target: an http(s) URL
// with a host, or a mailto: address.
func ValidTarget(target string) bool {
	if addr, ok := strings.CutPrefix(target, "mailto:"); ok {
		_, err := mail.ParseAddress(addr)
		return err == nil
	}
	u, err := url.Parse(target)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// DocumentEntry sets what a document cannot say for itself.
type DocumentEntry struct {
	File   string `yaml:"file"`
	Region string `yaml:"region"`
	Title  string `yaml:"title"`
	Skip   bool   `yaml:"skip"`
}

// CatalogueItem is an item curated by hand: a 免申即享 benefit, a 帮办代办
// service, a contact.
type CatalogueItem struct {
	ID       string   `yaml:"id" json:"id"`
	Region   string   `yaml:"region" json:"region"`
	Title    string   `yaml:"title" json:"title"`
	Text     string   `yaml:"text" json:"text"`
	Lead     []string `yaml:"lead_units,omitempty" json:"lead_units,omitempty"`
	Resp     []string `yaml:"responsible_units,omitempty" json:"responsible_units,omitempty"`
	Tags     []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Audience []string `yaml:"audience,omitempty" json:"audience,omitempty"`
	// Conditions say which businesses a 免申即享 benefit fits.
	Conditions *Conditions `yaml:"conditions,omitempty" json:"conditions,omitempty"`
	line       int
}

// Check says what makes a curated item unusable, as loading the catalogue
// would ("" for nothing).
func (ci CatalogueItem) Check() string {
	switch {
	case strings.TrimSpace(ci.Title) == "":
		return "item without a title"
	case strings.TrimSpace(ci.Region) == "":
		return "item has no region"
	case strings.TrimSpace(ci.Text) == "":
		return "item has no text"
	}
	return ci.Conditions.validate()
}

// CatalogueError is a catalogue problem with its line number.
type CatalogueError struct {
	File string
	Line int
	Msg  string
}

func (e *CatalogueError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var (
	reWorkDuration = regexp.MustCompile(`^\d+(\.\d+)?[hdm]$`)
	reShare        = regexp.MustCompile(`^0?\.\d+$|^1(\.0+)?$`)
)

// ParseCatalogue reads and validates a catalogue. Every problem is
// reported with its line; the first few are joined into one error.
func ParseCatalogue(name string, data []byte) (*Catalogue, error) {
	doc, err := decodeYAML(name, data)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return &Catalogue{}, nil
	}
	if doc.Kind != yaml.MappingNode {
		return nil, &CatalogueError{File: name, Line: doc.Line, Msg: "the catalogue must be a mapping (regions:, items:, synonyms: …)"}
	}
	c := &Catalogue{}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &CatalogueError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		var err error
		switch key.Value {
		case "regions":
			decodeList(key.Value, val, &c.Regions, func(r *RegionSettings, n *yaml.Node) { r.line = n.Line }, fail)
		case "documents":
			decodeList(key.Value, val, &c.Documents, nil, fail)
		case "items":
			decodeList(key.Value, val, &c.Items, func(it *CatalogueItem, n *yaml.Node) { it.line = n.Line }, fail)
		case "synonyms":
			global, regional := splitSynonyms(val)
			decodeList(key.Value, global, &c.Synonyms, func(_ *[]string, n *yaml.Node) { c.synLines = append(c.synLines, n.Line) }, fail)
			decodeList(key.Value, regional, &c.RegionSynonyms, func(g *SynonymGroup, n *yaml.Node) { g.line = n.Line }, fail)
		case "calendar":
			c.Calendar, err = yaml.Marshal(val)
		default:
			fail(key.Line, "unknown section %q (expected regions, documents, items, synonyms, calendar)", key.Value)
		}
		if err != nil {
			fail(val.Line, "%s: %v", key.Value, err)
		}
	}
	c.validate(fail)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// decodeYAML parses a file of the knowledge directory into its document
// node, nil for an empty file; a syntax error names its line.
func decodeYAML(name string, data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if err.Error() == "EOF" {
			return nil, nil
		}
		ce := &CatalogueError{File: name, Msg: err.Error()}
		if m := reYAMLSyntax.FindStringSubmatch(ce.Msg); m != nil {
			ce.Line, _ = strconv.Atoi(m[1])
			ce.Msg = "YAML syntax error: " + m[2]
		}
		return nil, ce
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	return root.Content[0], nil
}

// decodeList decodes a sequence element by element, strictly, so that an
// unknown field or a wrong type in one entry is reported at its own line.
func decodeList[T any](section string, n *yaml.Node, out *[]T, mark func(*T, *yaml.Node), fail func(int, string, ...any)) {
	if n.Kind != yaml.SequenceNode {
		fail(n.Line, "%s: must be a list", section)
		return
	}
	fields := yamlFields(reflect.TypeFor[T]())
	for _, el := range n.Content {
		if el.Kind == yaml.MappingNode && fields != nil {
			unknown := false
			for i := 0; i+1 < len(el.Content); i += 2 {
				if k := el.Content[i]; !slices.Contains(fields, k.Value) {
					fail(k.Line, "%s: unknown field %q (expected one of %s)", section, k.Value, strings.Join(fields, ", "))
					unknown = true
				}
			}
			if unknown {
				continue
			}
		}
		var v T
		if err := el.Decode(&v); err != nil {
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				fail(el.Line, "%s: %v", section, err)
				continue
			}
			// "line 7: cannot unmarshal !!str `x` into []string"
			for _, msg := range te.Errors {
				line := el.Line
				if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
					line, _ = strconv.Atoi(m[1])
					msg = m[2]
				}
				fail(line, "%s: %s", section, msg)
			}
			continue
		}
		if mark != nil {
			mark(&v, el)
		}
		*out = append(*out, v)
	}
}

var (
	reYAMLLine   = regexp.MustCompile(`^line (\d+): (.*)$`)
	reYAMLSyntax = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// yamlFields lists the field names a struct type accepts (nil for other
// types).
func yamlFields(t reflect.Type) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, name)
	}
	return out
}

func (c *Catalogue) validate(fail func(int, string, ...any)) {
	regions := map[string]bool{}
	for _, r := range c.Regions {
		if strings.TrimSpace(r.Name) == "" {
			fail(r.line, "region without a name")
			continue
		}
		if regions[r.Name] {
			fail(r.line, "region %q listed twice", r.Name)
		}
		regions[r.Name] = true
		for k, v := range r.Clocks {
			switch k {
			case "warn_at":
				if !reShare.MatchString(v) {
					fail(r.line, "region %q: clocks.warn_at %q must be a share between 0 and 1", r.Name, v)
				}
			case "first_response", "general", "difficult", "followup", "cooperate", "level2_after", "level3_after":
				if !reWorkDuration.MatchString(v) {
					fail(r.line, "region %q: clocks.%s %q must be a working duration like 2h or 5d", r.Name, k, v)
				}
			default:
				fail(r.line, "region %q: unknown clock %q", r.Name, k)
			}
		}
		for unit := range r.Notify {
			for _, t := range r.NotifyTargets(unit) {
				if !ValidTarget(t) {
					fail(r.line, "region %q: notify.%s %q must be an https:// webhook or a mailto: address", r.Name, unit, t)
				}
			}
		}
	}
	ids := map[string]bool{}
	for _, it := range c.Items {
		switch {
		case strings.TrimSpace(it.Title) == "":
			fail(it.line, "item without a title")
		case strings.TrimSpace(it.Region) == "":
			fail(it.line, "item %q has no region", it.Title)
		case it.ID != "" && ids[it.ID]:
			fail(it.line, "item id %q used twice", it.ID)
		case it.Conditions.validate() != "":
			fail(it.line, "item %q: %s", it.Title, it.Conditions.validate())
		}
		ids[it.ID] = true
	}
	for i, g := range c.Synonyms {
		if msg := checkSynonyms(g); msg != "" {
			line := 0
			if i < len(c.synLines) {
				line = c.synLines[i]
			}
			fail(line, "synonym group %d: %s", i+1, msg)
		}
	}
	for _, g := range c.RegionSynonyms {
		if msg := g.Check(); msg != "" {
			fail(g.line, "synonym group of %q: %s", g.Region, msg)
		}
	}
}

// SynonymGroup is a synonym group that holds in one region: a region's
// own words for its own things ("光谷" for its development zone), which
// must not change how another region's questions are read.
type SynonymGroup struct {
	Region string   `yaml:"region"`
	Words  []string `yaml:"words,flow"`
	line   int
}

// Longest synonym a group may hold, in characters: the members are
// matched as substrings of every question, so a sentence is no synonym.
const maxSynonymRunes = 24

// Check says what is wrong with a group, "" when nothing is.
func (g SynonymGroup) Check() string {
	if strings.TrimSpace(g.Region) == "" {
		return "a regional synonym group needs a region"
	}
	return checkSynonyms(g.Words)
}

// checkSynonyms says what is wrong with a group's words, shared or
// regional, "" when nothing is.
func checkSynonyms(words []string) string {
	if len(words) < 2 {
		return fmt.Sprintf("a synonym group needs at least two words: %v", words)
	}
	seen := map[string]bool{}
	for _, w := range words {
		k := normalizeText(w)
		switch {
		case strings.TrimSpace(k) == "":
			return "a synonym group holds an empty word"
		case utf8.RuneCountInString(w) > maxSynonymRunes:
			return fmt.Sprintf("%q is longer than %d characters", w, maxSynonymRunes)
		case seen[k]:
			return fmt.Sprintf("%q is in the group twice", w)
		}
		seen[k] = true
	}
	return ""
}

// splitSynonyms parts the synonyms section into its plain lists (groups
// that hold everywhere) and its {region, words} mappings.
func splitSynonyms(n *yaml.Node) (global, regional *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		return n, &yaml.Node{Kind: yaml.SequenceNode}
	}
	global = &yaml.Node{Kind: yaml.SequenceNode, Line: n.Line}
	regional = &yaml.Node{Kind: yaml.SequenceNode, Line: n.Line}
	for _, el := range n.Content {
		if el.Kind == yaml.MappingNode {
			regional.Content = append(regional.Content, el)
		} else {
			global.Content = append(global.Content, el)
		}
	}
	return global, regional
}

// merge adds another catalogue file's entries.
func (c *Catalogue) merge(o *Catalogue) {
	c.Regions = append(c.Regions, o.Regions...)
	c.Documents = append(c.Documents, o.Documents...)
	c.Items = append(c.Items, o.Items...)
	c.Synonyms = append(c.Synonyms, o.Synonyms...)
	c.RegionSynonyms = append(c.RegionSynonyms, o.RegionSynonyms...)
	if len(c.Calendar) == 0 {
		c.Calendar = o.Calendar
	}
}

// region returns the settings for a region name, if any.
func (c *Catalogue) region(name string) (RegionSettings, bool) {
	for _, r := range c.Regions {
		if r.Name == name {
			return r, true
		}
	}
	return RegionSettings{}, false
}

// documentEntry returns the override for a file, if any.
func (c *Catalogue) documentEntry(file string) (DocumentEntry, bool) {
	for _, d := range c.Documents {
		if d.File == file {
			return d, true
		}
	}
	return DocumentEntry{}, false
}
