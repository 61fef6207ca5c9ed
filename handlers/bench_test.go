package handlers_test

// Benchmarks of the HTTP message path for `make bench`. Every benchmark
// drives its server over real HTTP (httptest, keep-alive) from
// benchClients concurrent clients, with each user's rate limit checked as
// in production but set too high to refuse anything, and reports:
//
//	msgs/s       messages answered per second
//	p50-ms       median latency of one message, client side
//	p99-ms       99th percentile latency
//	errors       messages not answered as expected (any status but 200, or a wrong body)
//	x-floor      msgs/s as a fraction of the floor's, measured on the same Redis in rounds
//	             between the benchmark's own (see benchPaired)
//	p99-x-floor  p99 as a multiple of the floor's p99
//	rss-MB       resident memory of the benchmark process (server, engine, knowledge
//	             base and clients together) after the load, from /proc/self/status
//	cpu-us       CPU time per message of the benchmark process (server and clients,
//	             from getrusage)
//	redis-cpu-us CPU time per message of Redis (INFO cpu, main thread and I/O threads)
//	cpu-x-floor  cpu-us plus redis-cpu-us as a multiple of the floor's: what a message
//	             costs the machine, which drifts less from run to run than msgs/s
//
// BenchmarkFloor is a bare gin handler that decodes the same JSON body and
// makes one Redis round trip (INCR): the least any message can cost. The
// other benchmarks measure it again in rounds between their own
// (benchPaired), and their ratios are to that floor.
//
//	BenchmarkFloor
//	BenchmarkJSONPolicyQuestion                  POST /api/v1/messages, policy questions, real router and engine
//	BenchmarkJSONComplaint                       the same, complaints: each opens a routed ticket with its clocks
//	BenchmarkJSONGreeting                        the same, greetings: the engine's claim, rate limit and commit
//	                                             around a fixed answer, the least any message costs
//	BenchmarkWeChatSafeMode                      encrypted Official Account callbacks answered passively
//	BenchmarkJSONPolicyQuestion100xKB            policy questions over a knowledge base 100× the seeds
//	BenchmarkJSONComplaintWithMillionTickets     complaints with 10^6 open tickets in Redis
//	                                             (FRONTDOOR_BENCH_LARGE=1; its own redis-server)
//
// Each request carries a unique msg_id; users are spread over 1,000 ids.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/clock"
	"frontdoor/bot/intent"
	"frontdoor/bot/outbox"
	"frontdoor/bot/privacy"
	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/handlers"
	"frontdoor/handlers/api"
	"frontdoor/handlers/handlertest"
	"frontdoor/knowledge"
	"frontdoor/knowledge/knowledgetest"
)

// benchClients is how many clients send at once.
const benchClients = 32

// benchRounds is how many rounds a benchmark's messages are sent in, each
// right after a round of the floor of as many messages. The machines these
// run on are shared and their speed drifts within a minute: a floor
// measured once, before the benchmark, put the same code at 0.31 and 0.52
// of it in two runs a minute apart, where rounds side by side see the same
// machine.
const benchRounds = 4

// benchFloorMin is the fewest messages a round of the floor is measured
// over, so that the ratio of a short run still rests on a real floor.
const benchFloorMin = 2000

// benchPolicyQuestions are policy questions with their regions; each is
// checked to be answered as a policy question before the load starts.
var benchPolicyQuestions = []struct{ region, text string }{
	{"葛店开发区", handlertest.PolicyQuestion},
	{"葛店开发区", "注销公司要交什么材料"},
	{"葛店开发区", "不动产抵押登记要多久"},
	{"葛店开发区", "小工程要不要办施工许可证"},
	{"红谷滩区", "有没有免申即享的政策"},
	{"红谷滩区", "政府采购对小微企业有优惠吗"},
	{"朝阳区", "增值税退税要多久"},
	{"朝阳区", "高新技术企业有什么扶持"},
	{"河池市", "担保费率是多少"},
	{"河池市", "申请专利有奖励吗"},
	{"徐州市", "企业服务中心能办什么事"},
	{"徐州市", "营商环境怎么考核评价"},
}

