package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// QuestionsDir holds, per document, the questions businesses ask that its
// items answer (questions/FILE.yaml for FILE.txt). They are indexed as a
// field of their own: a business's wording finds the item even when it
// shares no word with the document. Drafts (FILE.draft.yaml, written by
// frontdoor kb expand) are not read until a person has reviewed and
// renamed them.
const QuestionsDir = "questions"

// DraftSuffix marks a questions file that waits for review.
const DraftSuffix = ".draft.yaml"

// maxQuestionRunes bounds one question, as the engine bounds a message.
const maxQuestionRunes = 300

// QuestionFile is one document's questions.
type QuestionFile struct {
	Doc   string          `yaml:"doc"`
	Items []ItemQuestions `yaml:"items"`
}

// ItemQuestions are the questions of one item, found by its path (or, when
// its number is unique in the document, by its number).
type ItemQuestions struct {
	Path string `yaml:"path,omitempty"`
	Item string `yaml:"item,omitempty"`
	// Title is the item's title, for the person who reviews the file.
	Title     string   `yaml:"title,omitempty"`
	Questions []string `yaml:"questions"`
	// Figures are questions whose answer is one figure of the item, by the
	// figure as the document writes it ("3个工作日"): they teach which figure
	// a question asks for when the item states several.
	Figures map[string][]string `yaml:"figures,omitempty"`

	line int
}

