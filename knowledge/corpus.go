package knowledge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// CorpusDir holds the corpus of labelled business messages beside the
// documents: JSON-lines files (corpus/*.jsonl). It is read for two
// purposes: the intent model learns what a message wants from it (package
// bot/intent), and the knowledge base indexes the messages labelled with
// an item beside the item's questions (said.go). One reader serves both,
// so both refuse the same lines.
const CorpusDir = "corpus"

// Intents are the intents a corpus may label a message with.
var Intents = []string{"policy_query", "complaint", "assist_request", "progress_query", "human", "greeting", "out_of_scope"}

// CorpusMessage is one labelled message of the corpus.
type CorpusMessage struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
	// Region the message was written to, "" when it names none.
	Region string `json:"region"`
	// ItemID is the knowledge-base item ("file#path") it is about, if one is.
	ItemID string `json:"item_id"`
	// Source is where the message was read: "corpus/file.jsonl:12".
	Source string `json:"-"`
}

// maxCorpusRunes bounds one message, as the engine bounds what it accepts.
const maxCorpusRunes = 2000

// ReadCorpus reads the corpus of each file system in turn: a file of a
// later one replaces the file of the same name of an earlier one, so that
// a deployment's knowledge directory can add its own files to the corpus
// the binary ships with, or replace one of them. Files are read in name
// order; an error names the file and line.
func ReadCorpus(layers ...fs.FS) ([]CorpusMessage, error) {
	files := map[string]fs.FS{}
	for _, fsys := range layers {
		if fsys == nil {
			continue
		}
		names, err := fs.Glob(fsys, path.Join(CorpusDir, "*.jsonl"))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			files[n] = fsys
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []CorpusMessage
	for _, n := range names {
		data, err := fs.ReadFile(files[n], n)
		if err != nil {
			return nil, err
		}
		exs, err := ParseCorpus(n, data)
		if err != nil {
			return nil, err
		}
		out = append(out, exs...)
	}
	return out, nil
}

// ParseCorpus reads one JSON-lines file of labelled messages.
func ParseCorpus(name string, data []byte) ([]CorpusMessage, error) {
	var out []CorpusMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, line)
		var ex CorpusMessage
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		ex.Text = strings.TrimSpace(ex.Text)
		switch {
		case ex.Text == "":
			return nil, fmt.Errorf("%s: text is empty", where)
		case !utf8.ValidString(ex.Text):
			return nil, fmt.Errorf("%s: text is not UTF-8", where)
		case utf8.RuneCountInString(ex.Text) > maxCorpusRunes:
			return nil, fmt.Errorf("%s: text is longer than %d characters", where, maxCorpusRunes)
		case !slices.Contains(Intents, ex.Intent):
			return nil, fmt.Errorf("%s: intent %q is not one of %s", where, ex.Intent, strings.Join(Intents, ", "))
		}
		ex.Source = where
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
