package ticket_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/bottest"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
)

// memoryResult is what BenchmarkRedisMemoryPerOpenClock measured.
type memoryResult struct {
	n                                   int
	total, hash, events, indexes, clock float64 // bytes per ticket
	usedBefore, usedAfter               int64
	took                                time.Duration
}

var memoryBench struct {
	once sync.Once
	res  memoryResult
	err  error
}

// BenchmarkRedisMemoryPerOpenClock writes N open tickets into a fresh
// redis-server of its own (no persistence, the reference configuration's
// stream node size), as copies of a ticket the
// store opened, part by part with the store's key layout, and reports
// Redis's used_memory growth per ticket:
//
//	B/ticket     everything: the ticket hash, its event stream, its entries in the
//	             all/user/region/unit indexes and the open set, its clock entry
//	hash-B       the ticket hash (v, data, w)
//	events-B     the event stream (opened and routed events)
//	indexes-B    the five index entries
//	clock-B      the clock-schedule entry alone (one ZADD)
//
// N is 100,000, or 10^6 with FRONTDOOR_BENCH_LARGE=1, or
// FRONTDOOR_BENCH_TICKETS. It is measured once per run; ns/op is the
// time to write one ticket in bulk.
func BenchmarkRedisMemoryPerOpenClock(b *testing.B) {
	n := 100_000
	if os.Getenv("FRONTDOOR_BENCH_LARGE") == "1" {
		n = 1_000_000
	}
	if v := os.Getenv("FRONTDOOR_BENCH_TICKETS"); v != "" {
		c, err := strconv.Atoi(v)
		if err != nil || c < 1 {
			b.Fatalf("FRONTDOOR_BENCH_TICKETS=%q: want a positive number", v)
		}
		n = c
	}
	memoryBench.once.Do(func() { memoryBench.res, memoryBench.err = measureTicketMemory(b, n) })
	if memoryBench.err != nil {
		b.Fatal(memoryBench.err)
	}
	r := memoryBench.res
	b.ReportMetric(float64(r.took.Nanoseconds())/float64(r.n), "ns/op") // writing one ticket, in bulk
	b.ReportMetric(r.total, "B/ticket")
	b.ReportMetric(r.hash, "hash-B")
	b.ReportMetric(r.events, "events-B")
	b.ReportMetric(r.indexes, "indexes-B")
	b.ReportMetric(r.clock, "clock-B")
	b.ReportMetric(float64(r.n), "tickets")
	b.ReportMetric(float64(r.usedAfter-r.usedBefore)/(1<<20), "grew-MB")
	b.ReportMetric(r.took.Seconds(), "write-s")
}

