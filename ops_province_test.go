package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"frontdoor/bot/store/storetest"
	"frontdoor/knowledge"
	"frontdoor/knowledge/knowledgetest"
)

// provinceQuestions are asked of the province's regions, round robin.
var provinceQuestions = []string{
	opsPolicyText, "注销公司要交什么材料", "不动产抵押登记要多久", "小工程要不要办施工许可证",
	"有没有免申即享的政策", "政府采购对小微企业有优惠吗", "增值税退税要多久", "申请专利有奖励吗",
	"企业服务中心能办什么事", "担保费率是多少",
}

// BenchmarkServeProvince measures the real binary with a province's
// documents: copies×5 documents in copies regions (knowledgetest.ByCopy),
// built into a snapshot by `frontdoor kb build`, then served from it.
// It reports how long the build took (build-s), how long the server takes
// from exec to /readyz (ready-s, the middle of three starts), its resident
// memory after two rounds of 300 policy questions over the regions
// (rss-MB: anon-MB of heap, file-MB of mapped snapshot and program), and
// their median latency through the JSON API (first-p50-ms while the
// index's pages come from the disk, p50-ms once they are in memory).
//
//	…/100x   500 documents (always)
//	…/1000x  5,000 documents (FRONTDOOR_BENCH_LARGE=1; a few minutes and
//	         about 3 GB while the snapshot is built)
func BenchmarkServeProvince(b *testing.B) {
	opsNeed(b, "redis-server")
	b.Run("100x", func(b *testing.B) { benchProvince(b, 100) })
	b.Run("1000x", func(b *testing.B) {
		if os.Getenv("FRONTDOOR_BENCH_LARGE") == "" {
			b.Skip("set FRONTDOOR_BENCH_LARGE=1 to build and serve 5,000 documents")
		}
		benchProvince(b, 1000)
	})
}

func benchProvince(b *testing.B, copies int) {
	dir := b.TempDir()
	fsys, err := knowledgetest.Perturbed(copies, knowledgetest.ByCopy)
	if err != nil {
		b.Fatal(err)
	}
	for name, f := range fsys {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	snapshot := filepath.Join(dir, knowledge.SnapshotFile)
	start := time.Now()
	cmd := exec.Command(opsBinary(b), "kb", "build", "--seeds", dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("kb build: %v\n%s", err, out)
	}
	build := time.Since(start)
	// the memory a build needs: what a Kubernetes init container must be allowed
	var buildPeak float64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		buildPeak = float64(ru.Maxrss) / 1024
	}
	b.Logf("%s", out)
	rs := storetest.StartServer(b)
	p := opsNewProc(b, "province", map[string]string{"REDIS_URL": rs.URL(), "FRONTDOOR_SEEDS": dir,
		"FRONTDOOR_KB_SNAPSHOT": snapshot})
	for b.Loop() {
		var starts []time.Duration
		for range 3 {
			p.Start()
			starts = append(starts, p.Ready)
			p.Stop()
		}
		slices.Sort(starts)
		p.Start()
		// Twice over: the first round reads the index's pages from the
		// disk as questions need them; the second finds them in memory.
		var rounds [2][]time.Duration
		for round := range rounds {
			for i := range 300 {
				region := "副本" + strconv.Itoa(1+i%(copies-1)) + "区"
				m := opsMessage{User: "u-prov-" + strconv.Itoa(round) + "-" + strconv.Itoa(i), Region: region,
					Text: provinceQuestions[i%len(provinceQuestions)]}
				r := opsSend(context.Background(), p.URL(), m)
				if r.Status != http.StatusOK {
					b.Fatalf("%s %q: %d %s", region, m.Text, r.Status, r.Body)
				}
				rounds[round] = append(rounds[round], r.Took)
			}
			slices.Sort(rounds[round])
		}
		b.ReportMetric(float64(opsPct(rounds[0], 50).Microseconds())/1000, "first-p50-ms")
		took := rounds[1]
		b.ReportMetric(starts[1].Seconds(), "ready-s")
		b.ReportMetric(float64(p.RSSKB())/1024, "rss-MB")
		// the heap and the pages of the mapped snapshot, apart
		b.ReportMetric(float64(p.statusKB("RssAnon"))/1024, "anon-MB")
		b.ReportMetric(float64(p.statusKB("RssFile"))/1024, "file-MB")
		b.ReportMetric(float64(opsPct(took, 50).Microseconds())/1000, "p50-ms")
		p.Stop()
	}
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(buildPeak, "build-peak-MB")
	if info, err := os.Stat(snapshot); err == nil {
		b.ReportMetric(float64(info.Size())/(1<<20), "snapshot-MB")
	}
	b.ReportMetric(float64(copies*len(knowledgetest.Regions)), "documents")
}
