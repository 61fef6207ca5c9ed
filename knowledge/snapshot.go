package knowledge

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"path"
	"slices"
	"sort"
	"sync/atomic"
	"time"
	"unsafe"
)

// A snapshot is a built knowledge base written to one file, so that a
// server starts by mapping the file instead of segmenting and indexing
// every document again: for a province's thousands of
// documents that is most of a minute of CPU. The search index's arrays
// (term ids, offsets, postings, lengths) are stored as they lie in memory
// and used in place, from a read-only mapping of the file: the pages a
// question never touches never become part of the process. The items'
// and sentences' strings lie in sections of their own, and the base's
// strings point into the same mapping. What is cheap to derive — the
// dictionary's map, the segmenter, the maps from ids and aliases — is
// derived again on load.
//
// The file starts with a header: magic, format, byte order, the key of the
// inputs and program it was built from, the key of the program alone, the
// payload's length and CRC-32C. A snapshot whose key differs (a document,
// the catalogue, the synonyms, the questions or the editors' changes
// changed, or another program wrote it) is stale; one whose checksum or
// structure does not hold is corrupt. Neither is served. A stale snapshot
// that this program wrote is the base of the build that replaces it: the
// regions and the documents that did not change are taken from it.

// SnapshotFile is the snapshot's name beside the documents.
const SnapshotFile = "kb.snapshot"

// SnapshotFormat is the version of the snapshot's layout and of the
// analysis stored in it. Whatever changes either — a field of an item, how
// text becomes terms — must move it, so that older snapshots are rebuilt.
const SnapshotFormat = 5

const (
	snapshotMagic  = "FDKBSNAP"
	snapshotOrder  = 0x01020304 // as written by this machine's byte order
	snapshotHeader = 8 + 4 + 4 + 32 + 32 + 8 + 4 + 4
)

// snapshotID names what a snapshot was built from: inputs is the key of
// everything (SnapshotKey), program the key of the program and the
// settings that decide how a document becomes an index.
type snapshotID struct {
	inputs, program [32]byte
}

// ErrSnapshotStale and ErrSnapshotCorrupt say why a snapshot was not used.
var (
	ErrSnapshotStale   = errors.New("snapshot is stale")
	ErrSnapshotCorrupt = errors.New("snapshot is corrupt")
)

// SnapshotKey is the key of what a base is built from: the snapshot's
// format, the program (build, which the caller names: a snapshot written
// by another build of frontdoor is rebuilt), every document, the catalogue,
// the synonyms, the questions files, the corpus, and the editors' changes.
func SnapshotKey(fsys fs.FS, opts Options, build string) ([32]byte, error) {
	id, _, err := snapshotKey(fsys, opts, build)
	return id.inputs, err
}

// snapshotKey is SnapshotKey, the program's key, and the SHA-256 of each
// file it read, by name: a load that follows it reads no document whose
// parse it keeps.
func snapshotKey(fsys fs.FS, opts Options, build string) (snapshotID, map[string][32]byte, error) {
	var id snapshotID
	program := fmt.Sprintf("frontdoor knowledge snapshot %d\x00%s\x00%d\x00", SnapshotFormat, build, opts.MaxFileSize)
	id.program = sha256.Sum256([]byte(program))
	h := sha256.New()
	h.Write([]byte(program))
	var names []string
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return id, nil, err
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (isDocument(n) || n == CatalogueFile || n == SynonymsFile) {
			names = append(names, n)
		}
	}
	for _, pattern := range []string{path.Join(QuestionsDir, "*.yaml"), path.Join(CorpusDir, "*.jsonl")} {
		more, err := fs.Glob(fsys, pattern)
		if err != nil {
			return id, nil, err
		}
		names = append(names, more...)
	}
	slices.Sort(names)
	sums := make(map[string][32]byte, len(names))
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return id, nil, err
		}
		sum := sha256.Sum256(data)
		sums[n] = sum
		fmt.Fprintf(h, "%s\x00", n)
		h.Write(sum[:])
	}
	edits, err := json.Marshal(struct {
		Q []*QuestionFile
		I []CatalogueItem
		R []string
		S []SynonymGroup
	}{opts.Questions, opts.Items, opts.Retired, opts.Synonyms})
	if err != nil {
		return id, nil, err
	}
	h.Write(edits)
	h.Sum(id.inputs[:0])
	return id, sums, nil
}

