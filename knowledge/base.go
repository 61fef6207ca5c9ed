package knowledge

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"frontdoor/knowledge/docread"
)

// ErrUnknownRegion is returned for a region no document or catalogue entry
// names.
var ErrUnknownRegion = errors.New("unknown region")

// CatalogueFile is the catalogue's file name in a knowledge directory;
// SynonymsFile holds the bulk of the synonyms in the same format.
const (
	CatalogueFile = "catalogue.yaml"
	SynonymsFile  = "synonyms.yaml"
)

// Options tune loading.
type Options struct {
	// MaxFileSize refuses larger documents (default 20 MiB).
	MaxFileSize int64
	// Questions are added to the questions files' own: those editors
	// added from the console, kept outside the directory.
	Questions []*QuestionFile
	// Items are curated items editors added; Retired are the ids of
	// curated items (the catalogue's or the editors') taken out of use.
	Items   []CatalogueItem
	Retired []string
	// Synonyms are the regional synonym groups editors added.
	Synonyms []SynonymGroup
}

// Problem is a document that could not be read; the rest still load.
type Problem struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Base is an immutable, loaded knowledge base: documents, items, the
// catalogue and one search index per region. Reloading builds a new Base.
type Base struct {
	Docs     []*Document
	Items    []*Item
	Problems []Problem
	Catalog  *Catalogue
	// BuildTime is how long loading took, dictionary included.
	BuildTime time.Duration
	// Rebuilt is how many regions' indexes the load built; the others
	// were kept from the base it replaced.
	Rebuilt int
	// Parsed is how many documents the load parsed; the others' parses
	// were kept from the base it replaced.
	Parsed int

	an      *analyzer
	regions map[string]*regionIndex
	aliases map[string]string // alias → region
	byID    map[string]*Item
	asked   map[string]*Item // region + question key → the item whose question it is
	// key names what the base was built from, when it was loaded with a
	// snapshot; mapped says it was read from one.
	key    snapshotID
	mapped bool
	// dict numbers every region's terms; learned is what the analyzer was
	// taught beyond the general dictionary. A rebuild that teaches it the
	// same reuses the analyzer, and the index of every region whose items
	// did not change.
	dict    *dictionary
	learned learned
	// parsed are the documents as parsed, by file name, for the next
	// reload; in a base read from a snapshot, stored are, read on first
	// use (parses).
	parsed map[string]parsedDoc
	stored *storedParses
}

// storedParses are the documents as parsed in a snapshot, read once when
// a reload first asks for them.
type storedParses struct {
	once   sync.Once
	r      *snapReader
	parsed map[string]parsedDoc
}

// learned is what an analyzer learns from a base: its domain words and
// synonym groups.
type learned struct {
	domain   []string
	synonyms [][]string
	regional []SynonymGroup
}

func (l learned) equal(o learned) bool {
	return slices.Equal(l.domain, o.domain) && slices.EqualFunc(l.synonyms, o.synonyms, slices.Equal[[]string]) &&
		slices.EqualFunc(l.regional, o.regional, func(a, b SynonymGroup) bool { return a.Region == b.Region && slices.Equal(a.Words, b.Words) })
}

// Load reads every document (.txt, .html, .htm, .docx) and the catalogue
// from fsys. A document that cannot be read becomes a Problem; a catalogue
// that does not validate fails the load, so a reload keeps the old base.
func Load(fsys fs.FS, opts Options) (*Base, error) { return load(fsys, opts, nil, nil) }

