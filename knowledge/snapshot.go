package knowledge

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"sort"
	"sync/atomic"
	"time"
	"unsafe"
)

// A snapshot is a built knowledge base written to one file, so that a
// server starts, and reloads, by mapping the file instead of segmenting
// and indexing every document again: for a province's thousands of
// documents that is most of a minute of CPU. The search index's arrays
// (term ids, offsets, postings, lengths) are stored as they lie in memory
// and used in place, from a read-only mapping of the file: the pages a
// question never touches never become part of the process. Items and
// sentences are stored as length-prefixed strings that point into the same
// mapping. What is cheap to derive — the dictionary's map, the segmenter,
// the maps from ids and aliases — is derived again on load.
//
// The file starts with a header: magic, format, byte order, the key of the
// inputs and program it was built from, the payload's length and CRC-32C.
// A snapshot whose key differs (a document, the catalogue, the synonyms,
// the questions or the editors' changes changed, or another program wrote
// it) is stale; one whose checksum or structure does not hold is corrupt.
// Either is rebuilt from the documents, never served.

// SnapshotFile is the snapshot's name beside the documents.
const SnapshotFile = "kb.snapshot"

// SnapshotFormat is the version of the snapshot's layout and of the
// analysis stored in it. Whatever changes either — a field of an item, how
// text becomes terms — must move it, so that older snapshots are rebuilt.
const SnapshotFormat = 1

const (
	snapshotMagic  = "FDKBSNAP"
	snapshotOrder  = 0x01020304 // as written by this machine's byte order
	snapshotHeader = 8 + 4 + 4 + 32 + 8 + 4 + 4
)

// ErrSnapshotStale and ErrSnapshotCorrupt say why a snapshot was not used.
var (
	ErrSnapshotStale   = errors.New("snapshot is stale")
	ErrSnapshotCorrupt = errors.New("snapshot is corrupt")
)

// SnapshotKey is the key of what a base is built from: the snapshot's
// format, the program (build, which the caller names: a snapshot written
// by another build of frontdoor is rebuilt), every document, the catalogue,
// the synonyms, the questions files, and the editors' changes.
func SnapshotKey(fsys fs.FS, opts Options, build string) ([32]byte, error) {
	h := sha256.New()
	fmt.Fprintf(h, "frontdoor knowledge snapshot %d\x00%s\x00%d\x00", SnapshotFormat, build, opts.MaxFileSize)
	var names []string
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return [32]byte{}, err
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (isDocument(n) || n == CatalogueFile || n == SynonymsFile) {
			names = append(names, n)
		}
	}
	qs, err := fs.Glob(fsys, path.Join(QuestionsDir, "*.yaml"))
	if err != nil {
		return [32]byte{}, err
	}
	names = append(names, qs...)
	slices.Sort(names)
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return [32]byte{}, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	edits, err := json.Marshal(struct {
		Q []*QuestionFile
		I []CatalogueItem
		R []string
		S []SynonymGroup
	}{opts.Questions, opts.Items, opts.Retired, opts.Synonyms})
	if err != nil {
		return [32]byte{}, err
	}
	h.Write(edits)
	var key [32]byte
	h.Sum(key[:0])
	return key, nil
}

// WriteSnapshot writes the base, built from inputs whose SnapshotKey is
// key, to w.
func (b *Base) WriteSnapshot(w io.Writer, key [32]byte) error {
	var p snapWriter
	p.encode(b)
	head := make([]byte, 0, snapshotHeader)
	head = append(head, snapshotMagic...)
	head = binary.LittleEndian.AppendUint32(head, SnapshotFormat)
	head = nativeUint32(head, snapshotOrder)
	head = append(head, key[:]...)
	head = binary.LittleEndian.AppendUint64(head, uint64(len(p.buf)))
	head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(p.buf, castagnoli))
	head = append(head, 0, 0, 0, 0) // the payload starts 8-aligned
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(p.buf)
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// nativeUint32 appends v in this machine's byte order: the payload's
// arrays are, and a reader of the other order must not use them.
func nativeUint32(b []byte, v uint32) []byte {
	return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&v)), 4)...)
}

