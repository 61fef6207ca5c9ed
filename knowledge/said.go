package knowledge

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// A corpus message labelled with the item it is about ("item_id") is also
// what a business says about that item: the knowledge base indexes it
// beside the item's questions, so that a story or a complaint worded like
// the corpus's finds its item and its unit.

// saidIntents are the intents whose messages are about an item's matter: a
// question it answers, a complaint or a request for paperwork it routes. A
// progress query is about a request, a greeting about nothing.
var saidIntents = map[string]bool{"policy_query": true, "complaint": true, "assist_request": true}

// said is what the corpus says about items: messages by document, then by
// item path, in the corpus's order.
type said map[string]map[string][]string

// readSaid reads the corpus files of fsys (ReadCorpus) for messages
// labelled with an item.
func readSaid(fsys fs.FS) (said, error) {
	msgs, err := ReadCorpus(fsys)
	if err != nil {
		return nil, err
	}
	out := said{}
	for _, m := range msgs {
		doc, item, ok := strings.Cut(m.ItemID, "#")
		if !ok || !saidIntents[m.Intent] || utf8.RuneCountInString(m.Text) > maxQuestionRunes {
			continue
		}
		if out[doc] == nil {
			out[doc] = map[string][]string{}
		}
		out[doc][item] = append(out[doc][item], m.Text)
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