// benchComplaints are complaints with their regions.
var benchComplaints = []struct{ region, text string }{
	{"朝阳区", handlertest.ComplaintText},
	{"葛店开发区", "我们厂申请接电三个月了还没通,供电公司一直拖着不办,严重影响生产"},
	{"红谷滩区", "办营业执照被窗口来回推,跑了五趟还没办下来,太离谱了"},
	{"河池市", "政府拖欠我们公司工程款两年了一直不给,找谁都没用"},
	{"徐州市", "执法检查太频繁了,一个月来了四次,企业根本没法正常经营"},
}

// benchGreetings are messages that only greet, with their regions. The
// engine claims, rate-limits and commits them as it does every message
// and answers with its fixed help text: what the engine costs a message
// before any question is analysed.
var benchGreetings = []struct{ region, text string }{
	{"葛店开发区", "你好"},
	{"红谷滩区", "您好"},
	{"朝阳区", "在吗"},
	{"河池市", "下午好"},
	{"徐州市", "有人吗"},
}

// benchStats is one load run.
type benchStats struct {
	n        int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	errors   int64
	firstErr string
	appCPU   time.Duration // this process's CPU time during the run
	redisCPU time.Duration // Redis's CPU time during the run
}

func (s benchStats) rate() float64 { return float64(s.n) / s.elapsed.Seconds() }

func (s benchStats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	i := int(float64(len(s.lat))*p+0.999999) - 1
	return s.lat[min(max(i, 0), len(s.lat)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuPerMsg is the CPU time, process and Redis, one message of the run cost.
func (s benchStats) cpuPerMsg() time.Duration {
	return (s.appCPU + s.redisCPU) / time.Duration(max(s.n, 1))
}

// benchMetered runs load and records the CPU time this process and the
// Redis behind rdb spent while it ran.
func benchMetered(b *testing.B, rdb redis.UniversalClient, load func() benchStats) benchStats {
	b.Helper()
	app0, redis0 := benchProcessCPU(b), benchRedisCPU(b, rdb)
	s := load()
	s.appCPU, s.redisCPU = benchProcessCPU(b)-app0, benchRedisCPU(b, rdb)-redis0
	return s
}

// benchProcessCPU is the user and system time this process has used.
func benchProcessCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRedisCPU is the user and system time the Redis behind rdb has used.
func benchRedisCPU(b *testing.B, rdb redis.UniversalClient) time.Duration {
	b.Helper()
	info := benchInfo(b, rdb, "cpu")
	var total float64
	for _, name := range []string{"used_cpu_sys", "used_cpu_user"} {
		v, err := strconv.ParseFloat(info[name], 64)
		if err != nil {
			b.Fatalf("INFO cpu: %s: %v", name, err)
		}
		total += v
	}
	return time.Duration(total * float64(time.Second))
}

// benchInfo is one section of INFO from the Redis behind rdb, by field.
func benchInfo(b *testing.B, rdb redis.UniversalClient, section string) map[string]string {
	b.Helper()
	text, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if name, value, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[name] = value
		}
	}
	return fields
}

// benchHTTPClient keeps a connection per client alive.
func benchHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * benchClients, MaxIdleConnsPerHost: 2 * benchClients, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
}

// benchLoad sends n requests from benchClients goroutines: mk builds the
// i-th, ok checks its answer. Latency is measured around the round trip.
func benchLoad(client *http.Client, n int, mk func(i int) *http.Request, ok func(status int, body []byte) bool) benchStats {
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One buffer per client for the replies, as a load generator
			// has: a fresh one per reply was a tenth of the run's garbage,
			// charged to the server under test.
			var buf bytes.Buffer
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req := mk(i)
				t0 := time.Now()
				resp, err := client.Do(req)
				var body []byte
				status := 0
				if err == nil {
					buf.Reset()
					_, err = buf.ReadFrom(resp.Body)
					body = buf.Bytes()
					resp.Body.Close()
					status = resp.StatusCode
				}
				lat[i] = time.Since(t0)
				if err != nil || !ok(status, body) {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d, err %v: %.300s", status, err, body))
				}
			}
		}()
	}
	wg.Wait()
	s := benchStats{n: n, elapsed: time.Since(start), lat: lat, errors: errs.Load()}
	if v := firstErr.Load(); v != nil {
		s.firstErr = v.(string)
	}
	slices.Sort(s.lat)
	return s
}

