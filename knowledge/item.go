// Package knowledge turns a region's policy documents into structured items
// (number, title, units, deadline, commitments, tags) and finds the right item
// for a business's question. It knows nothing of Redis, HTTP or conversations.
package knowledge

import (
	"slices"
	"strings"
)

// Document is one policy document after parsing.
type Document struct {
	File     string   `json:"file"`
	Title    string   `json:"title"`
	Issuer   string   `json:"issuer,omitempty"`
	Date     string   `json:"date,omitempty"`   // YYYY-MM-DD when known
	Number   string   `json:"number,omitempty"` // document number, e.g. 朝府办〔2021〕7
	Region   string   `json:"region"`
	Format   string   `json:"format"`
	Encoding string   `json:"encoding"`
	Items    []*Item  `json:"-"`
	Warnings []string `json:"warnings,omitempty"`
}

// ItemID is the id of the item at path in file: unique across the
// knowledge base.
func ItemID(file, path string) string { return file + "#" + path }

// Item is one measure of a document (or a catalogue entry): the unit of
// retrieval, citation and routing.
type Item struct {
	// ID is unique across the knowledge base (ItemID).
	ID     string `json:"id"`
	Doc    string `json:"doc"`
	Region string `json:"region"`
	// Number is the item's number as printed ("21", "一(四)").
	Number string `json:"item"`
	// Path locates the item among the document's headings ("二、(四) 21");
	// numbers repeat across sections, paths do not.
	Path    string   `json:"path"`
	Section string   `json:"section,omitempty"`
	Title   string   `json:"title"`
	Text    string   `json:"text"`
	Body    string   `json:"-"` // Text without the unit annotations, for search and quoting
	Lead    []string `json:"lead_units"`
	Resp    []string `json:"responsible_units"`
	Coop    []string `json:"cooperating_units"`
	Leaders []string `json:"leaders,omitempty"`
	// SectionUnits are the units a section assigns to all its items
	// (总责任单位); routing falls back to them.
	SectionUnits []string     `json:"section_units,omitempty"`
	Deadline     string       `json:"deadline"`
	DeadlineDate string       `json:"deadline_date,omitempty"`
	Commitments  []Commitment `json:"commitments"`
	Tags         []string     `json:"tags"`
	// Source is "document" or "catalogue".
	Source string `json:"source"`
	// Conditions say which businesses a curated benefit fits (catalogue).
	Conditions *Conditions `json:"conditions,omitempty"`
	// Questions are what businesses ask that the item answers (QuestionsDir).
	Questions []string `json:"questions,omitempty"`
	// FigureQuestions are questions whose answer is one of the item's
	// figures, by the figure's text.
	FigureQuestions map[string][]string `json:"figure_questions,omitempty"`
	// Said are the corpus's messages about the item (CorpusDir): indexed
	// as its questions are, but not part of its questions file.
	Said []string `json:"said,omitempty"`
}

// Commitment is a concrete figure an item promises, with the phrase it
// applies to, so an answer can state the figure for the thing asked about.
type Commitment struct {
	Text    string `json:"text"`    // as written: "3个工作日"
	Value   string `json:"value"`   // "3"
	Unit    string `json:"unit"`    // "工作日"
	Subject string `json:"subject"` // "低压非居民用户…无外部工程的办电时间"
	Clause  string `json:"clause"`  // the sentence the figure stands in
	Kind    string `json:"kind"`    // time | money | percent | quantity | phone | frequency
}

// RoutingUnits are the units a complaint about this item goes to, owner
// first: the lead units, else the responsible units, else the section's.
func (it *Item) RoutingUnits() []string {
	switch {
	case len(it.Lead) > 0:
		return it.Lead
	case len(it.Resp) > 0:
		return it.Resp
	default:
		return it.SectionUnits
	}
}

// HasTag reports whether the item carries the canonical tag.
func (it *Item) HasTag(tag string) bool {
	for _, t := range it.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Label names the item as an answer cites it: 第21项「title」 for a
// numbered measure, 一(四)「title」 for one numbered otherwise, 「title」部分
// for a part of one, and the title alone for a catalogue entry.
func (it *Item) Label() string {
	switch {
	case it.Number == "" || it.Source == "catalogue":
		return "「" + it.Title + "」"
	case strings.Trim(it.Number, "0123456789") == "":
		return "第" + it.Number + "项「" + it.Title + "」"
	case strings.Contains(it.Number, "-"):
		return "「" + it.Title + "」部分"
	}
	return it.Number + "「" + it.Title + "」"
}

// clone is a copy of the document and its items that shares nothing a
// build changes: the base keeps the document as parsed for its next
// reload and builds with the copy.
func (d *Document) clone() *Document {
	c := *d
	c.Warnings = slices.Clone(d.Warnings)
	c.Items = make([]*Item, len(d.Items))
	for i, it := range d.Items {
		x := *it
		for _, p := range []*[]string{&x.Lead, &x.Resp, &x.Coop, &x.Leaders, &x.SectionUnits, &x.Tags, &x.Questions, &x.Said} {
			*p = slices.Clone(*p)
		}
		x.Commitments = slices.Clone(it.Commitments)
		if it.FigureQuestions != nil {
			x.FigureQuestions = make(map[string][]string, len(it.FigureQuestions))
			for k, v := range it.FigureQuestions {
				x.FigureQuestions[k] = slices.Clone(v)
			}
		}
		if it.Conditions != nil {
			cond := *it.Conditions
			x.Conditions = &cond
		}
		c.Items[i] = &x
	}
	return &c
}