// writeSnapshot writes the base, built from what id names, to w.
func (b *Base) writeSnapshot(w io.Writer, id snapshotID) error {
	var p snapWriter
	p.encode(b)
	pieces, n, err := p.pieces()
	if err != nil {
		return err
	}
	crc := uint32(0)
	for _, x := range pieces {
		crc = crc32.Update(crc, castagnoli, x)
	}
	head := make([]byte, 0, snapshotHeader)
	head = append(head, snapshotMagic...)
	head = binary.LittleEndian.AppendUint32(head, SnapshotFormat)
	head = nativeUint32(head, snapshotOrder)
	head = append(head, id.inputs[:]...)
	head = append(head, id.program[:]...)
	head = binary.LittleEndian.AppendUint64(head, uint64(n))
	head = binary.LittleEndian.AppendUint32(head, crc)
	head = append(head, 0, 0, 0, 0) // the payload starts 8-aligned
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(head)
	for _, x := range pieces {
		bw.Write(x) // the first error sticks, and Flush returns it
	}
	return bw.Flush()
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// nativeUint32 appends v in this machine's byte order: the payload's
// arrays are, and a reader of the other order must not use them.
func nativeUint32(b []byte, v uint32) []byte {
	return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&v)), 4)...)
}

// snapshotPayload checks a snapshot's header against id and returns its
// payload's place in the file and checksum. With anyInputs, a snapshot
// this program wrote from other inputs passes too: the base of a build.
func snapshotPayload(head []byte, id snapshotID, anyInputs bool, size int64) (length int64, sum uint32, err error) {
	if len(head) < snapshotHeader || string(head[:8]) != snapshotMagic {
		return 0, 0, fmt.Errorf("%w: not a snapshot", ErrSnapshotCorrupt)
	}
	if f := binary.LittleEndian.Uint32(head[8:]); f != SnapshotFormat {
		return 0, 0, fmt.Errorf("%w: format %d, this program reads %d", ErrSnapshotStale, f, SnapshotFormat)
	}
	if string(head[12:16]) != string(nativeUint32(nil, snapshotOrder)) {
		return 0, 0, fmt.Errorf("%w: written on a machine of another byte order", ErrSnapshotStale)
	}
	if [32]byte(head[48:80]) != id.program {
		return 0, 0, fmt.Errorf("%w: another program or its settings wrote it", ErrSnapshotStale)
	}
	if !anyInputs && [32]byte(head[16:48]) != id.inputs {
		return 0, 0, fmt.Errorf("%w: the documents, the catalogue or the edits changed", ErrSnapshotStale)
	}
	length = int64(binary.LittleEndian.Uint64(head[80:]))
	if length < 0 || length != size-snapshotHeader {
		return 0, 0, fmt.Errorf("%w: %d bytes of payload, the file holds %d", ErrSnapshotCorrupt, length, size-snapshotHeader)
	}
	return length, binary.LittleEndian.Uint32(head[88:]), nil
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
	r := newSnapReader(payload)
	b = &Base{}
	names, built, domain := r.decode(b)
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
	if err := an.learn(domain, cat.Synonyms, regional); err != nil {
		return nil, err
	}
	b.an, b.learned = an, learned{domain: domain, synonyms: cat.Synonyms, regional: regional}
	b.index(names, built)
	b.BuildTime = time.Since(start)
	return b, nil
}

// The payload is four sections, each 8-aligned, after a table of their
// lengths: meta (counts, and where each string and array lies), arrays
// (the term tables' ids, offsets, postings and lengths, the levels'
// members), hot strings (what a load reads: ids, names, units, questions)
// and cold strings (what only an answer reads: items' text, sentences,
// figures' clauses). A load reads meta and hot strings only, so that the
// pages of the index and text a question never needs are never brought
// into the process: the kernel maps a file's pages in blocks around each
// one touched, and kinds mixed in one stream would bring in nearly all.
const snapSections = 4