// report publishes a run's figures, with ratios to floor when given.
func (s benchStats) report(b *testing.B, floor *benchStats) {
	b.ReportMetric(s.rate(), "msgs/s")
	b.ReportMetric(ms(s.pct(0.50)), "p50-ms")
	b.ReportMetric(ms(s.pct(0.99)), "p99-ms")
	b.ReportMetric(float64(s.errors), "errors")
	if floor != nil {
		b.ReportMetric(s.rate()/floor.rate(), "x-floor")
		b.ReportMetric(float64(s.pct(0.99))/float64(floor.pct(0.99)), "p99-x-floor")
	}
	b.ReportMetric(float64(benchRSS())/1024, "rss-MB")
	if s.appCPU > 0 {
		b.ReportMetric(float64(s.appCPU.Microseconds())/float64(s.n), "cpu-us")
		b.ReportMetric(float64(s.redisCPU.Microseconds())/float64(s.n), "redis-cpu-us")
		if floor != nil && floor.appCPU > 0 {
			b.ReportMetric(float64(s.cpuPerMsg())/float64(floor.cpuPerMsg()), "cpu-x-floor")
		}
	}
	if s.errors > 0 {
		b.Errorf("%d of %d messages failed; first: %s", s.errors, s.n, s.firstErr)
	}
}

// benchRSS is this process's resident set size in KiB.
func benchRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

var benchSeq atomic.Int64

// benchMessage is the JSON body of the i-th message of a run.
func benchMessage(region, text string) []byte {
	n := benchSeq.Add(1)
	body, _ := json.Marshal(api.MessageRequest{User: "u-" + strconv.FormatInt(n%1000, 10), Region: region, Text: text,
		MsgID: "bench-" + strconv.FormatInt(n, 10)})
	return body
}

func benchPost(url string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+handlertest.Key)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// The floor: decode the same JSON, one Redis round trip, answer JSON.
func benchFloorServer(rdb redis.UniversalClient, key string) *httptest.Server {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/messages", func(c *gin.Context) {
		var req api.MessageRequest
		if err := json.NewDecoder(c.Request.Body).Decode(&req); err != nil || req.Text == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "bad json"})
			return
		}
		n, err := rdb.Incr(c.Request.Context(), key).Result()
		if err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"reply": req.Text, "n": n})
	})
	return httptest.NewServer(r)
}

// benchFloorRig is the floor's server on one Redis, kept up for the whole
// run so that every benchmark can measure it between its own rounds.
type benchFloorRig struct {
	url    string
	rdb    redis.UniversalClient
	client *http.Client
	server *httptest.Server
	key    string // the floor's counter
}

// benchRigs holds one floor per Redis address.
var benchRigs struct {
	sync.Mutex
	by map[string]*benchFloorRig
}

// benchFloor is the floor on the Redis at addr, started and warmed up by
// the first benchmark that asks for it. It has a client of its own: the
// benchmarks' clients close when they end.
func benchFloor(b *testing.B, addr string) *benchFloorRig {
	b.Helper()
	benchRigs.Lock()
	defer benchRigs.Unlock()
	if f := benchRigs.by[addr]; f != nil {
		return f
	}
	rdb, err := storetest.Open(context.Background(), addr)
	if err != nil {
		b.Fatal(err)
	}
	// Neither closed with the benchmark: later ones on this Redis use
	// them, and TestMain closes them when all are done.
	key := store.Keys{Prefix: "fdbench-floor"}.Tenant("demo", "floor")
	ts := benchFloorServer(rdb, key)
	f := &benchFloorRig{url: ts.URL, rdb: rdb, client: benchHTTPClient(), server: ts, key: key}
	if s := f.load(0, 2*benchFloorMin); s.errors > 0 { // warm up connections, pools and Redis
		b.Fatalf("floor: %d errors; first: %s", s.errors, s.firstErr)
	}
	if benchRigs.by == nil {
		benchRigs.by = map[string]*benchFloorRig{}
	}
	benchRigs.by[addr] = f
	return f
}

