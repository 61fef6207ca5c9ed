package intent

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// A trained model is kept in a file beside the knowledge base's snapshot,
// so that a server whose corpus has not changed reads it in milliseconds
// instead of training for a third of a second before it is ready. The
// file is keyed by what the model is trained from; a model of another
// corpus, another build or a damaged file is never used.

// ModelFormat is the version of the model file's layout, and of how a
// message becomes features and a corpus a model: whatever changes either
// must move it, so that older files are retrained.
const ModelFormat = 3

const modelMagic = "FDINTENT"

// Errors ReadModel returns for a file it will not use.
var (
	ErrModelStale   = errors.New("intent: the model file was trained from another corpus or build")
	ErrModelCorrupt = errors.New("intent: the model file is damaged")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ModelKey is the key of a model trained from examples with opts by the
// program build names: the model format, the build, the options and every
// example's text and intent, in order.
func ModelKey(examples []Example, opts Options, build string) [32]byte {
	opts.defaults()
	h := sha256.New()
	fmt.Fprintf(h, "frontdoor intent model %d\x00%s\x00%+v\x00%d\x00", ModelFormat, build, opts, len(examples))
	for _, ex := range examples {
		fmt.Fprintf(h, "%d:%s\x00%s\x00", len(ex.Text), ex.Text, ex.Intent)
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// Write writes the model, trained from inputs whose ModelKey is key.
func (m *Model) Write(w io.Writer, key [32]byte) error {
	k := len(m.labels)
	hashes := m.index.hashes()
	le := binary.LittleEndian
	b := make([]byte, 0, 64+len(hashes)*(8+4*k)+4*k)
	b = append(b, modelMagic...)
	b = le.AppendUint32(b, ModelFormat)
	b = append(b, key[:]...)
	b = le.AppendUint32(b, uint32(k))
	for _, l := range m.labels {
		b = le.AppendUint32(b, uint32(len(l)))
		b = append(b, l...)
	}
	b = le.AppendUint32(b, uint32(m.Examples))
	b = le.AppendUint32(b, uint32(len(hashes)))
	for _, h := range hashes {
		b = le.AppendUint64(b, h)
	}
	for _, v := range m.w[:len(hashes)*k] {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	for _, v := range m.bias {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	b = m.near.append(b)
	b = le.AppendUint32(b, crc32.Checksum(b, castagnoli))
	_, err := w.Write(b)
	return err
}

// maxModelLabels and maxModelFeatures bound what a file may claim before
// anything is allocated for it.
const (
	maxModelLabels   = 64
	maxModelFeatures = 1 << 26
	maxModelExamples = 1 << 26
)

// ReadModel reads a model written with key: ErrModelStale when the file
// was written with another, ErrModelCorrupt when it is damaged. The model
// read answers every message as the one written, to the bit.
func ReadModel(data []byte, key [32]byte) (*Model, error) {
	le := binary.LittleEndian
	if len(data) < len(modelMagic)+4+32+4 || string(data[:len(modelMagic)]) != modelMagic {
		return nil, fmt.Errorf("%w: not a model file", ErrModelCorrupt)
	}
	body, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum", ErrModelCorrupt)
	}
	r := body[len(modelMagic):]
	short := false
	take := func(n int) []byte {
		if n < 0 || n > len(r) {
			// cut short: enough zeros for any one number, and no more
			// than that whatever length the file claims
			short, r = true, nil
			return make([]byte, 32)
		}
		out := r[:n]
		r = r[n:]
		return out
	}
	u32 := func() int { return int(le.Uint32(take(4))) }
	if f := u32(); f != ModelFormat {
		return nil, fmt.Errorf("%w: format %d, this build reads %d", ErrModelStale, f, ModelFormat)
	}
	if !bytes.Equal(take(32), key[:]) {
		return nil, ErrModelStale
	}
	nl := u32()
	if nl < 2 || nl > maxModelLabels {
		return nil, fmt.Errorf("%w: %d labels", ErrModelCorrupt, nl)
	}
	labels := make([]string, nl)
	for i := range labels {
		labels[i] = string(take(u32()))
	}
	examples, nf := u32(), u32()
	if short || nf > maxModelFeatures || examples > maxModelExamples || nf*(8+4*nl)+4*nl > len(r) {
		return nil, fmt.Errorf("%w: cut short or overlong", ErrModelCorrupt)
	}
	m := &Model{labels: labels, w: make([]float32, nf*nl), bias: make([]float32, nl), Examples: examples}
	hashes := make([]uint64, nf)
	for i := range hashes {
		hashes[i] = le.Uint64(take(8))
	}
	var ok bool
	if m.index, ok = newFeatureIndex(hashes); !ok {
		return nil, fmt.Errorf("%w: a feature repeats", ErrModelCorrupt)
	}
	for i := range m.w {
		m.w[i] = math.Float32frombits(le.Uint32(take(4)))
	}
	for i := range m.bias {
		m.bias[i] = math.Float32frombits(le.Uint32(take(4)))
	}
	var err error
	if m.near, err = readNeighbours(r, nf, examples, nl); err != nil {
		return nil, err
	}
	m.initScratch()
	return m, nil
}

// Cached is the model of examples kept at path: prev itself when prev, the
// model in use, is the model of these examples, options and build (a
// reload whose corpus did not change); else read when the file holds it;
// otherwise trained and written there (atomically: a reader sees the old
// file or the new). It says whether it read the file, and why it trained.
// An empty path trains without a file; a file that cannot be written costs
// only the next start's time.
func Cached(path string, prev *Model, examples []Example, opts Options, build string) (m *Model, read bool, why string, err error) {
	key := ModelKey(examples, opts, build)
	if prev != nil && prev.key == key {
		return prev, false, "", nil
	}
	if path != "" {
		data, rerr := os.ReadFile(path)
		if rerr == nil {
			if m, rerr = ReadModel(data, key); rerr == nil {
				m.key = key
				return m, true, "", nil
			}
		}
		why = rerr.Error()
	}
	if m, err = Train(examples, opts); err != nil {
		return nil, false, why, err
	}
	m.key = key
	if path != "" {
		if werr := writeModelFile(path, m, key); werr != nil {
			why += "; not written: " + werr.Error()
		}
	}
	return m, false, why, nil
}

// writeModelFile writes the model beside path and renames it into place
// once it is on disk.
func writeModelFile(path string, m *Model, key [32]byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = m.Write(tmp, key)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