// ParseQuestions reads and validates one questions file; problems name
// their line.
func ParseQuestions(name string, data []byte) (*QuestionFile, error) {
	doc, err := decodeYAML(name, data)
	if err != nil {
		return nil, err
	}
	if doc == nil || doc.Kind != yaml.MappingNode {
		return nil, &CatalogueError{File: name, Msg: "a questions file is a mapping with doc: and items:"}
	}
	qf := &QuestionFile{}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &CatalogueError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		switch key.Value {
		case "doc":
			qf.Doc = strings.TrimSpace(val.Value)
		case "items":
			decodeList(key.Value, val, &qf.Items, func(iq *ItemQuestions, n *yaml.Node) { iq.line = n.Line }, fail)
		default:
			fail(key.Line, "unknown field %q (expected doc, items)", key.Value)
		}
	}
	if qf.Doc == "" {
		fail(doc.Line, "doc: names the document the questions are about")
	}
	for i := range qf.Items {
		iq := &qf.Items[i]
		if iq.Path == "" && iq.Item == "" {
			fail(iq.line, "an entry needs path: (or item:)")
		}
		iq.Questions = cleanQuestions(iq.Questions, iq.line, fail)
		for fig, qs := range iq.Figures {
			iq.Figures[fig] = cleanQuestions(qs, iq.line, fail)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return qf, nil
}

// cleanQuestions trims the questions and drops repeats and empty ones.
func cleanQuestions(qs []string, line int, fail func(int, string, ...any)) []string {
	out := qs[:0]
	for _, q := range qs {
		q = strings.TrimSpace(q)
		switch {
		case q == "":
			continue
		case !utf8.ValidString(q):
			fail(line, "a question is not UTF-8")
			continue
		case utf8.RuneCountInString(q) > maxQuestionRunes:
			fail(line, "a question is longer than %d characters: %.40q…", maxQuestionRunes, q)
			continue
		case slices.Contains(out, q):
			continue
		}
		out = append(out, q)
	}
	return out
}

// readQuestions reads every reviewed questions file of fsys.
func readQuestions(fsys fs.FS) ([]*QuestionFile, error) {
	names, err := fs.Glob(fsys, path.Join(QuestionsDir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []*QuestionFile
	for _, name := range names {
		if strings.HasSuffix(name, DraftSuffix) {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		qf, err := ParseQuestions(name, data)
		if err != nil {
			return nil, err
		}
		out = append(out, qf)
	}
	return out, nil
}

// attachQuestions gives each item its questions. An entry for an item the
// document does not have, or a figure the item does not state, is a
// warning on the document rather than a failed load: a document re-read
// by a better parser must not take the knowledge base down with it.
func (b *Base) attachQuestions(files []*QuestionFile) {
	docs := map[string]*Document{}
	for _, d := range b.Docs {
		docs[d.File] = d
	}
	for _, qf := range files {
		d, ok := docs[qf.Doc]
		if !ok {
			b.Problems = append(b.Problems, Problem{File: path.Join(QuestionsDir, qf.Doc),
				Reason: "questions for a document that is not loaded; ignored"})
			continue
		}
		for _, iq := range qf.Items {
			it := findItem(d, iq)
			if it == nil {
				d.warnf("questions: line %d: no item with path %q (item %q); ignored", iq.line, iq.Path, iq.Item)
				continue
			}
			it.Questions = uniqueStrings(append(it.Questions, iq.Questions...))
			for fig, qs := range iq.Figures {
				if !slices.ContainsFunc(it.Commitments, func(c Commitment) bool { return c.Text == fig }) {
					d.warnf("questions: line %d: item %s states no figure %q; its questions are kept as plain questions", iq.line, it.Number, fig)
					it.Questions = uniqueStrings(append(it.Questions, qs...))
					continue
				}
				if it.FigureQuestions == nil {
					it.FigureQuestions = map[string][]string{}
				}
				it.FigureQuestions[fig] = uniqueStrings(append(it.FigureQuestions[fig], qs...))
			}
		}
	}
}

// findItem is the document's item an entry names: by path, or by number
// when only one item has it.
func findItem(d *Document, iq ItemQuestions) *Item {
	var found *Item
	for _, it := range d.Items {
		switch {
		case iq.Path != "" && it.Path == iq.Path:
			return it
		case iq.Path == "" && it.Number == iq.Item:
			if found != nil {
				return nil // the number repeats: the path must say which
			}
			found = it
		}
	}
	return found
}

// AllQuestions lists an item's questions, figure questions and the
// corpus's messages about it included.
func (it *Item) AllQuestions() []string {
	out := slices.Clone(it.Questions)
	for _, fig := range slices.Sorted(maps.Keys(it.FigureQuestions)) {
		out = append(out, it.FigureQuestions[fig]...)
	}
	return append(out, it.Said...)
}

// FindItem is the item of document doc that item names: its path, or its
// number when only one item of the document has it.
func (b *Base) FindItem(doc, item string) (*Item, bool) {
	for _, d := range b.Docs {
		if d.File != doc {
			continue
		}
		if it := findItem(d, ItemQuestions{Path: item}); it != nil {
			return it, true
		}
		it := findItem(d, ItemQuestions{Item: item})
		return it, it != nil
	}
	return nil, false
}

// ExportQuestions writes the questions of document doc's items — those of
// its questions file and those editors added — as a questions file that
// loads back to the same questions: what a region reviews and commits.
func (b *Base) ExportQuestions(doc string) ([]byte, error) {
	var d *Document
	for _, x := range b.Docs {
		if x.File == doc {
			d = x
		}
	}
	if d == nil {
		return nil, fmt.Errorf("no document %q", doc)
	}
	qf := QuestionFile{Doc: doc}
	for _, it := range d.Items {
		if len(it.Questions) == 0 && len(it.FigureQuestions) == 0 {
			continue
		}
		qf.Items = append(qf.Items, ItemQuestions{Path: it.Path, Item: it.Number, Title: it.Title,
			Questions: slices.Clone(it.Questions), Figures: it.FigureQuestions})
	}
	return yaml.Marshal(qf)
}

// QuestionItem is the item of region whose questions include text, worded
// the same but for punctuation, spaces and width: a wording a person
// confirmed for an item is answered by that item.
func (b *Base) QuestionItem(region, text string) (*Item, bool) {
	it, ok := b.asked[region+"\x00"+questionKey(text)]
	return it, ok
}

// questionKey is a question's letters and digits, folded.
func questionKey(s string) string {
	var k strings.Builder
	for _, r := range normalizeText(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			k.WriteRune(r)
		}
	}
	return k.String()
}

// ExportItems writes a region's curated items — the catalogue's and the
// editors' — as the items section of a catalogue, which loads back to the
// same items.
func (b *Base) ExportItems(region string) ([]byte, error) {
	out := struct {
		Items []CatalogueItem `yaml:"items"`
	}{Items: []CatalogueItem{}}
	for _, it := range b.RegionItems(region) {
		if it.Source != "catalogue" {
			continue
		}
		out.Items = append(out.Items, CatalogueItem{ID: it.Number, Region: it.Region, Title: it.Title, Text: it.Text,
			Lead: it.Lead, Resp: it.Resp, Tags: it.Tags, Conditions: it.Conditions})
	}
	return yaml.Marshal(out)
}

// Synonyms are the synonym groups that hold in region: the shared groups
// first, then the region's own.
func (b *Base) Synonyms(region string) [][]string {
	return append(slices.Clone(b.Catalog.Synonyms), b.RegionSynonyms(region)...)
}

// RegionSynonyms are the synonym groups of region's own.
func (b *Base) RegionSynonyms(region string) [][]string {
	var out [][]string
	for _, g := range b.Catalog.RegionSynonyms {
		if r, ok := b.ResolveRegion(g.Region); ok && r == region {
			out = append(out, g.Words)
		}
	}
	return out
}

// ExportSynonyms writes a region's own synonym groups — the files' and
// the editors' — as a synonyms section that loads back to the same
// groups, for the region to review and commit to its synonyms file.
func (b *Base) ExportSynonyms(region string) ([]byte, error) {
	out := struct {
		Synonyms []SynonymGroup `yaml:"synonyms"`
	}{Synonyms: []SynonymGroup{}}
	for _, g := range b.RegionSynonyms(region) {
		out.Synonyms = append(out.Synonyms, SynonymGroup{Region: region, Words: g})
	}
	return yaml.Marshal(out)
}