// TestMain closes the floors when every test and benchmark is done, and
// removes their counters from the Redis they ran on.
func TestMain(m *testing.M) {
	code := m.Run()
	benchRigs.Lock()
	for _, f := range benchRigs.by {
		f.server.Close()
		f.rdb.Del(context.Background(), f.key)
		f.rdb.Close()
	}
	benchRigs.Unlock()
	os.Exit(code)
}

// load sends messages from, from+1, … from+n-1 of the floor's sequence.
func (f *benchFloorRig) load(from, n int) benchStats {
	return benchLoad(f.client, n, func(i int) *http.Request {
		q := benchPolicyQuestions[(from+i)%len(benchPolicyQuestions)]
		return benchPost(f.url, benchMessage(q.region, q.text))
	}, func(status int, _ []byte) bool { return status == http.StatusOK })
}

// benchPaired sends b.N messages through run (which sends messages from,
// from+1, … from+n-1 of the benchmark's sequence) in benchRounds rounds,
// each after a round of the floor of as many messages, and returns both
// totals. Only the benchmark's own rounds are timed.
func benchPaired(b *testing.B, floor *benchFloorRig, rdb redis.UniversalClient, run func(from, n int) benchStats) (s, f benchStats) {
	b.Helper()
	from := 0
	for r := range benchRounds {
		n := b.N / benchRounds
		if r < b.N%benchRounds {
			n++
		}
		b.StopTimer()
		round := benchMetered(b, floor.rdb, func() benchStats { return floor.load(from, max(n, benchFloorMin)) })
		if round.errors > 0 {
			b.Fatalf("floor: %d errors; first: %s", round.errors, round.firstErr)
		}
		f.add(round)
		b.StartTimer()
		s.add(benchMetered(b, rdb, func() benchStats { return run(from, n) }))
		from += n
	}
	slices.Sort(s.lat)
	slices.Sort(f.lat)
	return s, f
}

// add counts another round into s; latencies are left unsorted.
func (s *benchStats) add(r benchStats) {
	s.n += r.n
	s.elapsed += r.elapsed
	s.lat = append(s.lat, r.lat...)
	s.errors += r.errors
	if s.firstErr == "" {
		s.firstErr = r.firstErr
	}
	s.appCPU += r.appCPU
	s.redisCPU += r.redisCPU
}

// benchServer is the real router over an engine: the API key of the
// demo tenant, and a JSON logger writing to nowhere, so that logging
// costs what it costs in production.
func benchServer(b *testing.B, e *bot.Engine, ready func(context.Context) error) *httptest.Server {
	gin.SetMode(gin.ReleaseMode)
	log := slog.New(privacy.NewHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})))
	srv := handlers.New(handlers.Deps{Engine: e, API: api.Deps{Tenants: []api.Tenant{{ID: "demo", APIKey: handlertest.Key}}},
		Ready: ready, Registry: prometheus.NewRegistry(), Logger: log})
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return ts
}

// benchCheck sends every message once and wants the intent.
func benchCheck(b *testing.B, url string, intent bot.Intent, msgs []struct{ region, text string }) {
	b.Helper()
	client := benchHTTPClient()
	for _, m := range msgs {
		resp, err := client.Do(benchPost(url, benchMessage(m.region, m.text)))
		if err != nil {
			b.Fatal(err)
		}
		var r bot.Reply
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || r.Intent != intent {
			b.Fatalf("%s %q: status %d, intent %q, want %q", m.region, m.text, resp.StatusCode, r.Intent, intent)
		}
	}
}

