package intent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// A model read from its file answers every message as the model written,
// to the bit; a file of another corpus, build or format, or a damaged one,
// is refused, and Cached then trains and writes the file anew.
func TestModelFile(t *testing.T) {
	// A quarter of the corpus and two orders, not the default sixteen: the
	// file is the subject here, and the test trains four times.
	var exs []Example
	for i, ex := range shippedCorpus(t) {
		if i%4 == 0 {
			exs = append(exs, ex)
		}
	}
	opts := Options{Orders: 2}
	key := ModelKey(exs, opts, "build-a")
	m, err := Train(exs, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf, key); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	read, err := ReadModel(data, key)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(evaluationTexts(t), "", "在吗", "😀", "0000")
	for _, ex := range exs {
		texts = append(texts, ex.Text)
	}
	for _, text := range texts {
		a, b := m.Predict(text), read.Predict(text)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: read %v, written %v", text, b, a)
			}
		}
	}
	if read.Examples != m.Examples || read.Features() != m.Features() {
		t.Errorf("read %d examples %d features, written %d %d", read.Examples, read.Features(), m.Examples, m.Features())
	}

	more := append(exs[:len(exs):len(exs)], Example{Text: "新加的一句", Intent: "greeting"})
	stale := []struct {
		name string
		key  [32]byte
	}{
		{"another build", ModelKey(exs, opts, "build-b")},
		{"another corpus", ModelKey(more, opts, "build-a")},
		{"other options", ModelKey(exs, Options{Orders: 2, Epochs: 7}, "build-a")},
	}
	for _, tt := range stale {
		if _, err := ReadModel(data, tt.key); !errors.Is(err, ErrModelStale) {
			t.Errorf("%s: %v, want stale", tt.name, err)
		}
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	for name, d := range map[string][]byte{"flipped byte": flipped, "cut short": data[:len(data)-9], "empty": nil, "not a model": []byte("FDINTENT but not")} {
		if _, err := ReadModel(d, key); !errors.Is(err, ErrModelCorrupt) {
			t.Errorf("%s: %v, want corrupt", name, err)
		}
	}

	path := filepath.Join(t.TempDir(), "kb.snapshot.intent")
	if _, read, why, err := Cached(path, nil, exs, opts, "build-a"); err != nil || read || why == "" {
		t.Fatalf("no file yet: read %v (%q), %v", read, why, err)
	}
	inUse, fromFile, _, err := Cached(path, nil, exs, opts, "build-a")
	if err != nil || !fromFile {
		t.Fatalf("the file written is not read: %v", err)
	}
	if kept, read, _, err := Cached(path, inUse, exs, opts, "build-a"); err != nil || read || kept != inUse {
		t.Fatalf("the model in use, of the same corpus, was not kept: read %v, %v", read, err)
	}
	if m, read, why, err := Cached(path, inUse, more, opts, "build-a"); err != nil || read || m == inUse {
		t.Fatalf("another corpus kept or read the model: %q %v", why, err)
	}
	if err := os.WriteFile(path, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, read, why, err := Cached(path, nil, exs, opts, "build-a"); err != nil || read {
		t.Fatalf("a damaged file was read: %q %v", why, err)
	}
	if _, read, _, err := Cached(path, nil, exs, opts, "build-a"); err != nil || !read {
		t.Fatalf("the damaged file was not rewritten: %v", err)
	}
}

func FuzzReadModel(f *testing.F) {
	// a sample of the corpus small enough to mutate quickly, large enough
	// that the nearest-neighbour index has postings
	var exs []Example
	for i, ex := range shippedCorpus(f) {
		if i%150 == 0 {
			exs = append(exs, ex)
		}
	}
	m, err := Train(exs, Options{})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf, [32]byte{}); err != nil {
		f.Fatal(err)
	}
	// the body without its checksum: the fuzzer's bytes are given a
	// good one, so that they reach the parser behind it
	f.Add(buf.Bytes()[:buf.Len()-4])
	f.Fuzz(func(t *testing.T, body []byte) {
		data := binary.LittleEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, castagnoli))
		if m, err := ReadModel(data, [32]byte{}); err == nil {
			m.Predict("在吗 要多久")
		}
	})
}