// snapWriter builds a payload. A string written twice to a section is
// stored once: the documents as parsed share their items' text with the
// built items.
type snapWriter struct {
	meta           []byte
	arr, hot, cold section
	// where each string was placed in hot and in cold
	placedHot, placedCold map[string]int
	err                   error
}

// section is a payload section as it will be written: short runs copied
// into it, and between them the base's own arrays and long strings, which
// are written from where they lie. Writing a province's snapshot then
// holds its metadata, not a copy of its index and text (1.4 GB for 5,000
// documents, twice over while the sections were joined).
type section struct {
	pieces [][]byte
	tail   []byte // copied bytes not yet a piece
	n      int
}

// copyBelow is the longest run a section copies rather than refers to:
// a reference costs 24 bytes of its own.
const copyBelow = 64

func (s *section) add(b []byte) {
	if len(b) < copyBelow {
		s.tail = append(s.tail, b...)
	} else {
		if len(s.tail) > 0 {
			s.pieces = append(s.pieces, s.tail)
			s.tail = nil
		}
		s.pieces = append(s.pieces, b)
	}
	s.n += len(b)
}

// align pads the section to a multiple of 8 bytes.
func (s *section) align() {
	var zeros [8]byte
	if r := s.n % 8; r != 0 {
		s.add(zeros[:8-r])
	}
}

// all are the section's pieces, padded to 8 bytes.
func (s *section) all() [][]byte {
	s.align()
	if len(s.tail) > 0 {
		s.pieces = append(s.pieces, s.tail)
		s.tail = nil
	}
	return s.pieces
}

func (w *snapWriter) u32(v int)     { w.meta = binary.LittleEndian.AppendUint32(w.meta, uint32(v)) }
func (w *snapWriter) u64(v uint64)  { w.meta = binary.LittleEndian.AppendUint64(w.meta, v) }
func (w *snapWriter) f64(v float64) { w.u64(math.Float64bits(v)) }

// ref adds s to a string section, unless the section holds it already,
// and its place to meta. placed remembers where the section's strings are.
func (w *snapWriter) ref(sec *section, placed *map[string]int, s string) {
	if s == "" {
		w.u32(0)
		w.u32(0)
		return
	}
	if *placed == nil {
		*placed = map[string]int{}
	}
	off, ok := (*placed)[s]
	if !ok {
		if sec.n+len(s) > math.MaxUint32 {
			w.err = errors.New("snapshot: over 4 GiB of text in one section")
			return
		}
		off = sec.n
		sec.add(unsafe.Slice(unsafe.StringData(s), len(s)))
		(*placed)[s] = off
	}
	w.u32(off)
	w.u32(len(s))
}

func (w *snapWriter) str(s string)  { w.ref(&w.hot, &w.placedHot, s) }
func (w *snapWriter) text(s string) { w.ref(&w.cold, &w.placedCold, s) }

// list writes a count, then each string with write.
func (w *snapWriter) list(ss []string, write func(string)) {
	w.u32(len(ss))
	for _, s := range ss {
		write(s)
	}
}

func (w *snapWriter) strs(ss []string)  { w.list(ss, w.str) }
func (w *snapWriter) texts(ss []string) { w.list(ss, w.text) }

// writeArray adds vs to the arrays as they lie in memory, 8-aligned, and
// their place and count to meta.
func writeArray[T any](w *snapWriter, vs []T) {
	var zero T
	w.arr.align()
	w.u64(uint64(w.arr.n))
	w.u64(uint64(len(vs)))
	if len(vs) > 0 {
		w.arr.add(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vs))), len(vs)*int(unsafe.Sizeof(zero))))
	}
}

// pieces are the payload, in order: the sections' lengths, then each
// section padded to 8 bytes; and its length.
func (w *snapWriter) pieces() ([][]byte, int, error) {
	if w.err != nil {
		return nil, 0, w.err
	}
	meta := section{}
	meta.add(w.meta)
	secs := [snapSections]*section{&meta, &w.arr, &w.hot, &w.cold}
	var table []byte
	for _, s := range secs {
		table = binary.LittleEndian.AppendUint64(table, uint64(s.n))
	}
	out, n := [][]byte{table}, len(table)
	for _, s := range secs {
		out = append(out, s.all()...)
		n += s.n
	}
	return out, n, nil
}

