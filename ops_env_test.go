package main

// Process-level operations tests: the real binary, real redis-server and
// redis-sentinel processes, real signals. This file holds what they share:
// building the binary once, starting and stopping servers, sending messages,
// driving traffic and checking that acknowledged tickets are still there.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
)

// Messages with known outcomes on the shipped seeds.
const (
	opsPolicyRegion   = "葛店开发区"
	opsPolicyText     = "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?" // item 5: 3个工作日
	opsPolicyFigure   = "3个工作日"
	opsComplaintRegn  = "朝阳区"
	opsComplaintText  = "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"
	opsComplaintUnit  = "市市场监管局朝阳分局"
	opsProgressText   = "查一下进度,我的工单到哪一步了"
	opsAPIKey         = "dev-key"
	opsTenant         = "demo"
	opsRedisKeyPrefix = "fd"
)

// opsBuild is the binary under test, built once per test run.
var opsBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
	took time.Duration
}

// TestMain removes the binary the operations tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if opsBuild.dir != "" {
		_ = os.RemoveAll(opsBuild.dir)
	}
	os.Exit(code)
}

// opsBinary builds `go build -tags ne,nomsgpack -o <tmp>/frontdoor .` once.
func opsBinary(t testing.TB) string {
	t.Helper()
	opsBuild.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			opsBuild.err = fmt.Errorf("the ops tests build the server with the go command, which is not on PATH: %w", err)
			return
		}
		opsBuild.dir, opsBuild.err = os.MkdirTemp("", "frontdoor-ops-")
		if opsBuild.err != nil {
			return
		}
		opsBuild.path = filepath.Join(opsBuild.dir, "frontdoor")
		start := time.Now()
		cmd := exec.Command(goBin, "build", "-tags", "ne,nomsgpack", "-o", opsBuild.path, ".")
		out, err := cmd.CombinedOutput()
		opsBuild.took = time.Since(start)
		if err != nil {
			opsBuild.err = fmt.Errorf("go build -tags ne,nomsgpack: %v\n%s", err, out)
		}
	})
	if opsBuild.err != nil {
		t.Fatalf("building the server binary: %v", opsBuild.err)
	}
	return opsBuild.path
}

// opsNeed fails the test when a program it runs is not installed.
func opsNeed(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("this test runs %s, which is not installed: apt-get install -y %s (Debian/Ubuntu; .ci/run installs it)", p, p)
		}
	}
}

// opsFreePort returns a loopback port nobody listens on right now.
func opsFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// opsSeedsDir is the absolute path of the shipped seeds.
func opsSeedsDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("seeds")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// opsProc is one `frontdoor serve` process.
type opsProc struct {
	t       testing.TB
	name    string
	port    int
	env     []string
	workDir string
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	// Ready is how long the last start took until /readyz answered 200.
	Ready time.Duration
}

// opsServe starts `frontdoor serve` with env on top of defaults suited to
// tests (its own port and data directory, the shipped seeds, warnings-only
// log, per-user and per-tenant rate limits off) and waits until it is ready. Variables of the test
// process that configure frontdoor (REDIS_URL among them) are not passed on.
func opsServe(t testing.TB, name string, env map[string]string) *opsProc {
	t.Helper()
	p := opsNewProc(t, name, env)
	p.Start()
	return p
}

// opsNewProc prepares a server process without starting it.
func opsNewProc(t testing.TB, name string, env map[string]string) *opsProc {
	t.Helper()
	opsBinary(t)
	p := &opsProc{t: t, name: name, port: opsFreePort(t), workDir: t.TempDir()}
	p.logPath = filepath.Join(p.workDir, name+".log")
	defaults := map[string]string{
		"FRONTDOOR_ADDR":               "127.0.0.1:" + strconv.Itoa(p.port),
		"FRONTDOOR_SEEDS":              opsSeedsDir(t),
		"FRONTDOOR_DATA_DIR":           filepath.Join(p.workDir, "var"),
		"FRONTDOOR_KB_SNAPSHOT":        filepath.Join(p.workDir, "kb.snapshot"), // not in the source tree
		"FRONTDOOR_LOG_LEVEL":          "warn",
		"FRONTDOOR_RATE_LIMIT":         "off",
		"FRONTDOOR_TENANT_RATE_LIMIT":  "off",
		"FRONTDOOR_SHUTDOWN_TIMEOUT":   "5s",
		"FRONTDOOR_SCHEDULER_INTERVAL": "1s",
	}
	for k, v := range env {
		defaults[k] = v
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "REDIS_URL" || strings.HasPrefix(k, "FRONTDOOR_") || strings.HasPrefix(k, "OPENAI_") {
			continue
		}
		p.env = append(p.env, kv)
	}
	for k, v := range defaults {
		p.env = append(p.env, k+"="+v)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("last lines of %s's log:\n%s", p.name, p.LogTail(40))
			if errs := p.LogErrors(10); errs != "" {
				t.Logf("first errors in %s's log:\n%s", p.name, errs)
			}
		}
	})
	return p
}