// load is Load, reusing what it can of prev, the base in use: the
// analyzer, when the documents and the catalogue teach it the same words
// and synonyms, and then the index of every region whose items are the
// same. A reload after one document changed rebuilds that document's
// regions only. (A change that teaches the segmenter a word — a new unit,
// a new quoted term — changes how every region's text is cut, and
// rebuilds them all.) sums, when known, are the files' SHA-256 by name
// (snapshotKey): a document whose parse prev keeps is then not read.
func load(fsys fs.FS, opts Options, prev *Base, sums map[string][32]byte) (*Base, error) {
	start := time.Now()
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 20 << 20
	}
	cat, err := readCatalogue(fsys, opts)
	if err != nil {
		return nil, err
	}
	questions, err := readQuestions(fsys)
	if err != nil {
		return nil, err
	}
	questions = append(questions, opts.Questions...)
	sayings, err := readSaid(fsys)
	if err != nil {
		return nil, err
	}
	b := &Base{Catalog: cat}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !isDocument(name) {
			continue
		}
		if ov, ok := cat.documentEntry(name); ok && ov.Skip {
			continue
		}
		names = append(names, name)
	}
	// The general dictionary needs no document: it loads while they are read.
	type general struct {
		an  *analyzer
		err error
	}
	loaded := make(chan general, 1)
	go func() {
		an, err := newGeneralAnalyzer()
		loaded <- general{an, err}
	}()
	docs := make([]*Document, len(names))
	errs := make([]error, len(names))
	parsed := make([]parsedDoc, len(names))
	kept := make([]bool, len(names))
	parallel(len(names), func(i int) {
		parsed[i], kept[i], errs[i] = prev.readDocument(fsys, names[i], opts.MaxFileSize, sums)
		if errs[i] == nil {
			docs[i] = parsed[i].doc.clone() // the build changes its own copy
		}
	})
	b.parsed = make(map[string]parsedDoc, len(names))
	for i, name := range names {
		if errs[i] == nil {
			b.parsed[name] = parsed[i]
		}
		if !kept[i] {
			b.Parsed++
		}
	}
	g := <-loaded
	if g.err != nil {
		return nil, g.err
	}
	for i, name := range names {
		if errs[i] != nil {
			b.Problems = append(b.Problems, Problem{File: name, Reason: errs[i].Error()})
			continue
		}
		b.Docs = append(b.Docs, docs[i])
	}
	if err := b.build(g.an, questions, sayings, prev); err != nil {
		return nil, err
	}
	b.BuildTime = time.Since(start)
	return b, nil
}

// readCatalogue reads the catalogue and the synonyms, with the editors'
// items, retirements and synonym groups applied.
func readCatalogue(fsys fs.FS, opts Options) (*Catalogue, error) {
	cat := &Catalogue{}
	for _, name := range []string{CatalogueFile, SynonymsFile} {
		data, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		part, err := ParseCatalogue(name, data)
		if err != nil {
			return nil, err
		}
		cat.merge(part)
	}
	cat.RegionSynonyms = append(cat.RegionSynonyms, opts.Synonyms...)
	cat.Items = slices.DeleteFunc(append(cat.Items, opts.Items...), func(ci CatalogueItem) bool {
		return ci.ID != "" && slices.Contains(opts.Retired, ci.ID)
	})
	return cat, nil
}

// parallel calls f(0) … f(n-1) on as many goroutines as there are CPUs
// and returns when all have returned: documents are parsed and regions
// indexed independently, and start-up waits for them.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// isDocument reports the file kinds the loader reads.
func isDocument(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".html", ".htm", ".docx", ".doc":
		return true
	}
	return false
}

// parsedDoc is a document as parsed, before a build applied the
// catalogue and questions to it, with the SHA-256 of its bytes: a reload
// that finds the same bytes parses them no more.
type parsedDoc struct {
	sum [32]byte
	doc *Document
}

// readDocument reads and parses a document, or takes the parse b made of
// the same bytes (b may be nil; kept says it did) — without reading them
// when sums already says what they are.
func (b *Base) readDocument(fsys fs.FS, name string, limit int64, sums map[string][32]byte) (p parsedDoc, kept bool, err error) {
	if info, err := fs.Stat(fsys, name); err == nil && info.Size() > limit {
		return parsedDoc{}, false, fmt.Errorf("%d bytes is over the %d-byte limit for a document", info.Size(), limit)
	}
	if sum, ok := sums[name]; ok {
		if p, ok := b.parsedAs(name, sum); ok {
			return p, true, nil
		}
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return parsedDoc{}, false, err
	}
	sum := sha256.Sum256(data)
	if p, ok := b.parsedAs(name, sum); ok {
		return p, true, nil
	}
	doc, err := parseDocument(name, data, limit)
	return parsedDoc{sum: sum, doc: doc}, false, err
}

// parsedAs is b's parse of the document name whose bytes have the SHA-256
// sum, if b has one (b may be nil).
func (b *Base) parsedAs(name string, sum [32]byte) (parsedDoc, bool) {
	if b == nil {
		return parsedDoc{}, false
	}
	p, ok := b.parses()[name]
	return p, ok && p.sum == sum
}