func (w *snapWriter) item(it *Item) {
	for _, s := range []string{it.ID, it.Doc, it.Region, it.Number, it.Path, it.Title, it.Deadline, it.DeadlineDate, it.Source} {
		w.str(s)
	}
	w.text(it.Section)
	w.text(it.Text)
	w.text(it.Body)
	for _, ss := range [][]string{it.Lead, it.Resp, it.Coop, it.Leaders, it.SectionUnits, it.Tags, it.Questions, it.Said} {
		w.strs(ss)
	}
	w.u32(len(it.Commitments))
	for _, c := range it.Commitments {
		w.str(c.Kind)
		for _, s := range []string{c.Text, c.Value, c.Unit, c.Subject, c.Clause} {
			w.text(s)
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
	w.u64(uint64(t.entries))
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
		w.document(d)
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
	w.strs(b.domainWords())
	names := slices.Sorted(maps.Keys(b.regions))
	terms := make([]string, len(b.dict.ids))
	for t, id := range b.dict.ids {
		terms[id] = t
	}
	w.strs(terms)
	w.u32(len(names))
	for _, n := range names {
		ri := b.regions[n]
		w.str(n)
		w.u32(len(ri.items)) // in meta: a load reads them
		for _, it := range ri.items {
			w.u32(pos[it])
		}
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
		w.texts(ri.sentText)
	}
	w.parses(b)
}

// document writes a document's own fields, not its items.
func (w *snapWriter) document(d *Document) {
	for _, s := range []string{d.File, d.Title, d.Issuer, d.Date, d.Number, d.Region, d.Format, d.Encoding} {
		w.str(s)
	}
	w.strs(d.Warnings)
}

// parses writes the documents as parsed, for a reload of the base read
// back to take instead of parsing them again, as a block of meta with its
// length first: a load skips it, and the first reload reads it
// (snapReader.parses).
func (w *snapWriter) parses(b *Base) {
	outer := w.meta
	w.meta = nil
	parsed := b.parses()
	names := slices.Sorted(maps.Keys(parsed))
	w.u32(len(names))
	for _, name := range names {
		p := parsed[name]
		w.str(name)
		w.str(string(p.sum[:]))
		w.document(p.doc)
		w.u32(len(p.doc.Items))
		for _, it := range p.doc.Items {
			w.item(it)
		}
	}
	block := w.meta
	w.meta = outer
	w.u64(uint64(len(block)))
	w.meta = append(w.meta, block...)
}

// snapReader reads a payload. Every read checks its bounds; the first
// failure sticks, and later reads return zero values.
type snapReader struct {
	data           []byte // meta, read in order
	off            int
	arr, hot, cold []byte
	err            error
}

// newSnapReader splits a payload into its sections.
func newSnapReader(payload []byte) *snapReader {
	r := &snapReader{}
	if len(payload) < 8*snapSections {
		r.err = fmt.Errorf("%w: no section table", ErrSnapshotCorrupt)
		return r
	}
	var secs [snapSections][]byte
	at := uint64(8 * snapSections)
	for i := range secs {
		n := binary.LittleEndian.Uint64(payload[8*i:])
		if n > uint64(len(payload)) || at+n > uint64(len(payload)) {
			r.err = fmt.Errorf("%w: section %d runs past the end", ErrSnapshotCorrupt, i)
			return r
		}
		secs[i] = payload[at : at+n : at+n]
		at = (at + n + 7) &^ 7
	}
	r.data, r.arr, r.hot, r.cold = secs[0], secs[1], secs[2], secs[3]
	return r
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

// ref is a string of a section, in place: its bytes are not read.
func (r *snapReader) ref(sec []byte) string {
	off, n := r.u32(), r.u32()
	if r.err != nil || n == 0 {
		return ""
	}
	if off+n > len(sec) || off+n < off {
		r.err = fmt.Errorf("%w: a string runs past its section", ErrSnapshotCorrupt)
		return ""
	}
	return unsafe.String(&sec[off], n)
}

func (r *snapReader) str() string  { return r.ref(r.hot) }
func (r *snapReader) text() string { return r.ref(r.cold) }

// count reads a count of elements each at least min bytes of meta long,
// refusing one the rest of meta could not hold.
func (r *snapReader) count(min int) int {
	n := r.u32()
	if r.err == nil && n > (len(r.data)-r.off)/max(min, 1) {
		r.err = fmt.Errorf("%w: %d elements at byte %d", ErrSnapshotCorrupt, n, r.off)
		return 0
	}
	return n
}

func (r *snapReader) list(read func() string) []string {
	n := r.count(8)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = read()
	}
	return out
}

func (r *snapReader) strs() []string  { return r.list(r.str) }
func (r *snapReader) texts() []string { return r.list(r.text) }

// readArray is an array of the arrays section, in place: its elements
// are not read.
func readArray[T any](r *snapReader) []T {
	var zero T
	size := uint64(unsafe.Sizeof(zero))
	at, n := r.u64(), r.u64()
	if r.err != nil {
		return nil
	}
	if at%8 != 0 || n > uint64(len(r.arr))/size || at > uint64(len(r.arr))-n*size {
		r.err = fmt.Errorf("%w: an array runs past its section", ErrSnapshotCorrupt)
		return nil
	}
	if n == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&r.arr[at])), n)
}