// benchJSON runs the message load against url, paired with floor.
func benchJSON(b *testing.B, rdb redis.UniversalClient, url string, msg func(i int) []byte, floor *benchFloorRig) {
	b.Helper()
	ok := func(status int, body []byte) bool {
		return status == http.StatusOK && bytes.HasPrefix(body, []byte(`{"reply":`))
	}
	benchRequests(b, floor, rdb, func(i int) *http.Request { return benchPost(url, msg(i)) }, ok)
}

// benchRequests warms a client up with 200 requests, then sends b.N
// requests (mk builds the i-th, ok checks its answer) paired with floor,
// and reports them.
func benchRequests(b *testing.B, floor *benchFloorRig, rdb redis.UniversalClient, mk func(i int) *http.Request,
	ok func(status int, body []byte) bool) {
	b.Helper()
	client := benchHTTPClient()
	benchLoad(client, 200, mk, ok)
	b.ResetTimer()
	s, f := benchPaired(b, floor, rdb, func(from, n int) benchStats {
		return benchLoad(client, n, func(i int) *http.Request { return mk(from + i) }, ok)
	})
	b.StopTimer()
	s.report(b, &f)
}

// benchLimits runs each user's and the tenant's token buckets as
// production does (the server's defaults are 30 a minute and 1,200 a
// minute), at rates no benchmark reaches: the load spreads thousands of
// messages a second over 1,000 users, which real limits would refuse, and
// turning them off would leave out the Redis work they cost every message.
// The same complaint from the same user is checked for as in production,
// but remembered for a millisecond only: the load sends each user the same
// few texts, and a complaint that joined its earlier ticket would cost
// less than the complaint the benchmark is about.
var benchLimits = bot.Config{UserRate: bot.Rate{PerSecond: 1e6, Burst: 1e6}, TenantRate: bot.Rate{PerSecond: 1e6, Burst: 1e6},
	DuplicateWindow: time.Millisecond}

// benchEngineOn is an engine over kb on rdb, its commands auto-pipelined
// as the server's are.
func benchEngineOn(b *testing.B, rdb redis.UniversalClient, keys store.Keys, kb *knowledge.Base, policy *clock.Policy) *bot.Engine {
	b.Helper()
	cmds, err := dial.Commands(rdb, true)
	if err != nil {
		b.Fatal(err)
	}
	model := bottest.Intents(b)
	return bot.New(benchLimits, bot.Deps{Redis: cmds, Keys: keys, KB: func() *knowledge.Base { return kb },
		Intents: func() *intent.Model { return model }, Tickets: ticket.NewStore(cmds, keys, policy, nil), Outbox: outbox.New(cmds, keys)})
}

// benchEngine is the engine on the test Redis, with benchLimits.
func benchEngine(b *testing.B) *bottest.Env {
	b.Helper()
	return bottest.New(b, bottest.Options{Config: benchLimits})
}

func BenchmarkFloor(b *testing.B) {
	benchFloorAlone(b, benchFloor(b, storetest.URL()))
}

// benchFloorAlone measures b.N messages of the floor, with no ratios.
func benchFloorAlone(b *testing.B, floor *benchFloorRig) {
	b.ResetTimer()
	s := benchMetered(b, floor.rdb, func() benchStats { return floor.load(0, b.N) })
	b.StopTimer()
	s.report(b, nil)
}

func BenchmarkJSONPolicyQuestion(b *testing.B) {
	benchJSONMessages(b, bot.PolicyQuery, benchPolicyQuestions)
}

func BenchmarkJSONComplaint(b *testing.B) {
	benchJSONMessages(b, bot.Complaint, benchComplaints)
}

// BenchmarkJSONGreeting is the least a message through the engine costs:
// every message path's throughput is at most this one's.
func BenchmarkJSONGreeting(b *testing.B) {
	benchJSONMessages(b, bot.Greeting, benchGreetings)
}