// URL is the server's base URL.
func (p *opsProc) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.port) }

// Start starts the process (again) and waits until /readyz is 200.
func (p *opsProc) Start() {
	p.t.Helper()
	if err := p.Launch(); err != nil {
		p.t.Fatal(err)
	}
	if err := p.WaitReady(30 * time.Second); err != nil {
		p.t.Fatal(err)
	}
}

// Launch starts the process without waiting for it to be ready.
func (p *opsProc) Launch() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is already running", p.name)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(opsBuild.path, "serve")
	cmd.Env, cmd.Dir = p.env, p.workDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(exited)
	}()
	return nil
}

// WaitReady polls /readyz until it answers 200, recording how long the
// start took.
func (p *opsProc) WaitReady(timeout time.Duration) error {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	start := time.Now()
	deadline := start.Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(p.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Ready = time.Since(start)
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited before it was ready: %v\n%s", p.name, p.exitErr(), p.LogTail(30))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v\n%s", p.name, timeout, p.LogTail(30))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *opsProc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// Pid is the running process's id (0 when stopped).
func (p *opsProc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Stop sends SIGTERM and waits for a clean exit.
func (p *opsProc) Stop() {
	p.t.Helper()
	if err := p.signal(syscall.SIGTERM, 15*time.Second); err != nil {
		p.t.Fatalf("%s: %v\n%s", p.name, err, p.LogTail(30))
	}
}

// Kill sends SIGKILL (a crash) and waits for the process to go.
func (p *opsProc) Kill() { _ = p.signal(syscall.SIGKILL, 10*time.Second) }

func (p *opsProc) signal(sig syscall.Signal, wait time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("did not exit within %v of %v", wait, sig)
	}
	p.mu.Lock()
	p.cmd = nil
	err := p.waitErr
	p.mu.Unlock()
	if sig == syscall.SIGTERM && err != nil {
		return fmt.Errorf("exit after SIGTERM: %v", err)
	}
	return nil
}

// LogTail returns the last n lines the process wrote.
func (p *opsProc) LogTail(n int) string {
	data, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogErrors returns the first n ERROR records the process wrote: a 500
// among thousands of 503s would not be in the log's tail.
func (p *opsProc) LogErrors(n int) string {
	data, _ := os.ReadFile(p.logPath)
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) && len(out) < n {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// RSSKB reads the process's resident set size from /proc.
func (p *opsProc) RSSKB() int64 { return p.statusKB("VmRSS") }

// statusKB is a field of the process's /proc status in kB ("VmRSS",
// "RssAnon", "RssFile"); 0 when it cannot be read.
func (p *opsProc) statusKB(field string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// opsClient is shared by the tests: keep-alive, bounded waits.
// Each request is bounded by its context.
var opsClient = &http.Client{Transport: &http.Transport{
	MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second,
	DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
}}

// opsReply is a 200 body of POST /api/v1/messages.
type opsReply struct {
	Reply  string `json:"reply"`
	Intent string `json:"intent"`
	Region string `json:"region"`
	Ticket *struct {
		ID     string   `json:"id"`
		Status string   `json:"status"`
		Units  []string `json:"units"`
	} `json:"ticket"`
}

// opsResult is one message's outcome.
type opsResult struct {
	Status int // 0: no HTTP answer
	Body   []byte
	Reply  opsReply
	Err    error
	Start  time.Time
	Took   time.Duration
	// Retry marks the second try of a message that got no answer.
	Retry bool
	// Msg is the message sent (traffic only).
	Msg opsMessage
}

// TicketID is the ticket the reply names, if any.
func (r opsResult) TicketID() string {
	if r.Status == http.StatusOK && r.Reply.Ticket != nil {
		return r.Reply.Ticket.ID
	}
	return ""
}

// opsMessage is one JSON API message.
type opsMessage struct {
	User   string `json:"user"`
	Region string `json:"region,omitempty"`
	Text   string `json:"text"`
	MsgID  string `json:"msg_id,omitempty"`
}

// opsSend posts a message to base and decodes the answer.
func opsSend(ctx context.Context, base string, m opsMessage) opsResult {
	body, _ := json.Marshal(m)
	return opsRaw(ctx, base, http.MethodPost, "/api/v1/messages", "application/json", "Bearer "+opsAPIKey, body)
}

// opsRaw sends any request and decodes a JSON message reply when there is one.
func opsRaw(ctx context.Context, base, method, path, ctype, auth string, body []byte) opsResult {
	r := opsResult{Start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		r.Err = err
		return r
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := opsClient.Do(req)
	if err != nil {
		r.Err, r.Took = err, time.Since(r.Start)
		return r
	}
	r.Body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	r.Status, r.Took = resp.StatusCode, time.Since(r.Start)
	if err != nil {
		r.Err = err
		return r
	}
	if r.Status == http.StatusOK && bytes.HasPrefix(r.Body, []byte("{")) {
		_ = json.Unmarshal(r.Body, &r.Reply)
	}
	return r
}

// opsMustSend sends a message that must be answered 200.
func opsMustSend(t testing.TB, base string, m opsMessage) opsResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	r := opsSend(ctx, base, m)
	if r.Status != http.StatusOK {
		t.Fatalf("POST %s %+v: status %d, err %v: %s", base, m, r.Status, r.Err, r.Body)
	}
	return r
}

// opsRedis connects to a Redis URL for checks.
func opsRedis(t testing.TB, url string) redis.UniversalClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb, err := storetest.Open(ctx, url)
	if err != nil {
		t.Fatalf("redis %s: %v", dial.Redact(url), err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// opsKeys is the key layout of a server with the default prefix.
var opsKeys = store.Keys{Prefix: opsRedisKeyPrefix}

// opsTickets reads tickets the way the console does, by id.
func opsTickets(rdb redis.UniversalClient) *ticket.Store {
	return ticket.NewStore(rdb, opsKeys, nil, nil)
}

// opsMissing returns the acknowledged ticket ids the store cannot read.
func opsMissing(t testing.TB, rdb redis.UniversalClient, acked []opsAck) []string {
	t.Helper()
	ts := opsTickets(rdb)
	var missing []string
	for _, a := range acked {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		tk, err := ts.Get(ctx, opsTenant, a.Ticket)
		cancel()
		if err != nil || tk.User != a.User {
			missing = append(missing, fmt.Sprintf("%s (user %s: %v)", a.Ticket, a.User, err))
		}
	}
	return missing
}

// opsAck is a message answered 200 with a ticket number.
type opsAck struct {
	User, MsgID, Ticket string
}

// opsTraffic drives complaints (or any message) at servers from several
// workers and records every outcome.
type opsTraffic struct {
	mu      sync.Mutex
	results []opsResult
	acked   []opsAck
	byCode  map[string]int
	stop    context.CancelFunc
	done    chan struct{}
	n       atomic.Int64
}

// opsTrafficOptions shape the traffic.
type opsTrafficOptions struct {
	Workers int
	// Target picks the server of the n-th message.
	Target func(n int64) string
	// Message makes the n-th message.
	Message func(n int64) opsMessage
	// Pause between one worker's messages.
	Pause time.Duration
	// Timeout of one request.
	Timeout time.Duration
	// Fallback, when set, is where a message that got no HTTP answer at
	// all (the server is gone) is sent again, the way a load balancer
	// retries on another replica; RetryTimeout bounds that second try.
	Fallback     func(n int64) string
	RetryTimeout time.Duration
}

// opsDrive starts traffic; Stop ends it and waits for the workers.
func opsDrive(o opsTrafficOptions) *opsTraffic {
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &opsTraffic{byCode: map[string]int{}, stop: cancel, done: make(chan struct{})}
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := tr.n.Add(1)
				m := o.Message(n)
				rctx, rcancel := context.WithTimeout(context.Background(), o.Timeout)
				r := opsSend(rctx, o.Target(n), m)
				rcancel()
				if r.Status == 0 && o.Fallback != nil {
					tr.record(m, r, false)
					rctx, rcancel := context.WithTimeout(context.Background(), max(o.RetryTimeout, o.Timeout))
					r = opsSend(rctx, o.Fallback(n), m)
					rcancel()
					tr.record(m, r, true)
				} else {
					tr.record(m, r, false)
				}
				if o.Pause > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(o.Pause):
					}
				}
			}
		}()
	}
	go func() { wg.Wait(); close(tr.done) }()
	return tr
}

func (tr *opsTraffic) record(m opsMessage, r opsResult, retry bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	r.Retry, r.Msg = retry, m
	if r.Status == http.StatusOK {
		r.Body = nil
	}
	tr.results = append(tr.results, r)
	code := strconv.Itoa(r.Status)
	if r.Err != nil && r.Status == 0 {
		code = "no answer"
	}
	tr.byCode[code]++
	if id := r.TicketID(); id != "" {
		tr.acked = append(tr.acked, opsAck{User: m.User, MsgID: m.MsgID, Ticket: id})
	}
}

// Results lists every outcome so far.
func (tr *opsTraffic) Results() []opsResult {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.results)
}

