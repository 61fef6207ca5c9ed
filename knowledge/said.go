package knowledge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// CorpusDir holds the corpus of labelled business messages
// (corpus/*.jsonl) that the intent model learns from. A message labelled
// with the item it is about ("item_id") is also what a business says about
// that item: the knowledge base indexes it beside the item's questions, so
// that a story or a complaint worded like the corpus's finds its item and
// its unit.
const CorpusDir = "corpus"

// saidIntents are the intents whose messages are about an item's matter: a
// question it answers, a complaint or a request for paperwork it routes. A
// progress query is about a request, a greeting about nothing.
var saidIntents = map[string]bool{"policy_query": true, "complaint": true, "assist_request": true}

// said is what the corpus says about items: messages by document, then by
// item path, in the corpus's order.
type said map[string]map[string][]string

// readSaid reads the corpus files of fsys for messages labelled with an
// item. A line that is not a JSON object fails the load, naming the file
// and line, as the intent model's reading of the same file does.
func readSaid(fsys fs.FS) (said, error) {
	names, err := fs.Glob(fsys, path.Join(CorpusDir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	out := said{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for line := 1; sc.Scan(); line++ {
			raw := bytes.TrimSpace(sc.Bytes())
			if len(raw) == 0 {
				continue
			}
			var m struct {
				Text   string `json:"text"`
				Intent string `json:"intent"`
				ItemID string `json:"item_id"`
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, &CatalogueError{File: name, Line: line, Msg: "not a JSON object: " + err.Error()}
			}
			doc, item, ok := strings.Cut(m.ItemID, "#")
			text := strings.TrimSpace(m.Text)
			if !ok || !saidIntents[m.Intent] || text == "" || !utf8.ValidString(text) ||
				utf8.RuneCountInString(text) > maxQuestionRunes {
				continue
			}
			if out[doc] == nil {
				out[doc] = map[string][]string{}
			}
			out[doc][item] = append(out[doc][item], text)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

// attachSaid gives each item the corpus's messages about it. Messages
// about a document the base does not load are another deployment's and
// are skipped; an item its document does not have is a warning on the
// document, as for a questions file.
func (b *Base) attachSaid(s said) {
	for _, d := range b.Docs {
		paths := s[d.File]
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			it := findItem(d, ItemQuestions{Path: p})
			if it == nil {
				d.warnf("%s: no item with path %q; its %d messages are not indexed", CorpusDir, p, len(paths[p]))
				continue
			}
			it.Said = uniqueStrings(append(it.Said, paths[p]...))
		}
	}
}