func (r *snapReader) item() *Item {
	it := &Item{}
	for _, p := range []*string{&it.ID, &it.Doc, &it.Region, &it.Number, &it.Path, &it.Title, &it.Deadline, &it.DeadlineDate, &it.Source} {
		*p = r.str()
	}
	it.Section, it.Text, it.Body = r.text(), r.text(), r.text()
	for _, p := range []*[]string{&it.Lead, &it.Resp, &it.Coop, &it.Leaders, &it.SectionUnits, &it.Tags, &it.Questions, &it.Said} {
		*p = r.strs()
	}
	if n := r.count(48); n > 0 {
		it.Commitments = make([]Commitment, n)
		for i := range it.Commitments {
			c := &it.Commitments[i]
			c.Kind = r.str()
			for _, p := range []*string{&c.Text, &c.Value, &c.Unit, &c.Subject, &c.Clause} {
				*p = r.text()
			}
		}
	}
	if cond := r.str(); cond != "" {
		it.Conditions = &Conditions{}
		if err := json.Unmarshal([]byte(cond), it.Conditions); err != nil && r.err == nil {
			r.err = fmt.Errorf("%w: conditions of %s: %v", ErrSnapshotCorrupt, it.ID, err)
		}
	}
	if n := r.count(12); n > 0 {
		it.FigureQuestions = make(map[string][]string, n)
		for range n {
			k := r.str()
			it.FigureQuestions[k] = r.strs()
		}
	}
	return it
}

// table reads a term table. Its arrays are checked for size, not read:
// reading even one element of each would bring the pages around it into
// memory, for every table of every region — most of the index — and the
// checksum already vouches for what this program wrote.
func (r *snapReader) table(d *dictionary) *termTable {
	t := &termTable{dict: d}
	t.ids = readArray[uint32](r)
	t.offs = readArray[uint32](r)
	t.packed = readArray[posting](r)
	t.entries = int(min(r.u64(), maxRegionItems+1))
	if r.err == nil && len(t.offs) != len(t.ids)+1 {
		r.err = fmt.Errorf("%w: a term table's ids and offsets do not hold together", ErrSnapshotCorrupt)
	}
	return t
}