// snapshotPayload checks a snapshot's header against key and returns its
// payload's place in the file and checksum.
func snapshotPayload(head []byte, key [32]byte, size int64) (length int64, sum uint32, err error) {
	if len(head) < snapshotHeader || string(head[:8]) != snapshotMagic {
		return 0, 0, fmt.Errorf("%w: not a snapshot", ErrSnapshotCorrupt)
	}
	if f := binary.LittleEndian.Uint32(head[8:]); f != SnapshotFormat {
		return 0, 0, fmt.Errorf("%w: format %d, this program reads %d", ErrSnapshotStale, f, SnapshotFormat)
	}
	if string(head[12:16]) != string(nativeUint32(nil, snapshotOrder)) {
		return 0, 0, fmt.Errorf("%w: written on a machine of another byte order", ErrSnapshotStale)
	}
	if [32]byte(head[16:48]) != key {
		return 0, 0, fmt.Errorf("%w: the documents, the catalogue, the edits or the program changed", ErrSnapshotStale)
	}
	length = int64(binary.LittleEndian.Uint64(head[48:]))
	if length < 0 || length != size-snapshotHeader {
		return 0, 0, fmt.Errorf("%w: %d bytes of payload, the file holds %d", ErrSnapshotCorrupt, length, size-snapshotHeader)
	}
	return length, binary.LittleEndian.Uint32(head[56:]), nil
}

// ReadSnapshot builds a base from a snapshot's payload (the bytes after
// its header, 8-aligned, which the base keeps using: they must stay
// unchanged and mapped for as long as the base or any string of it is in
// use) and the catalogue read from fsys with opts.
func ReadSnapshot(payload []byte, fsys fs.FS, opts Options) (b *Base, err error) {
	start := time.Now()
	if uintptr(unsafe.Pointer(unsafe.SliceData(payload)))%8 != 0 {
		return nil, fmt.Errorf("%w: payload not 8-aligned", ErrSnapshotCorrupt)
	}
	// A checksum that holds over a payload this program cannot read is a
	// bug, not an attack; it is still never served.
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, r)
		}
	}()
	r := snapReader{data: payload}
	b = &Base{}
	names, built := r.decode(b)
	if r.err != nil {
		return nil, r.err
	}
	cat, err := readCatalogue(fsys, opts)
	if err != nil {
		return nil, err
	}
	b.Catalog = cat
	regional, err := b.regionalSynonyms()
	if err != nil {
		return nil, err
	}
	an, err := newGeneralAnalyzer()
	if err != nil {
		return nil, err
	}
	if err := an.learn(b.domainWords(), cat.Synonyms, regional); err != nil {
		return nil, err
	}
	b.an = an
	b.index(names, built)
	b.BuildTime = time.Since(start)
	return b, nil
}

// snapWriter appends a payload. Arrays are written as they lie in memory,
// 8-aligned, after their length.
type snapWriter struct{ buf []byte }

func (w *snapWriter) u32(v int)     { w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(v)) }
func (w *snapWriter) u64(v uint64)  { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }
func (w *snapWriter) f64(v float64) { w.u64(math.Float64bits(v)) }
func (w *snapWriter) str(s string)  { w.u32(len(s)); w.buf = append(w.buf, s...) }

func (w *snapWriter) strs(ss []string) {
	w.u32(len(ss))
	for _, s := range ss {
		w.str(s)
	}
}

// raw writes n elements of size bytes at p, 8-aligned after their count.
func (w *snapWriter) raw(p unsafe.Pointer, n, size int) {
	w.u64(uint64(n))
	for len(w.buf)%8 != 0 {
		w.buf = append(w.buf, 0)
	}
	if n > 0 {
		w.buf = append(w.buf, unsafe.Slice((*byte)(p), n*size)...)
	}
}

