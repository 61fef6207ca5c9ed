package intent

import (
	"errors"
	"fmt"
	"io/fs"

	"frontdoor/knowledge"
)

// Example is one labelled message of the corpus, as the knowledge base
// reads it.
type Example = knowledge.CorpusMessage

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

// LoadCorpus reads the corpus of the layers (knowledge.ReadCorpus) and
// checks it: what a model is trained from.
func LoadCorpus(layers ...fs.FS) ([]Example, error) {
	exs, err := knowledge.ReadCorpus(layers...)
	if err != nil {
		return nil, err
	}
	if _, err := Check(exs); err != nil {
		return nil, err
	}
	return exs, nil
}

// FromCorpus trains a model with the default options on the corpus of the
// layers (LoadCorpus).
func FromCorpus(layers ...fs.FS) (*Model, error) {
	exs, err := LoadCorpus(layers...)
	if err != nil {
		return nil, err
	}
	return Train(exs, Options{})
}
