package knowledge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-ego/gse"

	"frontdoor/knowledge/knowledgetest"
	"frontdoor/seeds"
)

// Benchmarks for `make bench`:
//
//	BenchmarkLoadSeeds                   start-up from the seeds: documents, trimmed dictionary, index
//	BenchmarkLoadFullDictionaryBaseline  the same with gse's full dictionary (what the trimmed one replaces)
//	BenchmarkSearchSeeds                 one pass of benchQueries over the seed regions
//	BenchmarkSearch100x                  the same over a corpus of 100 perturbed copies in 500 regions
//	BenchmarkSearch100xSameRegions       the 100 copies in their documents' own regions: every region 100× larger
//	BenchmarkSearch100xOneRegion         the 100 copies of all five documents in one region (500× a seed region)
//
// Metrics: heapMB is the live heap the loaded base holds (HeapAlloc after
// GC, less the heap before loading); ns/query and p50-ns/query are per
// question (ns/op is a whole pass of len(benchQueries) questions);
// items, regions and regionItems (the items of the region asked) size the
// corpus, load-s is how long the 100× corpus took to load.

// benchQueries are colloquial questions a business asks, by region.
var benchQueries = []struct{ region, text string }{
	{"葛店开发区", "开个公司要多久"},
	{"葛店开发区", "注销公司要交什么材料"},
	{"葛店开发区", "办电要多长时间"},
	{"葛店开发区", "停电太多了找谁"},
	{"葛店开发区", "不动产抵押登记要多久"},
	{"葛店开发区", "银行贷款办下来要几天"},
	{"葛店开发区", "小工程要不要办施工许可证"},
	{"葛店开发区", "投诉了一直没人管怎么办"},
	{"红谷滩区", "有没有免申即享的政策"},
	{"红谷滩区", "政务服务小哥在哪里能找到"},
	{"红谷滩区", "企业维权热线是多少"},
	{"红谷滩区", "招投标不公平找谁反映"},
	{"红谷滩区", "政府采购对小微企业有优惠吗"},
	{"红谷滩区", "农民工工资被拖欠了"},
	{"红谷滩区", "执法检查太频繁了"},
	{"朝阳区", "打官司要多久才能判"},
	{"朝阳区", "增值税退税要多久"},
	{"朝阳区", "高新技术企业有什么扶持"},
	{"朝阳区", "商标可以拿去质押贷款吗"},
	{"朝阳区", "引进人才的孩子上学怎么解决"},
	{"朝阳区", "夜市摆摊允许吗"},
	{"河池市", "担保费率是多少"},
	{"河池市", "政府拖欠我们的账款怎么办"},
	{"河池市", "申请专利有奖励吗"},
	{"河池市", "水电气报装要跑几次"},
	{"河池市", "企业破产怎么办理"},
	{"徐州市", "领导多久上门服务一次"},
	{"徐州市", "企业服务中心能办什么事"},
	{"徐州市", "干部不作为去哪里举报"},
	{"徐州市", "营商环境怎么考核评价"},
}

// liveHeapMB is the heap in use after a full collection, in MiB.
func liveHeapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func BenchmarkLoadSeeds(b *testing.B) {
	benchLoadSeeds(b)
}