func writeArray[T any](w *snapWriter, vs []T) {
	var zero T
	w.raw(unsafe.Pointer(unsafe.SliceData(vs)), len(vs), int(unsafe.Sizeof(zero)))
}

func (w *snapWriter) item(it *Item) {
	for _, s := range []string{it.ID, it.Doc, it.Region, it.Number, it.Path, it.Section, it.Title, it.Text, it.Body,
		it.Deadline, it.DeadlineDate, it.Source} {
		w.str(s)
	}
	for _, ss := range [][]string{it.Lead, it.Resp, it.Coop, it.Leaders, it.SectionUnits, it.Tags, it.Questions} {
		w.strs(ss)
	}
	w.u32(len(it.Commitments))
	for _, c := range it.Commitments {
		for _, s := range []string{c.Text, c.Value, c.Unit, c.Subject, c.Clause, c.Kind} {
			w.str(s)
		}
	}
	cond := ""
	if it.Conditions != nil {
		b, _ := json.Marshal(it.Conditions)
		cond = string(b)
	}
	w.str(cond)
	keys := make([]string, 0, len(it.FigureQuestions))
	for k := range it.FigureQuestions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.u32(len(keys))
	for _, k := range keys {
		w.str(k)
		w.strs(it.FigureQuestions[k])
	}
}

func (w *snapWriter) table(t *termTable) {
	writeArray(w, t.ids)
	writeArray(w, t.offs)
	writeArray(w, t.packed)
	writeArray(w, t.lens)
	for _, a := range t.avg {
		w.f64(a)
	}
}

func (w *snapWriter) encode(b *Base) {
	pos := make(map[*Item]int, len(b.Items))
	for i, it := range b.Items {
		pos[it] = i
	}
	w.u32(len(b.Items))
	for _, it := range b.Items {
		w.item(it)
	}
	w.u32(len(b.Docs))
	for _, d := range b.Docs {
		for _, s := range []string{d.File, d.Title, d.Issuer, d.Date, d.Number, d.Region, d.Format, d.Encoding} {
			w.str(s)
		}
		w.strs(d.Warnings)
		first := -1
		if len(d.Items) > 0 {
			first = pos[d.Items[0]]
		}
		w.u32(first + 1)
		w.u32(len(d.Items))
	}
	w.u32(len(b.Problems))
	for _, p := range b.Problems {
		w.str(p.File)
		w.str(p.Reason)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range b.regions {
			if !yield(n) {
				return
			}
		}
	})
	var dict *dictionary
	for _, n := range names {
		dict = b.regions[n].words.dict
		break
	}
	terms := make([]string, 0)
	if dict != nil {
		terms = make([]string, len(dict.ids))
		for t, id := range dict.ids {
			terms[id] = t
		}
	}
	w.strs(terms)
	w.u32(len(names))
	for _, n := range names {
		ri := b.regions[n]
		w.str(n)
		idx := make([]int32, len(ri.items))
		for i, it := range ri.items {
			idx[i] = int32(pos[it])
		}
		writeArray(w, idx)
		for _, t := range []*termTable{ri.words, ri.grams, ri.chars, ri.sounds} {
			w.table(t)
		}
		for _, lv := range ri.levels {
			w.table(lv.words)
			w.table(lv.grams)
			writeArray(w, lv.item)
			writeArray(w, lv.first)
			writeArray(w, lv.end)
			w.f64(lv.weight)
		}
		w.strs(ri.sentText)
	}
}

// snapReader reads a payload. Every read checks its bounds; the first
// failure sticks, and later reads return zero values.
type snapReader struct {
	data []byte
	off  int
	err  error
}

func (r *snapReader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > len(r.data)-r.off {
		r.err = fmt.Errorf("%w: read past the end at byte %d", ErrSnapshotCorrupt, r.off)
		return false
	}
	return true
}