// benchJSONMessages sends msgs in turn, each checked first to be taken
// for intent, through the real router and engine on the test Redis.
func benchJSONMessages(b *testing.B, intent bot.Intent, msgs []struct{ region, text string }) {
	env := benchEngine(b)
	floor := benchFloor(b, storetest.URL())
	ts := benchServer(b, env.Engine, nil)
	benchCheck(b, ts.URL, intent, msgs)
	benchJSON(b, env.Redis, ts.URL, func(i int) []byte {
		m := msgs[i%len(msgs)]
		return benchMessage(m.region, m.text)
	}, floor)
}

// BenchmarkJSONMixed is the load a front door mostly sees: four policy
// questions to one complaint, through the real router and engine.
func BenchmarkJSONMixed(b *testing.B) {
	env := benchEngine(b)
	floor := benchFloor(b, storetest.URL())
	ts := benchServer(b, env.Engine, nil)
	benchCheck(b, ts.URL, bot.PolicyQuery, benchPolicyQuestions)
	benchCheck(b, ts.URL, bot.Complaint, benchComplaints)
	benchJSON(b, env.Redis, ts.URL, func(i int) []byte {
		if i%5 == 4 {
			m := benchComplaints[(i/5)%len(benchComplaints)]
			return benchMessage(m.region, m.text)
		}
		m := benchPolicyQuestions[(i-i/5)%len(benchPolicyQuestions)]
		return benchMessage(m.region, m.text)
	}, floor)
}

func BenchmarkWeChatSafeMode(b *testing.B) {
	cs := handlertest.NewChannels(b, handlertest.ChannelOptions{Config: benchLimits})
	floor := benchFloor(b, storetest.URL())
	mk := func(int) *http.Request {
		n := benchSeq.Add(1)
		c := handlertest.OASafe(b, "demo", handlertest.TextMsg("o-bench-"+strconv.FormatInt(n%1000, 10), strconv.FormatInt(3e12+n, 10), handlertest.PolicyQuestion))
		req, _ := http.NewRequest(c.Method, cs.HTTP.URL+c.Path+"?"+c.Query.Encode(), bytes.NewReader(c.Body))
		req.Header.Set("Content-Type", "text/xml")
		return req
	}
	ok := func(status int, body []byte) bool {
		return status == http.StatusOK && bytes.Contains(body, []byte("<Encrypt>"))
	}
	if m := handlertest.OAReply(b, cs.OverHTTP(b, handlertest.OASafe(b, "demo", handlertest.TextMsg("o-check", "2999999999999", handlertest.PolicyQuestion)))); !strings.Contains(m.Content, handlertest.PolicyFigure) {
		b.Fatalf("safe-mode answer lacks %s: %q", handlertest.PolicyFigure, m.Content)
	}
	benchRequests(b, floor, cs.Env.Redis, mk, ok)
}

// The knowledge base 100× the seeds, built once per benchmark binary.
var bench100x struct {
	once sync.Once
	kb   *knowledge.Base
	load time.Duration
	err  error
}

func benchKB100x(b *testing.B) *knowledge.Base {
	b.Helper()
	bench100x.once.Do(func() {
		fsys, err := knowledgetest.Perturbed(100, knowledgetest.Spread)
		if err != nil {
			bench100x.err = err
			return
		}
		start := time.Now()
		bench100x.kb, bench100x.err = knowledge.Load(fsys, knowledge.Options{})
		bench100x.load = time.Since(start)
	})
	if bench100x.err != nil {
		b.Fatal(bench100x.err)
	}
	return bench100x.kb
}