// parses are the documents as parsed, by file name: in a base read from
// a snapshot, read from it on first use (safe for concurrent use: a load
// asks from several goroutines).
func (b *Base) parses() map[string]parsedDoc {
	if b.stored == nil {
		return b.parsed
	}
	sp := b.stored
	sp.once.Do(func() {
		defer func() {
			// as ReadSnapshot: a block this program cannot read is a bug,
			// and costs only parsing the documents again
			if recover() != nil {
				sp.parsed = nil
			}
			sp.r = nil
		}()
		sp.parsed = sp.r.parses()
	})
	return sp.parsed
}

// parseDocument parses a document's bytes; a parser that fails on a
// document (they are fuzzed; should one still) fails that document only.
func parseDocument(name string, data []byte, limit int64) (doc *Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("the document could not be parsed (internal error: %v)", r)
		}
	}()
	return ReadDocument(name, data, limit)
}

// ReadDocument decodes and parses one document's bytes.
func ReadDocument(name string, data []byte, limit int64) (*Document, error) {
	raw, err := docread.Read(name, data, limit)
	if err != nil {
		return nil, err
	}
	doc := ParseDocument(name, raw.Lines)
	doc.Format, doc.Encoding = raw.Format, raw.Encoding
	if doc.Date == "" && raw.Published != "" {
		doc.Date = raw.Published
	}
	if doc.Issuer == "" && raw.Source != "" {
		doc.Issuer = raw.Source
	}
	return doc, nil
}