func (r *snapReader) u32() int {
	if !r.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(r.data[r.off:])
	r.off += 4
	return int(v)
}

func (r *snapReader) u64() uint64 {
	if !r.need(8) {
		return 0
	}
	v := binary.LittleEndian.Uint64(r.data[r.off:])
	r.off += 8
	return v
}

func (r *snapReader) f64() float64 { return math.Float64frombits(r.u64()) }

// str is a string of the payload, not a copy.
func (r *snapReader) str() string {
	n := r.u32()
	if n == 0 || !r.need(n) {
		return ""
	}
	s := unsafe.String(&r.data[r.off], n)
	r.off += n
	return s
}

// count reads a count of elements each at least min bytes long, refusing
// one the rest of the payload could not hold.
func (r *snapReader) count(min int) int {
	n := r.u32()
	if r.err == nil && n > (len(r.data)-r.off)/max(min, 1) {
		r.err = fmt.Errorf("%w: %d elements at byte %d", ErrSnapshotCorrupt, n, r.off)
		return 0
	}
	return n
}

func (r *snapReader) strs() []string {
	n := r.count(4)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

// readArray is an array of the payload in place.
func readArray[T any](r *snapReader) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	n64 := r.u64()
	for r.err == nil && r.off%8 != 0 {
		r.off++
	}
	if n64 > uint64(len(r.data)) {
		r.need(-1)
		return nil
	}
	n := int(n64)
	if !r.need(n * size) {
		return nil
	}
	if n == 0 {
		return []T{}
	}
	out := unsafe.Slice((*T)(unsafe.Pointer(&r.data[r.off])), n)
	r.off += n * size
	return out[:n:n]
}

func (r *snapReader) item() *Item {
	it := &Item{}
	for _, p := range []*string{&it.ID, &it.Doc, &it.Region, &it.Number, &it.Path, &it.Section, &it.Title, &it.Text, &it.Body,
		&it.Deadline, &it.DeadlineDate, &it.Source} {
		*p = r.str()
	}
	for _, p := range []*[]string{&it.Lead, &it.Resp, &it.Coop, &it.Leaders, &it.SectionUnits, &it.Tags, &it.Questions} {
		*p = r.strs()
	}
	if n := r.count(24); n > 0 {
		it.Commitments = make([]Commitment, n)
		for i := range it.Commitments {
			c := &it.Commitments[i]
			for _, p := range []*string{&c.Text, &c.Value, &c.Unit, &c.Subject, &c.Clause, &c.Kind} {
				*p = r.str()
			}
		}
	}
	if cond := r.str(); cond != "" {
		it.Conditions = &Conditions{}
		if err := json.Unmarshal([]byte(cond), it.Conditions); err != nil && r.err == nil {
			r.err = fmt.Errorf("%w: conditions of %s: %v", ErrSnapshotCorrupt, it.ID, err)
		}
	}
	if n := r.count(8); n > 0 {
		it.FigureQuestions = make(map[string][]string, n)
		for range n {
			k := r.str()
			it.FigureQuestions[k] = r.strs()
		}
	}
	return it
}

func (r *snapReader) table(d *dictionary) *termTable {
	t := &termTable{dict: d}
	t.ids = readArray[uint32](r)
	t.offs = readArray[uint32](r)
	t.packed = readArray[posting](r)
	t.lens = readArray[[nFields]float32](r)
	for f := range t.avg {
		t.avg[f] = r.f64()
	}
	if r.err == nil && (len(t.offs) != len(t.ids)+1 || t.offs[len(t.ids)] != uint32(len(t.packed)) ||
		!slices.IsSorted(t.offs) || !slices.IsSorted(t.ids) || len(t.ids) > 0 && int(t.ids[len(t.ids)-1]) >= len(d.ids)) {
		r.err = fmt.Errorf("%w: a term table's ids and offsets do not hold together", ErrSnapshotCorrupt)
	}
	return t
}