func BenchmarkJSONPolicyQuestion100xKB(b *testing.B) {
	kb := benchKB100x(b)
	rdb, keys := storetest.Client(b)
	floor := benchFloor(b, storetest.URL())
	ts := benchServer(b, benchEngineOn(b, rdb, keys, kb, bottest.Policy(b, kb)), nil)
	// Question i goes to copy (i / questions) mod 100 of its region; copy 0
	// is the original.
	region := func(i int) (string, string) {
		q := benchPolicyQuestions[i%len(benchPolicyQuestions)]
		if k := (i / len(benchPolicyQuestions)) % 100; k > 0 {
			return q.region + strconv.Itoa(k), q.text
		}
		return q.region, q.text
	}
	var check []struct{ region, text string }
	for i := 0; i < 3*len(benchPolicyQuestions); i += 5 {
		r, t := region(i + 37*len(benchPolicyQuestions))
		check = append(check, struct{ region, text string }{r, t})
	}
	benchCheck(b, ts.URL, bot.PolicyQuery, check)
	benchJSON(b, rdb, ts.URL, func(i int) []byte { return benchMessage(region(i)) }, floor)
	b.ReportMetric(float64(len(kb.Items)), "items")
	b.ReportMetric(float64(len(kb.Regions())), "regions")
	b.ReportMetric(bench100x.load.Seconds(), "load-s")
}

// BenchmarkJSONComplaintWithMillionTickets measures complaints with 10^6
// open tickets of the same tenant, region and unit already in Redis (the
// indexes, the open set and the clock schedule each 10^6 long). It runs on
// a redis-server of its own (no persistence), with the floor and the same
// complaints on an empty prefix measured there too:
//
//	…/floor        the floor on this Redis
//	…/empty        complaints with no other tickets
//	…/million      complaints with 10^6 open tickets
//
// Set FRONTDOOR_BENCH_LARGE=1 to run it (writing the tickets takes about
// a minute and a few GB of memory); FRONTDOOR_BENCH_TICKETS changes the
// count.
func BenchmarkJSONComplaintWithMillionTickets(b *testing.B) {
	if os.Getenv("FRONTDOOR_BENCH_LARGE") != "1" {
		b.Skip("set FRONTDOOR_BENCH_LARGE=1 to write 10^6 open tickets and measure complaints among them")
	}
	count := 1_000_000
	if v := os.Getenv("FRONTDOOR_BENCH_TICKETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("FRONTDOOR_BENCH_TICKETS=%q: want a positive number", v)
		}
		count = n
	}
	url := benchRedisServer(b)
	ctx := context.Background()
	rdb, err := storetest.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	kb := bottest.KB(b)
	policy := bottest.Policy(b, kb)
	engine := func(keys store.Keys) *httptest.Server {
		return benchServer(b, benchEngineOn(b, rdb, keys, kb, policy), nil)
	}
	msg := func(i int) []byte {
		c := benchComplaints[i%len(benchComplaints)]
		return benchMessage(c.region, c.text)
	}
	// Outside the sub-benchmarks, so that the others have their floor when
	// -bench leaves "floor" out.
	floor := benchFloor(b, url)
	b.Run("floor", func(b *testing.B) { benchFloorAlone(b, floor) })
	b.Run("empty", func(b *testing.B) {
		ts := engine(store.Keys{Prefix: "fdbench-empty-" + benchRandom()})
		benchJSON(b, rdb, ts.URL, msg, floor)
	})
	keys := store.Keys{Prefix: "fdbench-million"}
	before := benchUsedMemory(b, rdb)
	start := time.Now()
	benchWriteOpenTickets(b, rdb, keys, policy, count)
	b.Logf("wrote %d open tickets in %v; Redis used_memory grew by %.0f MB", count, time.Since(start).Round(time.Second),
		float64(benchUsedMemory(b, rdb)-before)/(1<<20))
	b.Run("million", func(b *testing.B) {
		ts := engine(keys)
		benchJSON(b, rdb, ts.URL, msg, floor)
		n, _ := rdb.ZCard(ctx, keys.Tenant("demo", "idx", "open")).Result()
		b.ReportMetric(float64(n), "open-tickets")
	})
}