// Stop ends the traffic.
func (tr *opsTraffic) Stop() {
	tr.stop()
	<-tr.done
}

// Acked lists the messages answered with a ticket number.
func (tr *opsTraffic) Acked() []opsAck {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.acked)
}

// Counts is how many messages ended in each status ("no answer": the
// connection failed).
func (tr *opsTraffic) Counts() map[string]int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := map[string]int{}
	for k, v := range tr.byCode {
		out[k] = v
	}
	return out
}

// OKCount is how many messages were answered 200.
func (tr *opsTraffic) OKCount() int { return tr.Counts()["200"] }

// WaitOK waits until n more messages than now have been answered 200
// after the call.
func (tr *opsTraffic) WaitOK(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	target := tr.OKCount() + n
	deadline := time.Now().Add(timeout)
	for tr.OKCount() < target {
		if time.Now().After(deadline) {
			t.Fatalf("traffic: %d answers 200 within %v, want %d more; outcomes %v", tr.OKCount(), timeout, n, tr.Counts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Outage sums up the traffic around a fault at faultAt: how many
// messages failed, and when service was back — the end of the first
// successful message sent after the last failed one was sent. (A message
// sent during the outage may fail only after later ones succeeded, when
// it waited out its connection's retries; it does not mean service went
// away again.)
type opsOutage struct {
	Failed      int
	FailedCodes map[string]int
	Recovered   time.Duration // from the fault to service back; 0: nothing failed
	Resumed     bool          // an answer came after the last failure
	Business    string        // what the business saw, in words
}

func (tr *opsTraffic) Outage(faultAt time.Time) opsOutage {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	o := opsOutage{FailedCodes: map[string]int{}}
	var lastFail time.Time
	for _, r := range tr.results {
		if r.Status == http.StatusOK {
			continue
		}
		o.Failed++
		code := strconv.Itoa(r.Status)
		if r.Status == 0 {
			code = "no answer"
		}
		o.FailedCodes[code]++
		if r.Start.After(lastFail) {
			lastFail = r.Start
		}
	}
	if o.Failed == 0 {
		o.Resumed = true
		o.Business = "no message failed"
		return o
	}
	// A request that failed because it was in flight at the fault may have
	// started before a neighbour that still finished before the fault; only
	// answers that ended after the fault say the service came back.
	var back time.Time
	for _, r := range tr.results {
		end := r.Start.Add(r.Took)
		if r.Status != http.StatusOK || !r.Start.After(lastFail) || end.Before(faultAt) {
			continue
		}
		if back.IsZero() || end.Before(back) {
			back = end
		}
	}
	if !back.IsZero() {
		o.Resumed = true
		o.Recovered = back.Sub(faultAt)
	}
	o.Business = fmt.Sprintf("%d messages failed (%v)", o.Failed, o.FailedCodes)
	return o
}

// opsOnly5xxAre503 fails when a failure was a 5xx other than 503: the
// contract allows 503 while a dependency is away, never a 500.
func opsOnly5xxAre503(t testing.TB, counts map[string]int) {
	t.Helper()
	for code, n := range counts {
		c, err := strconv.Atoi(code)
		if err == nil && c >= 500 && c != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d; only 503 is allowed while Redis is away (all: %v)", n, c, counts)
		}
	}
}

// opsComplaint is the n-th complaint of a test, from a user of its own.
func opsComplaint(prefix string) func(n int64) opsMessage {
	return func(n int64) opsMessage {
		id := prefix + "-" + strconv.FormatInt(n, 10)
		return opsMessage{User: "u-" + id, Region: opsComplaintRegn, Text: opsComplaintText, MsgID: "m-" + id}
	}
}

// opsProgress asks a server for a user's requests and returns the reply.
func opsProgress(t testing.TB, base, user string) opsResult {
	t.Helper()
	return opsMustSend(t, base, opsMessage{User: user, Text: opsProgressText})
}

// opsEventually retries check until it returns nil or timeout passes.
func opsEventually(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// errOps marks a check that has not passed yet.
var errOps = errors.New("not yet")