func (r *snapReader) decode(b *Base) (names []string, built []*regionIndex) {
	b.Items = make([]*Item, r.count(64))
	for i := range b.Items {
		b.Items[i] = r.item()
	}
	b.Docs = make([]*Document, r.count(40))
	for i := range b.Docs {
		d := &Document{}
		for _, p := range []*string{&d.File, &d.Title, &d.Issuer, &d.Date, &d.Number, &d.Region, &d.Format, &d.Encoding} {
			*p = r.str()
		}
		d.Warnings = r.strs()
		first, n := r.u32()-1, r.u32()
		if n > 0 {
			if first < 0 || first+n > len(b.Items) {
				r.need(-1)
				return nil, nil
			}
			d.Items = b.Items[first : first+n : first+n]
		}
		b.Docs[i] = d
	}
	if n := r.count(8); n > 0 {
		b.Problems = make([]Problem, n)
		for i := range b.Problems {
			b.Problems[i] = Problem{File: r.str(), Reason: r.str()}
		}
	}
	dict := newDictionary()
	for i, t := range r.strs() {
		dict.ids[t] = uint32(i)
	}
	names = make([]string, r.count(8))
	built = make([]*regionIndex, len(names))
	for k := range names {
		names[k] = r.str()
		ri := &regionIndex{pos: map[*Item]int{}}
		ri.scratch.New = func() any { return new(scratch) }
		for _, i := range readArray[int32](r) {
			if i < 0 || int(i) >= len(b.Items) {
				r.need(-1)
				return nil, nil
			}
			ri.items = append(ri.items, b.Items[i])
		}
		ri.words, ri.grams, ri.chars, ri.sounds = r.table(dict), r.table(dict), r.table(dict), r.table(dict)
		for range 2 {
			lv := &level{words: r.table(dict), grams: r.table(dict)}
			lv.item, lv.first, lv.end = readArray[int32](r), readArray[int32](r), readArray[int32](r)
			lv.weight = r.f64()
			if r.err == nil && (len(lv.first) != len(ri.items) || len(lv.end) != len(ri.items) ||
				len(lv.words.lens) != len(lv.item) || len(lv.grams.lens) != len(lv.item)) {
				r.err = fmt.Errorf("%w: region %q: a level does not match its items", ErrSnapshotCorrupt, names[k])
			}
			ri.levels = append(ri.levels, lv)
		}
		if len(ri.levels) == 2 {
			ri.sents, ri.quests = ri.levels[0], ri.levels[1]
		}
		ri.sentText = r.strs()
		if r.err != nil {
			return nil, nil
		}
		for _, t := range []*termTable{ri.words, ri.grams, ri.chars, ri.sounds} {
			if len(t.lens) != len(ri.items) {
				r.err = fmt.Errorf("%w: region %q: a table does not match its items", ErrSnapshotCorrupt, names[k])
				return nil, nil
			}
		}
		if len(ri.sentText) != ri.sents.members() {
			r.err = fmt.Errorf("%w: region %q: sentences do not match", ErrSnapshotCorrupt, names[k])
			return nil, nil
		}
		ri.texts = make([]atomic.Pointer[itemText], len(ri.items))
		for i, it := range ri.items {
			ri.pos[it] = i
			ri.timed = append(ri.timed, hasKind(it, "time"))
			ri.figured = append(ri.figured, hasKind(it, "money", "percent", "quantity", "phone", "frequency"))
		}
		built[k] = ri
	}
	if r.err == nil && r.off != len(r.data) {
		r.err = fmt.Errorf("%w: %d bytes left over", ErrSnapshotCorrupt, len(r.data)-r.off)
	}
	return names, built
}

// keyHex names a snapshot key in messages.
func keyHex(k [32]byte) string { return hex.EncodeToString(k[:6]) }