// build applies the catalogue, repairs run-together units with the
// endings the corpus teaches, and indexes every region.
func (b *Base) build(an *analyzer, questions []*QuestionFile, sayings said, prev *Base) error {
	cat := b.Catalog
	for _, d := range b.Docs {
		if ov, ok := cat.documentEntry(d.File); ok {
			if ov.Region != "" {
				d.Region = ov.Region
			}
			if ov.Title != "" {
				d.Title = ov.Title
			}
		}
		if d.Region == "" {
			d.warnf("no region found in the title or issuer; set it in %s", CatalogueFile)
		}
		for _, it := range d.Items {
			it.Region = d.Region
		}
	}
	for i, ci := range cat.Items {
		b.Items = append(b.Items, catalogueItem(i, ci))
	}
	for _, d := range b.Docs {
		b.Items = append(b.Items, d.Items...)
	}
	b.attachQuestions(questions)
	b.attachSaid(sayings)
	splitter := newUnitSplitter(b.allUnits())
	for _, it := range b.Items {
		it.Lead = splitter.splitAll(it.Lead)
		it.Resp = splitter.splitAll(it.Resp)
		it.Coop = splitter.splitAll(it.Coop)
		it.SectionUnits = splitter.splitAll(it.SectionUnits)
	}
	regional, err := b.regionalSynonyms()
	if err != nil {
		return err
	}
	b.learned = learned{domain: b.domainWords(), synonyms: cat.Synonyms, regional: regional}
	reuse := prev != nil && prev.an != nil && prev.dict != nil && prev.learned.equal(b.learned)
	b.dict = newDictionary()
	if reuse {
		// The same words cut the same way: the regions that did not change
		// keep their index, and their term ids, which the rebuilt ones
		// share through a copy of the dictionary.
		an, b.dict = prev.an, prev.dict.clone()
	} else if err := an.learn(b.learned.domain, cat.Synonyms, regional); err != nil {
		return err
	}
	b.an = an
	byRegion := b.itemsByRegion()
	names := slices.Sorted(maps.Keys(byRegion))
	built := make([]*regionIndex, len(names))
	var rebuild []int
	for i, name := range names {
		if reuse {
			if old := prev.regionIfSame(name, byRegion[name]); old != nil {
				built[i] = old
				b.adopt(byRegion[name], old.items)
				continue
			}
		}
		rebuild = append(rebuild, i)
	}
	errs := make([]error, len(rebuild))
	parallel(len(rebuild), func(k int) {
		i := rebuild[k]
		built[i], errs[k] = buildRegionIndex(an, b.dict, byRegion[names[i]], maxRegionItems)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	b.Rebuilt = len(rebuild)
	b.index(names, built)
	return nil
}

// regionIfSame is b's index of region when it holds items equal, one by
// one, to items: an index a rebuild may keep. Nil otherwise.
func (b *Base) regionIfSame(region string, items []*Item) *regionIndex {
	ri := b.regions[region]
	if ri == nil || len(ri.items) != len(items) {
		return nil
	}
	for i, it := range items {
		if !reflect.DeepEqual(it, ri.items[i]) {
			return nil
		}
	}
	return ri
}

// adopt puts the previous base's items, equal to fresh, in their places
// in b: a kept index names its items by pointer, and it must name b's.
// Neither base changes an item once built, so the two share them.
func (b *Base) adopt(fresh, kept []*Item) {
	swap := make(map[*Item]*Item, len(fresh))
	for i, it := range fresh {
		swap[it] = kept[i]
	}
	for i, it := range b.Items {
		if k, ok := swap[it]; ok {
			b.Items[i] = k
		}
	}
	for _, d := range b.Docs {
		for i, it := range d.Items {
			if k, ok := swap[it]; ok {
				d.Items[i] = k
			}
		}
	}
}

// itemsByRegion groups the items by region, in the base's order, with an
// empty group for a catalogue region that has no item.
func (b *Base) itemsByRegion() map[string][]*Item {
	byRegion := map[string][]*Item{}
	for _, it := range b.Items {
		if it.Region == "" {
			continue
		}
		byRegion[it.Region] = append(byRegion[it.Region], it)
	}
	for _, r := range b.Catalog.Regions {
		if _, ok := byRegion[r.Name]; !ok {
			byRegion[r.Name] = nil
		}
	}
	return byRegion
}

// index sets the regions' indexes and the maps that find regions, items
// and the items of known questions.
func (b *Base) index(names []string, built []*regionIndex) {
	b.aliases = map[string]string{}
	for _, r := range b.Catalog.Regions {
		for _, a := range r.Aliases {
			b.aliases[a] = r.Name
		}
	}
	b.regions = map[string]*regionIndex{}
	for i, name := range names {
		b.regions[name] = built[i]
		b.aliases[name] = name
		if short := shortRegionName(name); short != "" {
			if _, taken := b.aliases[short]; !taken {
				b.aliases[short] = name
			}
		}
	}
	b.byID = map[string]*Item{}
	b.asked = map[string]*Item{}
	for _, it := range b.Items {
		b.byID[it.ID] = it
		for _, q := range it.AllQuestions() {
			k := it.Region + "\x00" + questionKey(q)
			if _, taken := b.asked[k]; !taken {
				b.asked[k] = it
			}
		}
	}
}

// regionalSynonyms are the catalogue's regional synonym groups with their
// regions' own names (an alias may name one); a group of a region the base
// does not know fails the load, as a misspelt region would otherwise make
// it hold nowhere unnoticed.
func (b *Base) regionalSynonyms() ([]SynonymGroup, error) {
	known := map[string]string{}
	for _, it := range b.Items {
		known[it.Region] = it.Region
	}
	for _, r := range b.Catalog.Regions {
		known[r.Name] = r.Name
		for _, a := range r.Aliases {
			known[a] = r.Name
		}
	}
	for name, region := range maps.Clone(known) {
		if short := shortRegionName(name); name == region && short != "" && known[short] == "" {
			known[short] = region
		}
	}
	out := make([]SynonymGroup, 0, len(b.Catalog.RegionSynonyms))
	for _, g := range b.Catalog.RegionSynonyms {
		name, ok := known[strings.TrimSpace(g.Region)]
		if !ok || name == "" {
			return nil, &CatalogueError{File: SynonymsFile, Line: g.line, Msg: fmt.Sprintf("synonym group %v names an unknown region %q", g.Words, g.Region)}
		}
		g.Region = name
		out = append(out, g)
	}
	return out, nil
}

// shortRegionName drops the administrative suffix: 红谷滩区 → 红谷滩,
// 葛店开发区 → 葛店.
func shortRegionName(name string) string {
	for _, suf := range []string{"开发区", "高新区", "经开区", "新区", "自治县", "区", "县", "市"} {
		if strings.HasSuffix(name, suf) {
			if s := strings.TrimSuffix(name, suf); runeLen(s) >= 2 {
				return s
			}
		}
	}
	return ""
}

func catalogueItem(i int, ci CatalogueItem) *Item {
	id := ci.ID
	if id == "" {
		id = fmt.Sprintf("%d", i+1)
	}
	tags := make([]string, 0, len(ci.Tags))
	for _, t := range ci.Tags {
		tags = append(tags, CanonicalTag(t))
	}
	text := strings.TrimSpace(ci.Text)
	tags = uniqueStrings(append(tags, tagsFor(text)...))
	body := text
	if len(ci.Audience) > 0 {
		body += "\n适用对象:" + strings.Join(ci.Audience, "、")
	}
	return &Item{
		ID: ItemID(CatalogueFile, id), Doc: CatalogueFile, Region: ci.Region, Number: id, Path: id,
		Title: ci.Title, Text: text, Body: body, Lead: ci.Lead, Resp: ci.Resp,
		Commitments: extractCommitments(text), Tags: tags, Source: "catalogue", Conditions: ci.Conditions,
	}
}

func (b *Base) allUnits() []string {
	var out []string
	for _, it := range b.Items {
		out = append(out, it.Lead...)
		out = append(out, it.Resp...)
		out = append(out, it.Coop...)
		out = append(out, it.SectionUnits...)
	}
	return out
}

// domainWords are the words the segmenter must know beyond the general
// dictionary: unit names, quoted terms, synonyms and catalogue titles.
func (b *Base) domainWords() []string {
	out := b.allUnits()
	for _, it := range b.Items {
		out = append(out, quotedTerms(it.Text)...)
	}
	for _, g := range b.Catalog.Synonyms {
		out = append(out, g...)
	}
	for _, r := range b.Catalog.Regions {
		out = append(out, r.Name)
		out = append(out, r.Aliases...)
	}
	for _, d := range b.Docs {
		out = append(out, d.Region)
	}
	return uniqueStrings(out)
}

// quotedTerms are the short terms documents put in quotation marks:
// “免申即享”, “一照多址”, “信易贷”.
func quotedTerms(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "“")
		if i < 0 {
			return out
		}
		s = s[i+len("“"):]
		j := strings.Index(s, "”")
		if j < 0 {
			return out
		}
		if t := s[:j]; runeLen(t) >= 2 && runeLen(t) <= 10 {
			out = append(out, t)
		}
		s = s[j+len("”"):]
	}
}