// benchLoadSeeds loads the seeds b.N times and reports the live heap the
// last base holds, its items and its dictionary's size.
func benchLoadSeeds(b *testing.B) {
	before := liveHeapMB()
	var kb *Base
	for b.Loop() {
		var err error
		if kb, err = Load(seeds.FS, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(liveHeapMB()-before, "heapMB")
	b.ReportMetric(float64(len(kb.Items)), "items")
	b.ReportMetric(float64(kb.an.dictSize), "dictWords")
	runtime.KeepAlive(kb)
}

// BenchmarkLoadFullDictionaryBaseline is Load with gse's full dictionary
// in place of the trimmed one: what start-up would cost without the trim.
// The dictionary is gse's simplified and traditional word lists
// (data/dict/zh/s_1.txt and t_1.txt, what seg.LoadDict() reads and
// seg.LoadDictEmbed() embeds), read once outside the timer and put where
// the trimmed dictionary goes, so everything else is the product's own
// pipeline (no HMM, domain words, concepts, index build).
func BenchmarkLoadFullDictionaryBaseline(b *testing.B) {
	full, err := gseFullDictionary()
	if err != nil {
		b.Skip(err)
	}
	saved := generalDict
	generalDict = full
	defer func() { generalDict = saved }()
	benchLoadSeeds(b)
}

// gseFullDictionary reads gse's full Chinese dictionary from gse's module
// source directory, where seg.LoadDict() finds it.
func gseFullDictionary() (string, error) {
	fn := runtime.FuncForPC(reflect.ValueOf((*gse.Segmenter).LoadDict).Pointer())
	if fn == nil {
		return "", errors.New("gse's full dictionary: gse's source directory is unknown")
	}
	src, _ := fn.FileLine(fn.Entry())
	dir := filepath.Join(filepath.Dir(src), "data", "dict", "zh")
	var sb strings.Builder
	for _, name := range []string{"s_1.txt", "t_1.txt"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("gse's full dictionary: %w", err)
		}
		sb.Write(data)
		if !bytes.HasSuffix(data, []byte("\n")) {
			sb.WriteByte('\n')
		}
	}
	return sb.String(), nil
}

// searchPass asks every question once, in region(i, question) for the
// i-th question, recording each one's time.
func searchPass(b testing.TB, kb *Base, region func(i int, q string) string, times []time.Duration) []time.Duration {
	for i, q := range benchQueries {
		start := time.Now()
		hits, err := kb.Search(region(i, q.region), q.text, 5)
		times = append(times, time.Since(start))
		if err != nil || len(hits) == 0 {
			b.Fatalf("%s %q: %d hits, %v", region(i, q.region), q.text, len(hits), err)
		}
	}
	return times
}

func reportQueries(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	var total time.Duration
	for _, t := range times {
		total += t
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(len(times)), "ns/query")
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns/query")
	b.ReportMetric(float64(times[len(times)*9/10].Nanoseconds()), "p90-ns/query")
}

func BenchmarkSearchSeeds(b *testing.B) {
	kb, err := Load(seeds.FS, Options{})
	if err != nil {
		b.Fatal(err)
	}
	same := func(_ int, r string) string { return r }
	var times []time.Duration
	for b.Loop() {
		times = searchPass(b, kb, same, times)
	}
	reportQueries(b, times)
}

func BenchmarkSearch100x(b *testing.B) {
	kb := corpus100x(b, knowledgetest.Spread)
	pass := 0
	// Question i of pass p goes to copy (p·n+i) mod 100 of its region;
	// copy 0 is the original.
	region := func(i int, r string) string {
		if k := (pass*len(benchQueries) + i) % 100; k > 0 {
			return r + strconv.Itoa(k)
		}
		return r
	}
	var times []time.Duration
	for b.Loop() {
		times = searchPass(b, kb, region, times)
		pass++
	}
	reportQueries(b, times)
	reportCorpus(b, kb, "葛店开发区")
}

// BenchmarkSearch100xSameRegions keeps every copy in its document's own
// region: each question searches a region 100 times the size of its
// seed region, which is how cost grows with a region's documents.
func BenchmarkSearch100xSameRegions(b *testing.B) {
	kb := corpus100x(b, knowledgetest.SameRegions)
	same := func(_ int, r string) string { return r }
	var times []time.Duration
	for b.Loop() {
		times = searchPass(b, kb, same, times)
	}
	reportQueries(b, times)
	reportCorpus(b, kb, "葛店开发区")
}

// BenchmarkSearch100xOneRegion is the worst case of one region holding
// 100 copies of every seed document: every question searches all of them.
func BenchmarkSearch100xOneRegion(b *testing.B) {
	const one = "葛店开发区"
	kb := corpus100x(b, one)
	all := func(int, string) string { return one }
	var times []time.Duration
	for b.Loop() {
		times = searchPass(b, kb, all, times)
	}
	reportQueries(b, times)
	reportCorpus(b, kb, one)
}

func reportCorpus(b *testing.B, kb *Base, region string) {
	b.ReportMetric(float64(len(kb.Items)), "items")
	b.ReportMetric(float64(len(kb.Regions())), "regions")
	b.ReportMetric(float64(len(kb.RegionItems(region))), "regionItems")
	b.ReportMetric(bench100x.load.Seconds(), "load-s")
}

// The 100× corpus is built once per benchmark binary and kept for the
// benchmark's repeated runs; asking for the other variant drops it.
var bench100x struct {
	layout string
	kb     *Base
	load   time.Duration
}

// corpus100x loads the seeds and 99 perturbed copies of each seed
// document, laid out as knowledgetest.Perturbed's layout says.
func corpus100x(b *testing.B, layout string) *Base {
	b.Helper()
	if bench100x.kb != nil && bench100x.layout == layout {
		return bench100x.kb
	}
	bench100x.kb = nil
	fsys, err := knowledgetest.Perturbed(100, layout)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	kb, err := Load(fsys, Options{})
	if err != nil {
		b.Fatal(err)
	}
	bench100x.layout, bench100x.kb, bench100x.load = layout, kb, time.Since(start)
	return kb
}

// BenchmarkLoad100x loads the 100× corpus spread over 500 regions: how
// start-up and the base's live heap grow with a province's documents.
func BenchmarkLoad100x(b *testing.B) {
	benchLoad100x(b, knowledgetest.Spread)
}

// BenchmarkLoad100xByCopy loads the 100× corpus as 100 regions of five
// documents each: a province of districts behind one front door.
func BenchmarkLoad100xByCopy(b *testing.B) {
	benchLoad100x(b, knowledgetest.ByCopy)
}

func benchLoad100x(b *testing.B, layout string) {
	fsys, err := knowledgetest.Perturbed(100, layout)
	if err != nil {
		b.Fatal(err)
	}
	before := liveHeapMB()
	var kb *Base
	for b.Loop() {
		kb = nil
		if kb, err = Load(fsys, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(liveHeapMB()-before, "heapMB")
	b.ReportMetric(float64(len(kb.Items)), "items")
	runtime.KeepAlive(kb)
}

// BenchmarkLoadSnapshot100xByCopy reads the 100-region base from its
// snapshot, as a server starts: the time to a usable base, and the heap
// it keeps (the index's arrays stay in the mapped file).
func BenchmarkLoadSnapshot100xByCopy(b *testing.B) {
	fsys := province100x(b)
	snap := Snapshot{Path: filepath.Join(b.TempDir(), SnapshotFile), Build: "bench"}
	built, err := BuildSnapshot(fsys, Options{}, snap)
	if err != nil {
		b.Fatal(err)
	}
	buildTime := built.BuildTime
	built = nil
	before := liveHeapMB()
	var kb *Base
	for b.Loop() {
		var use SnapshotUse
		if kb, use, err = LoadWithSnapshot(fsys, Options{}, snap, nil); err != nil || !use.Loaded {
			b.Fatalf("%+v %v", use, err)
		}
	}
	b.ReportMetric(liveHeapMB()-before, "heapMB")
	b.ReportMetric(buildTime.Seconds(), "build-s")
	info, _ := os.Stat(snap.Path)
	b.ReportMetric(float64(info.Size())/(1<<20), "fileMB")
	runtime.KeepAlive(kb)
}

// provinceDocument is the document of the 100-region base that the reload
// and start benchmarks change.
const provinceDocument = "k42_002_c95ffdd180ea7e81.txt"

// province100x is the 100-region base's 500 documents.
func province100x(b *testing.B) fstest.MapFS {
	fsys, err := knowledgetest.Perturbed(100, knowledgetest.ByCopy)
	if err != nil {
		b.Fatal(err)
	}
	if fsys[provinceDocument] == nil {
		b.Fatalf("no %s", provinceDocument)
	}
	return fsys
}

// BenchmarkReload100xOneDocument reloads the 100-region base after one
// of its 500 documents changed: the reload keeps the other regions'
// indexes. full-s is a whole build of the same documents, in this run.
func BenchmarkReload100xOneDocument(b *testing.B) {
	fsys := province100x(b)
	prev, err := Load(fsys, Options{})
	if err != nil {
		b.Fatal(err)
	}
	changed := withSentence(fsys, provinceDocument, 0)
	start := time.Now()
	if _, err := Load(changed, Options{}); err != nil {
		b.Fatal(err)
	}
	full := time.Since(start)
	var kb *Base
	for b.Loop() {
		if kb, err = load(changed, Options{}, prev, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(full.Seconds(), "full-s")
	b.ReportMetric(float64(kb.Rebuilt), "rebuilt")
	b.ReportMetric(float64(len(kb.regions)), "regions")
}

// BenchmarkBestCommitment is the choice of a headline figure among an
// item's figures, the question asked anew each time as for every message.
func BenchmarkBestCommitment(b *testing.B) {
	kb, err := Load(seeds.FS, Options{})
	if err != nil {
		b.Fatal(err)
	}
	it, ok := kb.FindItem("001_ae791fdead5d71ad.txt", "7")
	if !ok {
		b.Fatal("no item 7")
	}
	kinds := map[string]bool{"quantity": true, "money": true}
	for b.Loop() {
		q, err := kb.Ask(it.Region, "城里的小厂报装一百二十千瓦 接电外线要自己掏钱吗")
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := q.BestCommitment(it, kinds); !ok {
			b.Fatal("no figure")
		}
	}
}

// BenchmarkAskCold analyses questions with the analyser's tables out of the
// processor's caches, as in a server that does other work between two
// questions (ask-ns).
func BenchmarkAskCold(b *testing.B) {
	kb, err := Load(seeds.FS, Options{})
	if err != nil {
		b.Fatal(err)
	}
	knowledgetest.Cold(b, "ask-ns", func(i int) {
		q := benchQueries[i%len(benchQueries)]
		if _, err := kb.Ask(q.region, q.text); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkReload100xSnapshot is a reload of the 100-region base after one
// document changed, as a server does it: with the snapshot written before
// the reload returns (written), and left to a SnapshotWriter (background),
// whose write the next reload waits for outside the timing. reload-s is
// from the reload's start until it serves the new base.
func BenchmarkReload100xSnapshot(b *testing.B) {
	fsys := province100x(b)
	for _, background := range []bool{false, true} {
		name := "written"
		if background {
			name = "background"
		}
		b.Run(name, func(b *testing.B) {
			snap := Snapshot{Path: filepath.Join(b.TempDir(), SnapshotFile), Build: "bench"}
			if background {
				snap.Writer = NewSnapshotWriter(nil)
				defer snap.Writer.Close()
			}
			prev, _, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			n := 0
			for b.Loop() {
				changed := withSentence(fsys, provinceDocument, n)
				start := time.Now()
				kb, use, err := LoadWithSnapshot(changed, Options{}, snap, prev)
				total += time.Since(start)
				if err != nil || use.Wrote == background || use.Pending != background {
					b.Fatalf("%+v %v", use, err)
				}
				b.StopTimer()
				if err := snap.Writer.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				prev = kb
				n++
			}
			b.ReportMetric(total.Seconds()/float64(n), "reload-s")
		})
	}
}

// BenchmarkStart100xChanged is a server's start after one of the 100-region
// base's 500 documents changed while it was down, with a SnapshotWriter as
// a server has: the old snapshot's regions and parses taken (old-snapshot),
// against a build from the documents alone (no-snapshot), what every such
// start cost before. start-s is until the base is served.
func BenchmarkStart100xChanged(b *testing.B) {
	fsys := province100x(b)
	changed := withSentence(fsys, provinceDocument, 0)
	old := filepath.Join(b.TempDir(), SnapshotFile)
	if _, err := BuildSnapshot(fsys, Options{}, Snapshot{Path: old, Build: "bench"}); err != nil {
		b.Fatal(err)
	}
	oldData, err := os.ReadFile(old)
	if err != nil {
		b.Fatal(err)
	}
	for _, fromOld := range []bool{false, true} {
		name := "no-snapshot"
		if fromOld {
			name = "old-snapshot"
		}
		b.Run(name, func(b *testing.B) {
			snap := Snapshot{Path: filepath.Join(b.TempDir(), SnapshotFile), Build: "bench", Writer: NewSnapshotWriter(nil)}
			defer snap.Writer.Close()
			var total time.Duration
			n := 0
			for b.Loop() {
				b.StopTimer()
				os.Remove(snap.Path)
				if fromOld {
					if err := os.WriteFile(snap.Path, oldData, 0o644); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				_, use, err := LoadWithSnapshot(changed, Options{}, snap, nil)
				total += time.Since(start)
				if err != nil || use.Stale != fromOld {
					b.Fatalf("%+v %v", use, err)
				}
				b.StopTimer()
				if err := snap.Writer.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n++
			}
			b.ReportMetric(total.Seconds()/float64(n), "start-s")
		})
	}
}

// BenchmarkWriteSnapshot100x writes the 100-region base's snapshot, as a
// reload does beside serving: B/op is what the write allocates, which a
// server must have to spare (the index's arrays and long strings are
// written from where they lie, not copied).
func BenchmarkWriteSnapshot100x(b *testing.B) {
	kb, err := Load(province100x(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := kb.writeSnapshot(io.Discard, snapshotID{}); err != nil {
			b.Fatal(err)
		}
	}
}