// measureTicketMemory does the measurement on a redis-server it starts
// and stops.
func measureTicketMemory(b *testing.B, n int) (memoryResult, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return memoryResult{}, fmt.Errorf("this benchmark runs redis-server, which is not installed: apt-get install -y redis-server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return memoryResult{}, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "frontdoor-memory-")
	if err != nil {
		return memoryResult{}, err
	}
	defer os.RemoveAll(dir)
	// Persistence off, so that only memory is measured; stream nodes as
	// deployments/redis.conf and the embedded Redis size them.
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--save", "", "--appendonly", "no", "--stream-node-max-bytes", "1024")
	if err := cmd.Start(); err != nil {
		return memoryResult{}, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	ctx := context.Background()
	var rdb redis.UniversalClient
	for deadline := time.Now().Add(10 * time.Second); ; {
		rdb, err = storetest.Open(ctx, url)
		if err == nil {
			break
		}
		if rdb != nil {
			rdb.Close()
		}
		if time.Now().After(deadline) {
			return memoryResult{}, fmt.Errorf("redis-server on %d does not answer: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer rdb.Close()

	const tn, region, unit = "demo", "朝阳区", "市市场监管局朝阳分局"
	keys := store.Keys{Prefix: "fdmem"}
	s := ticket.NewStore(rdb, keys, bottest.Policy(b, bottest.KB(b)), nil)
	tmpl, _, err := s.Open(ctx, ticket.Request{Tenant: tn, Region: region, User: "u-template", Channel: "api",
		Kind: ticket.Complaint, Text: "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉",
		Units: []string{unit}})
	if err != nil {
		return memoryResult{}, err
	}
	// The layout the bulk writer copies must be the store's: every key it
	// writes holds the template ticket.
	all, open, clocks := keys.Tenant(tn, "idx", "all"), s.OpenIndexKey(tn), s.ClocksKey(tn)
	regionIdx, unitIdx := keys.Tenant(tn, "idx", "region", region), s.UnitIndexKey(tn, unit)
	userIdx := func(u string) string { return keys.Tenant(tn, "idx", "user", u) }
	scores := map[string]float64{}
	for _, k := range []string{all, userIdx("u-template"), regionIdx, unitIdx, open, clocks} {
		sc, err := rdb.ZScore(ctx, k, tmpl.ID).Result()
		if err != nil {
			return memoryResult{}, fmt.Errorf("the store's key layout changed: %s does not hold the ticket: %v", k, err)
		}
		scores[k] = sc
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != 9 {
		keysNow, _ := rdb.Keys(ctx, "*").Result()
		return memoryResult{}, fmt.Errorf("the store's key layout changed: opening one ticket wrote %v", keysNow)
	}
	fields, err := rdb.HGetAll(ctx, s.TicketKey(tn, tmpl.ID)).Result()
	if err != nil {
		return memoryResult{}, err
	}
	events, err := rdb.XRange(ctx, s.EventsKey(tn, tmpl.ID), "-", "+").Result()
	if err != nil || len(events) == 0 {
		return memoryResult{}, fmt.Errorf("template events: %v", err)
	}
	id := func(i int) string { return fmt.Sprintf("YH20000101-%07d", i) }
	user := func(i int) string { return "u-big-" + strconv.Itoa(i%100000) }

	// write runs one kind of command for every ticket, in pipelines of 1,000
	// from four connections.
	write := func(add func(p redis.Pipeliner, i int)) error {
		const batch = 1000
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for from := w * batch; from < n; from += 4 * batch {
					p := rdb.Pipeline()
					for i := from; i < min(from+batch, n); i++ {
						add(p, i)
					}
					if _, err := p.Exec(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	used := func() int64 {
		info, _ := rdb.Info(ctx, "memory").Result()
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return 0
	}
	start := time.Now()
	m0 := used()
	if err := write(func(p redis.Pipeliner, i int) {
		data := strings.Replace(strings.Replace(fields["data"], `"id":"`+tmpl.ID+`"`, `"id":"`+id(i)+`"`, 1),
			`"user":"u-template"`, `"user":"`+user(i)+`"`, 1)
		h := make([]any, 0, 2*len(fields))
		for k, v := range fields {
			if k == "data" {
				v = data
			}
			h = append(h, k, v)
		}
		p.HSet(ctx, s.TicketKey(tn, id(i)), h...)
	}); err != nil {
		return memoryResult{}, err
	}
	m1 := used()
	if err := write(func(p redis.Pipeliner, i int) {
		for _, e := range events {
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.EventsKey(tn, id(i)), Values: e.Values})
		}
	}); err != nil {
		return memoryResult{}, err
	}
	m2 := used()
	if err := write(func(p redis.Pipeliner, i int) {
		for _, k := range []string{all, userIdx(user(i)), regionIdx, unitIdx, open} {
			sk := k
			if strings.Contains(k, ":idx:user:") {
				sk = userIdx("u-template")
			}
			p.ZAdd(ctx, k, redis.Z{Score: scores[sk], Member: id(i)})
		}
	}); err != nil {
		return memoryResult{}, err
	}
	m3 := used()
	if err := write(func(p redis.Pipeliner, i int) {
		p.ZAdd(ctx, clocks, redis.Z{Score: scores[clocks], Member: id(i)})
	}); err != nil {
		return memoryResult{}, err
	}
	m4 := used()
	if c, _ := rdb.ZCard(ctx, clocks).Result(); c != int64(n+1) {
		return memoryResult{}, fmt.Errorf("clock schedule holds %d entries, want %d", c, n+1)
	}
	per := func(d int64) float64 { return float64(d) / float64(n) }
	return memoryResult{n: n, total: per(m4 - m0), hash: per(m1 - m0), events: per(m2 - m1), indexes: per(m3 - m2),
		clock: per(m4 - m3), usedBefore: m0, usedAfter: m4, took: time.Since(start)}, nil
}
