package ticket_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/calendar"
	"frontdoor/bot/clock"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/seeds"
)

// openMany opens n complaints with Open itself, from a few goroutines.
func (e *env) openMany(t testing.TB, n int) []string {
	t.Helper()
	ctx := context.Background()
	out := make([]string, n)
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.another()
			for i := w; i < n; i += workers {
				tk, _, err := s.Open(ctx, complaint(fmt.Sprintf("u-%05d", i), "批量投诉"))
				if err != nil {
					errs <- err
					return
				}
				out[i] = tk.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// seedMany writes n tickets fast: it opens one with Open and writes n-1
// copies of the stored record under new ids, with pipelined commands and
// the store's key layout (ticket hash, unit and open indexes, clock
// schedule), as Open would have.
func (e *env) seedMany(t testing.TB, n int) []string {
	t.Helper()
	ctx := context.Background()
	tmpl := e.open(t, complaint("u-00000", "批量投诉"))
	tmpl = e.get(t, tmpl.ID)
	next := ticket.NextFire(tmpl, e.policy).UnixMilli()
	out := []string{tmpl.ID}
	day := tmpl.Created.In(shanghai).Format("20060102")
	pipe := e.rdb.Pipeline()
	for i := 1; i < n; i++ {
		c := *tmpl
		c.ID = fmt.Sprintf("YH%s-%05d", day, 10000+i)
		c.User = fmt.Sprintf("u-%05d", i)
		data, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		pipe.HSet(ctx, e.store.TicketKey(tenant, c.ID), "v", c.Version, "data", data)
		pipe.ZAdd(ctx, e.store.UnitIndexKey(tenant, c.Owner()), redis.Z{Score: float64(c.Created.UnixMilli()), Member: c.ID})
		pipe.ZAdd(ctx, e.store.OpenIndexKey(tenant), redis.Z{Score: float64(c.Due().UnixMilli()), Member: c.ID})
		pipe.ZAdd(ctx, e.store.ClocksKey(tenant), redis.Z{Score: float64(next), Member: c.ID})
		out = append(out, c.ID)
		if pipe.Len() >= 2000 || i == n-1 {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// clockSteps reads the clock events of many tickets in one round trip.
func (e *env) clockSteps(t testing.TB, ids []string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := make(map[string][]string, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		pipe := e.rdb.Pipeline()
		cmds := make([]*redis.XMessageSliceCmd, len(chunk))
		for i, id := range chunk {
			cmds[i] = pipe.XRange(ctx, e.store.EventsKey(tenant, id), "-", "+")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, id := range chunk {
			var st []string
			for _, m := range cmds[i].Val() {
				typ, _ := m.Values["type"].(string)
				switch typ {
				case ticket.EvWarned, ticket.EvOverdue:
					var d map[string]string
					s, _ := m.Values["data"].(string)
					_ = json.Unmarshal([]byte(s), &d)
					st = append(st, typ+":"+d["clock"])
				case ticket.EvEscalated:
					st = append(st, typ)
				}
			}
			out[id] = st
		}
	}
	return out
}

// checkFiredOnce asserts that every ticket has exactly one first-response
// warning and no other clock event, and sits on the schedule at its due
// time with no lease left.
func (e *env) checkFiredOnce(t testing.TB, ids []string, sched *ticket.Scheduler) {
	t.Helper()
	ctx := context.Background()
	bad := 0
	for id, st := range e.clockSteps(t, ids) {
		if len(st) != 1 || st[0] != "warned:"+ticket.ClockFirstResponse {
			if bad++; bad <= 10 {
				t.Errorf("ticket %s clock events %v, want exactly one first-response warning", id, st)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d tickets not fired exactly once", bad, len(ids))
	}
	// The schedule holds each ticket at its next fire time, the
	// first-response deadline, and nothing is left leased.
	zs, err := e.rdb.ZRangeWithScores(ctx, e.store.ClocksKey(tenant), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != len(ids) {
		t.Errorf("schedule holds %d tickets, want %d", len(zs), len(ids))
	}
	for i, z := range zs {
		if int64(z.Score) != frDue.UnixMilli() {
			if i < 10 {
				t.Errorf("ticket %v scheduled at %s, want %s", z.Member, time.UnixMilli(int64(z.Score)), frDue)
			}
		}
	}
	if n := e.rdb.ZCard(ctx, sched.LeaseKey(tenant)).Val(); n != 0 {
		t.Errorf("%d leases left", n)
	}
	// a sample agrees with NextFire on the stored ticket
	for _, id := range ids[:min(20, len(ids))] {
		tk := e.get(t, id)
		sameTime(t, "schedule of "+id, e.scheduled(t, id), ticket.NextFire(tk, e.policy))
		if !tk.Clocks[ticket.ClockFirstResponse].Warned {
			t.Errorf("ticket %s not marked warned", id)
		}
	}
}

// drain runs RunOnce until nothing is due, and reports how many clock
// events it fired.
func drain(ctx context.Context, sc *ticket.Scheduler) (int, error) {
	for {
		n, err := sc.RunOnce(ctx, tenant)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, nil
		}
	}
}

// TestSchedulersFireOnce: two schedulers draining the same schedule fire
// each due clock exactly once.
func TestSchedulersFireOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, opened)
	const n = 2000
	began := time.Now()
	ids := e.openMany(t, n)
	t.Logf("opened %d tickets with Open in %s", n, time.Since(began).Round(time.Millisecond))
	// past the first-response warning (10:30), before its deadline (11:00)
	e.clock.Set(at(2026, 11, 23, 10, 45))

	var notified sync.Map // id → times notified
	var dup atomic.Int64
	newScheduler := func(fired *atomic.Int64) *ticket.Scheduler {
		return &ticket.Scheduler{
			Store: e.another(),
			Batch: 50,
			Lease: 30 * time.Second,
			Fired: func(ev string) {
				if ev == ticket.EvWarned {
					fired.Add(1)
				}
			},
			Notify: func(_ context.Context, tk *ticket.Ticket, evs []ticket.Event) {
				if _, seen := notified.LoadOrStore(tk.ID, true); seen {
					dup.Add(1)
				}
			},
		}
	}
	var firedA, firedB atomic.Int64
	scheds := []*ticket.Scheduler{newScheduler(&firedA), newScheduler(&firedB)}
	began = time.Now()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, len(scheds)+1)
	// Meanwhile the businesses keep writing: every change re-schedules its
	// ticket, possibly while a scheduler holds it, so the same ticket can
	// be claimed twice and only the compare-and-set keeps firing once.
	stopRelays := make(chan struct{})
	var relays sync.WaitGroup
	var relayed atomic.Int64
	relays.Add(1)
	go func() {
		defer relays.Done()
		s := e.another()
		<-start
		for i := 0; ; i = (i + 7) % n {
			select {
			case <-stopRelays:
				return
			default:
			}
			if _, err := s.Relay(ctx, tenant, ids[i], "u", "补充一句"); err != nil {
				errs <- err
				return
			}
			relayed.Add(1)
		}
	}()
	for _, sc := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := drain(ctx, sc); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(stopRelays)
	relays.Wait()
	// a change racing the last claim may have put a ticket back
	for _, sc := range scheds {
		if _, err := drain(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("two schedulers fired %d + %d warnings in %s, with %d concurrent changes", firedA.Load(), firedB.Load(),
		time.Since(began).Round(time.Millisecond), relayed.Load())
	if got := firedA.Load() + firedB.Load(); got != n {
		t.Errorf("fired %d warnings, want %d", got, n)
	}
	if firedA.Load() == 0 || firedB.Load() == 0 {
		t.Errorf("one scheduler did all the work (%d/%d): the test did not run them concurrently", firedA.Load(), firedB.Load())
	}
	if dup.Load() != 0 {
		t.Errorf("%d tickets notified twice", dup.Load())
	}
	e.checkFiredOnce(t, ids, scheds[0])
	// nothing more is due now
	for _, sc := range scheds {
		if got, err := sc.RunOnce(ctx, tenant); err != nil || got != 0 {
			t.Errorf("RunOnce after draining: %d %v", got, err)
		}
	}
}

// TestSchedulerLeaseExpiry: tickets a scheduler claimed before crashing
// are fired by another once the lease has expired, exactly once.
func TestSchedulerLeaseExpiry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, opened)
	// more than the 100 expired leases the claim script restores per call
	const n = 250
	ids := e.openMany(t, n)
	e.clock.Set(at(2026, 11, 23, 10, 45))
	const lease = 30 * time.Second

	crashed := &ticket.Scheduler{Store: e.another(), Lease: lease}
	claimed, err := crashed.ClaimLease(ctx, tenant, e.clock.Now(), 1000, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != n {
		t.Fatalf("crashed scheduler claimed %d, want %d", len(claimed), n)
	}
	// … and never fires or releases them.

	var fired atomic.Int64
	healthy := &ticket.Scheduler{Store: e.another(), Lease: lease, Batch: 100,
		Fired: func(ev string) { fired.Add(1) }}
	for _, wait := range []time.Duration{0, lease - time.Second} {
		e.clock.Set(at(2026, 11, 23, 10, 45).Add(wait))
		if got, err := healthy.RunOnce(ctx, tenant); err != nil || got != 0 {
			t.Fatalf("while the lease holds (+%s): RunOnce handled %d (%v), want 0", wait, got, err)
		}
	}
	if got := fired.Load(); got != 0 {
		t.Fatalf("fired %d while leased", got)
	}
	e.clock.Set(at(2026, 11, 23, 10, 45).Add(lease + time.Second))
	if _, err := drain(ctx, healthy); err != nil {
		t.Fatal(err)
	}
	if got := fired.Load(); got != n {
		t.Errorf("fired %d after the lease expired, want %d", got, n)
	}
	e.checkFiredOnce(t, ids, healthy)
	// The crashed scheduler coming back and releasing nothing changes
	// nothing: a further pass fires nothing.
	if _, err := drain(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	if got := fired.Load(); got != n {
		t.Errorf("fired %d after a second pass, want %d", got, n)
	}
}

// The two-process test: the parent seeds tickets and starts two copies of
// the test binary that each run a scheduler against the same keys.
const (
	childPrefixEnv = "FD_TICKET_SCHED_CHILD_PREFIX"
	childNowEnv    = "FD_TICKET_SCHED_CHILD_NOW"
	childNameEnv   = "FD_TICKET_SCHED_CHILD_NAME"
)

// lightPolicy is the seeds' calendar with the default rules, without
// loading the knowledge base (slow under -race); children use it for
// tickets of a region that has the default rules.
func lightPolicy(t testing.TB) *clock.Policy {
	t.Helper()
	data, err := seeds.FS.ReadFile("calendar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cd, err := calendar.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := clock.PolicyFor(calendar.New(cd), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTwoProcessesFireOnce(t *testing.T) {
	if os.Getenv(childPrefixEnv) != "" {
		schedulerChild(t)
		return
	}
	ctx := context.Background()
	e := newEnv(t, opened)
	if !reflect.DeepEqual(lightPolicy(t).Rules(region), e.policy.Rules(region)) {
		t.Fatalf("%s does not have the default rules; the children's policy would differ", region)
	}
	const n = 10000
	began := time.Now()
	ids := e.seedMany(t, n)
	t.Logf("seeded %d tickets in %s", n, time.Since(began).Round(time.Millisecond))
	if got := e.rdb.ZCount(ctx, e.store.ClocksKey(tenant), "-inf", strconv.FormatInt(frWarn.UnixMilli(), 10)).Val(); got != n {
		t.Fatalf("%d tickets due at the warning, want %d", got, n)
	}
	now := at(2026, 11, 23, 10, 45)

	type child struct {
		name string
		cmd  *exec.Cmd
		out  bytes.Buffer
	}
	var children []*child
	for _, name := range []string{"A", "B"} {
		c := &child{name: name}
		c.cmd = exec.Command(os.Args[0], "-test.run=^TestTwoProcessesFireOnce$", "-test.count=1", "-test.v")
		c.cmd.Env = append(os.Environ(),
			childPrefixEnv+"="+e.keys.Prefix,
			childNowEnv+"="+strconv.FormatInt(now.UnixMilli(), 10),
			childNameEnv+"="+name)
		c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, c)
	}
	// Start them together: each says it is ready, then waits for "go".
	ready, goKey := e.keys.Tenant(tenant, "test", "ready"), e.keys.Tenant(tenant, "test", "go")
	for range children {
		if err := e.rdb.BLPop(ctx, 2*time.Minute, ready).Err(); err != nil {
			for _, c := range children {
				_ = c.cmd.Process.Kill()
				_ = c.cmd.Wait()
				t.Logf("child %s:\n%s", c.name, c.out.String())
			}
			t.Fatalf("children not ready: %v", err)
		}
	}
	began = time.Now()
	e.rdb.RPush(ctx, goKey, "go", "go")
	total := 0
	for _, c := range children {
		err := c.cmd.Wait()
		if err != nil {
			t.Errorf("child %s: %v\n%s", c.name, err, c.out.String())
			continue
		}
		fired := -1
		sc := bufio.NewScanner(&c.out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "FIRED "); ok {
				fired, _ = strconv.Atoi(rest)
			}
		}
		if fired < 0 {
			t.Errorf("child %s reported nothing:\n%s", c.name, c.out.String())
		}
		if fired == 0 {
			t.Errorf("child %s fired nothing: the processes did not run concurrently", c.name)
		}
		t.Logf("process %s fired %d warnings", c.name, fired)
		total += fired
	}
	t.Logf("two processes fired %d clocks in %s (%.0f/s)", total, time.Since(began).Round(time.Millisecond),
		float64(total)/time.Since(began).Seconds())
	if total != n {
		t.Errorf("processes fired %d warnings, want %d", total, n)
	}
	e.checkFiredOnce(t, ids, &ticket.Scheduler{Store: e.store})
}

// schedulerChild is one scheduler process of TestTwoProcessesFireOnce.
func schedulerChild(t *testing.T) {
	ctx := context.Background()
	rdb, err := storetest.Open(ctx, storetest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	keys := store.Keys{Prefix: os.Getenv(childPrefixEnv)}
	ms, err := strconv.ParseInt(os.Getenv(childNowEnv), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(ms)
	var fired atomic.Int64
	sc := &ticket.Scheduler{
		Store: ticket.NewStore(rdb, keys, lightPolicy(t), func() time.Time { return now }),
		Batch: 100,
		Lease: time.Minute,
		Fired: func(ev string) {
			if ev == ticket.EvWarned {
				fired.Add(1)
			}
		},
	}
	if err := rdb.RPush(ctx, keys.Tenant(tenant, "test", "ready"), os.Getenv(childNameEnv)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.BLPop(ctx, 2*time.Minute, keys.Tenant(tenant, "test", "go")).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := drain(ctx, sc); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\nFIRED %d\n", fired.Load())
}

func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, opened)
	i := 0
	for b.Loop() {
		i++
		if _, _, err := e.store.Open(ctx, complaint("u-"+strconv.Itoa(i), "基准测试")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

func BenchmarkOpenParallel(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, opened)
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		s := e.another()
		for pb.Next() {
			if _, _, err := s.Open(ctx, complaint("u-"+strconv.FormatInt(i.Add(1), 10), "基准测试")); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkSchedulerFire: clocks fired per second by two schedulers
// draining b.N due first-response warnings.
func BenchmarkSchedulerFire(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, opened)
	e.seedMany(b, b.N)
	e.clock.Set(at(2026, 11, 23, 10, 45))
	var fired atomic.Int64
	count := func(ev string) { fired.Add(1) }
	scheds := []*ticket.Scheduler{
		{Store: e.another(), Batch: 100, Fired: count},
		{Store: e.another(), Batch: 100, Fired: count},
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, sc := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := drain(ctx, sc); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if got := fired.Load(); got != int64(b.N) {
		b.Fatalf("fired %d, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "clocks/s")
}