// ResolveRegion maps a region name or alias (红谷滩, 长春市朝阳区) to the
// region's name.
func (b *Base) ResolveRegion(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if r, ok := b.aliases[name]; ok {
		return r, true
	}
	for alias, r := range b.aliases {
		if runeLen(alias) >= 2 && strings.HasSuffix(name, alias) {
			return r, true
		}
	}
	return "", false
}

// FindRegion finds a region named inside a message ("我在葛店开发区…").
func (b *Base) FindRegion(text string) (string, bool) {
	best, bestLen := "", 0
	for alias, r := range b.aliases {
		if runeLen(alias) >= 2 && len(alias) > bestLen && strings.Contains(text, alias) {
			best, bestLen = r, len(alias)
		}
	}
	return best, best != ""
}

// Regions lists the regions, sorted.
func (b *Base) Regions() []string {
	out := make([]string, 0, len(b.regions))
	for r := range b.regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// RegionSettings returns a region's catalogue settings (zero if none).
func (b *Base) RegionSettings(region string) RegionSettings {
	rs, _ := b.Catalog.region(region)
	rs.Name = region
	return rs
}

// Item returns an item by id.
func (b *Base) Item(id string) (*Item, bool) {
	it, ok := b.byID[id]
	return it, ok
}

// RegionItems lists a region's items in document order.
func (b *Base) RegionItems(region string) []*Item {
	ri := b.regions[region]
	if ri == nil {
		return nil
	}
	return ri.items
}

// Units lists the units a region's items name, for routing pickers.
func (b *Base) Units(region string) []string {
	var out []string
	for _, it := range b.RegionItems(region) {
		out = append(out, it.Lead...)
		out = append(out, it.Resp...)
		out = append(out, it.Coop...)
	}
	rs := b.RegionSettings(region)
	out = append(out, rs.Dispatcher, rs.Desk, rs.Supervisor, rs.Office)
	out = uniqueStrings(out)
	sort.Strings(out)
	return out
}

// Search ranks the region's items for a question, best first.
func (b *Base) Search(region, text string, k int) ([]Hit, error) {
	return b.SearchPrefer(region, text, k, "")
}

// SearchPrefer is Search with a preference for items carrying a tag: a
// business asking for 帮办代办 is best served by the measures that offer it.
func (b *Base) SearchPrefer(region, text string, k int, tag string) ([]Hit, error) {
	qn, err := b.Ask(region, text)
	if err != nil {
		return nil, err
	}
	return qn.Search(k, tag), nil
}

// regionNames are the ways a question may name its own region; they are
// removed from the question since every item of the region shares them.
func (b *Base) regionNames(region string) []string {
	var out []string
	for alias, r := range b.aliases {
		if r == region {
			out = append(out, alias)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
