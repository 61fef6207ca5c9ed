package intent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// CorpusDir is the corpus's folder in a knowledge directory: JSON-lines
// files of labelled messages, beside the documents.
const CorpusDir = "corpus"

// Known are the intents a corpus may label a message with.
var Known = []string{"policy_query", "complaint", "assist_request", "progress_query", "human", "greeting", "out_of_scope"}

// Example is one labelled message of the corpus.
type Example struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
	// Region the message was written to, "" when it names none.
	Region string `json:"region"`
	// ItemID is the knowledge-base item ("file#path") it is about, if one is.
	ItemID string `json:"item_id"`
	// Source is where the example was read: "corpus/file.jsonl:12".
	Source string `json:"-"`
}

// maxExampleRunes bounds one message, as the engine bounds what it accepts.
const maxExampleRunes = 2000

// ReadCorpus reads the corpus of each file system in turn: a file of a
// later one replaces the file of the same name of an earlier one, so that
// a deployment's knowledge directory can add its own files to the corpus
// the binary ships with, or replace one of them. Files are read in name
// order; an error names the file and line.
func ReadCorpus(layers ...fs.FS) ([]Example, error) {
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
	var out []Example
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
func ParseCorpus(name string, data []byte) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, line)
		var ex Example
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
		case utf8.RuneCountInString(ex.Text) > maxExampleRunes:
			return nil, fmt.Errorf("%s: text is longer than %d characters", where, maxExampleRunes)
		case !slices.Contains(Known, ex.Intent):
			return nil, fmt.Errorf("%s: intent %q is not one of %s", where, ex.Intent, strings.Join(Known, ", "))
		}
		ex.Source = where
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// ErrConflict is wrapped by Check for a message labelled twice differently.
var ErrConflict = errors.New("the same message has two intents")

// Check finds messages the corpus holds twice: the same message with two
// intents is an error (the model cannot learn both), the same message
// twice with one intent a warning (it weighs double).
func Check(examples []Example) (warnings []string, err error) {
	seen := map[string]Example{}
	for _, ex := range examples {
		key := Normalize(ex.Text)
		prev, ok := seen[key]
		switch {
		case !ok:
			seen[key] = ex
		case prev.Intent != ex.Intent:
			return warnings, fmt.Errorf("%w: %s (%s) and %s (%s): %q", ErrConflict, prev.Source, prev.Intent, ex.Source, ex.Intent, ex.Text)
		default:
			warnings = append(warnings, fmt.Sprintf("%s repeats %s: %q", ex.Source, prev.Source, ex.Text))
		}
	}
	return warnings, nil
}

// FromCorpus reads the corpus of the layers (ReadCorpus), checks it and
// trains a model on it with the default options.
func FromCorpus(layers ...fs.FS) (*Model, error) {
	exs, err := ReadCorpus(layers...)
	if err != nil {
		return nil, err
	}
	if _, err := Check(exs); err != nil {
		return nil, err
	}
	return Train(exs, Options{})
}