func (r *snapReader) decode(b *Base) (names []string, built []*regionIndex, domain []string) {
	b.Items = make([]*Item, r.count(64))
	for i := range b.Items {
		b.Items[i] = r.item()
	}
	b.Docs = make([]*Document, r.count(40))
	for i := range b.Docs {
		d := r.document()
		first, n := r.u32()-1, r.u32()
		if n > 0 {
			if first < 0 || first+n > len(b.Items) {
				r.need(-1)
				return nil, nil, nil
			}
			d.Items = b.Items[first : first+n : first+n]
		}
		b.Docs[i] = d
	}
	if n := r.count(16); n > 0 {
		b.Problems = make([]Problem, n)
		for i := range b.Problems {
			b.Problems[i] = Problem{File: r.str(), Reason: r.str()}
		}
	}
	domain = r.strs()
	dict := newDictionary()
	for i, t := range r.strs() {
		dict.ids[t] = uint32(i)
	}
	b.dict = dict
	names = make([]string, r.count(8))
	built = make([]*regionIndex, len(names))
	for k := range names {
		names[k] = r.str()
		ri := &regionIndex{pos: map[*Item]int{}}
		ri.scratch.New = func() any { return new(scratch) }
		ri.items = make([]*Item, r.count(4))
		for j := range ri.items {
			i := r.u32()
			if i >= len(b.Items) {
				r.need(-1)
				return nil, nil, nil
			}
			ri.items[j] = b.Items[i]
		}
		ri.words, ri.grams, ri.chars, ri.sounds = r.table(dict), r.table(dict), r.table(dict), r.table(dict)
		for range 2 {
			lv := &level{words: r.table(dict), grams: r.table(dict)}
			lv.item, lv.first, lv.end = readArray[int32](r), readArray[int32](r), readArray[int32](r)
			lv.weight = r.f64()
			if r.err == nil && (len(lv.first) != len(ri.items) || len(lv.end) != len(ri.items) ||
				lv.words.entries != len(lv.item) || lv.grams.entries != len(lv.item)) {
				r.err = fmt.Errorf("%w: region %q: a level does not match its items", ErrSnapshotCorrupt, names[k])
			}
			ri.levels = append(ri.levels, lv)
		}
		ri.sents, ri.quests = ri.levels[0], ri.levels[1]
		ri.sentText = r.texts()
		if r.err != nil {
			return nil, nil, nil
		}
		for _, t := range []*termTable{ri.words, ri.grams, ri.chars, ri.sounds} {
			if t.entries != len(ri.items) {
				r.err = fmt.Errorf("%w: region %q: a table does not match its items", ErrSnapshotCorrupt, names[k])
				return nil, nil, nil
			}
		}
		if len(ri.sentText) != ri.sents.members() {
			r.err = fmt.Errorf("%w: region %q: sentences do not match", ErrSnapshotCorrupt, names[k])
			return nil, nil, nil
		}
		ri.texts = make([]atomic.Pointer[itemText], len(ri.items))
		for i, it := range ri.items {
			ri.pos[it] = i
			ri.timed = append(ri.timed, hasKind(it, "time"))
			ri.figured = append(ri.figured, hasKind(it, "money", "percent", "quantity", "phone", "frequency"))
		}
		built[k] = ri
	}
	if n := r.u64(); r.need(int(min(n, math.MaxInt32))) {
		b.stored = &storedParses{r: &snapReader{data: r.data[r.off : r.off+int(n) : r.off+int(n)], arr: r.arr, hot: r.hot, cold: r.cold}}
		r.off += int(n)
	}
	if r.err == nil && r.off != len(r.data) {
		r.err = fmt.Errorf("%w: %d bytes left over", ErrSnapshotCorrupt, len(r.data)-r.off)
	}
	return names, built, domain
}

func (r *snapReader) document() *Document {
	d := &Document{}
	for _, p := range []*string{&d.File, &d.Title, &d.Issuer, &d.Date, &d.Number, &d.Region, &d.Format, &d.Encoding} {
		*p = r.str()
	}
	d.Warnings = r.strs()
	return d
}

// parses reads the documents as parsed (snapWriter.parses); nil if the
// block does not read.
func (r *snapReader) parses() map[string]parsedDoc {
	n := r.count(40)
	out := make(map[string]parsedDoc, n)
	for range n {
		name, sum := r.str(), r.str()
		d := r.document()
		if len(sum) != 32 {
			r.need(-1)
		}
		if k := r.count(64); k > 0 {
			d.Items = make([]*Item, k)
			for i := range d.Items {
				d.Items[i] = r.item()
			}
		}
		if r.err != nil {
			return nil
		}
		out[name] = parsedDoc{sum: [32]byte([]byte(sum)), doc: d}
	}
	if r.off != len(r.data) {
		return nil
	}
	return out
}