func benchRandom() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// benchRedisServer starts a redis-server of the benchmark's own, without
// persistence, stopped when the benchmark ends.
func benchRedisServer(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Fatalf("this benchmark runs redis-server, which is not installed: apt-get install -y redis-server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", b.TempDir(),
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := storetest.Open(context.Background(), url)
		if c != nil {
			c.Close()
		}
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			b.Fatalf("redis-server on %d does not answer: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func benchUsedMemory(b *testing.B, rdb redis.UniversalClient) int64 {
	b.Helper()
	v, ok := benchInfo(b, rdb, "memory")["used_memory"]
	if !ok {
		b.Fatal("INFO memory has no used_memory")
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// benchWriteOpenTickets writes count open complaints in bulk, each a copy
// of a ticket the store opened, with the store's key layout: the ticket
// hash (v, data, w), its event stream, the all/user/region/unit indexes,
// the open set and the clock schedule. Users are spread over 100,000 ids.
func benchWriteOpenTickets(b *testing.B, rdb redis.UniversalClient, keys store.Keys, policy *clock.Policy, count int) {
	b.Helper()
	ctx := context.Background()
	tickets := ticket.NewStore(rdb, keys, policy, nil)
	tmpl, _, err := tickets.Open(ctx, ticket.Request{Tenant: "demo", Region: "朝阳区", User: "u-template",
		Channel: bot.ChannelAPI, Kind: ticket.Complaint, Text: handlertest.ComplaintText, Units: []string{"市市场监管局朝阳分局"}})
	if err != nil {
		b.Fatal(err)
	}
	tk := keys.Tenant("demo", "tk", tmpl.ID)
	fields, err := rdb.HGetAll(ctx, tk).Result()
	if err != nil || fields["data"] == "" {
		b.Fatalf("template ticket %s: %v %v", tmpl.ID, fields, err)
	}
	events, err := rdb.XRange(ctx, keys.Tenant("demo", "tk", tmpl.ID, "ev"), "-", "+").Result()
	if err != nil || len(events) == 0 {
		b.Fatalf("template ticket %s has no events: %v", tmpl.ID, err)
	}
	score := func(key string) float64 {
		s, err := rdb.ZScore(ctx, key, tmpl.ID).Result()
		if err != nil {
			b.Fatalf("template ticket %s is not in %s: %v", tmpl.ID, key, err)
		}
		return s
	}
	all, region, unit := keys.Tenant("demo", "idx", "all"), keys.Tenant("demo", "idx", "region", "朝阳区"),
		keys.Tenant("demo", "idx", "unit", "市市场监管局朝阳分局")
	open, clocks := keys.Tenant("demo", "idx", "open"), keys.Tenant("demo", "clocks")
	created, openScore, clockScore := score(all), score(open), score(clocks)
	score(region)
	score(unit)
	score(keys.Tenant("demo", "idx", "user", "u-template"))

	const batch = 1000
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch)) - batch
				if from >= count {
					return
				}
				pipe := rdb.Pipeline()
				for i := from; i < min(from+batch, count); i++ {
					id := fmt.Sprintf("YH20000101-%07d", i)
					user := "u-big-" + strconv.Itoa(i%100000)
					data := strings.Replace(strings.Replace(fields["data"], `"id":"`+tmpl.ID+`"`, `"id":"`+id+`"`, 1),
						`"user":"u-template"`, `"user":"`+user+`"`, 1)
					hash := []any{}
					for k, v := range fields {
						if k == "data" {
							v = data
						}
						hash = append(hash, k, v)
					}
					pipe.HSet(ctx, keys.Tenant("demo", "tk", id), hash...)
					for _, e := range events {
						pipe.XAdd(ctx, &redis.XAddArgs{Stream: keys.Tenant("demo", "tk", id, "ev"), Values: e.Values})
					}
					m := func(s float64) redis.Z { return redis.Z{Score: s, Member: id} }
					pipe.ZAdd(ctx, all, m(created))
					pipe.ZAdd(ctx, keys.Tenant("demo", "idx", "user", user), m(created))
					pipe.ZAdd(ctx, region, m(created))
					pipe.ZAdd(ctx, unit, m(created))
					pipe.ZAdd(ctx, open, m(openScore))
					pipe.ZAdd(ctx, clocks, m(clockScore))
				}
				if _, err := pipe.Exec(ctx); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("bulk write: %v", err)
	}
}
