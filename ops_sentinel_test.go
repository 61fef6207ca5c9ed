package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store/storetest"
)

// opsRedisProc is a redis-server or redis-sentinel process of a test's own.
type opsRedisProc struct {
	t      testing.TB
	name   string
	port   int
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// opsStartRedis runs `program args...` (with --port and --dir added for
// redis-server) and waits until it answers PING.
func opsStartRedis(t testing.TB, name, program string, port int, args ...string) *opsRedisProc {
	t.Helper()
	r := &opsRedisProc{t: t, name: name, port: port, dir: t.TempDir()}
	log, err := os.Create(filepath.Join(r.dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(program, args...)
	r.cmd.Dir = r.dir
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	r.exited = make(chan struct{})
	go func() { _ = r.cmd.Wait(); log.Close(); close(r.exited) }()
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(r.dir, name+".log"))
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) > 25 {
				lines = lines[len(lines)-25:]
			}
			t.Logf("last lines of %s's log:\n%s", name, strings.Join(lines, "\n"))
		}
	})
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		select {
		case <-r.exited:
			t.Fatalf("%s exited at start", name)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer PING", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// Addr is host:port.
func (r *opsRedisProc) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// Kill sends SIGKILL and waits for the process to go.
func (r *opsRedisProc) Kill() {
	if r.gone() {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// gone reports whether the process has exited.
func (r *opsRedisProc) gone() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// opsRedisServer starts a redis-server with an append-only file fsynced on
// every write, the persistence the product requires.
func opsRedisServer(t testing.TB, name string, extra ...string) *opsRedisProc {
	t.Helper()
	port := opsFreePort(t)
	dir := t.TempDir()
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "",
		// a primary would wait 5 s for more replicas before a full sync
		"--repl-diskless-sync-delay", "0"}, extra...)
	return opsStartRedis(t, name, "redis-server", port, args...)
}

// opsSentinels starts n redis-sentinel processes watching master.
func opsSentinels(t testing.TB, n int, masterName string, master *opsRedisProc) []*opsRedisProc {
	t.Helper()
	var out []*opsRedisProc
	for i := range n {
		port := opsFreePort(t)
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		text := fmt.Sprintf(`port %d
bind 127.0.0.1
daemonize no
dir %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, port, dir, masterName, master.port, masterName, masterName, masterName)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, opsStartRedis(t, "sentinel-"+strconv.Itoa(i+1), "redis-sentinel", port, conf))
	}
	return out
}

// opsRedisPackages names the Debian package of each Redis program: Debian
// ships redis-sentinel apart from redis-server, and redis-cli in
// redis-tools; Homebrew's redis has them all.
var opsRedisPackages = map[string]string{"redis-server": "redis-server", "redis-sentinel": "redis-sentinel", "redis-cli": "redis-tools"}

// opsNeedRedis fails the test, saying what to install, when a Redis
// program it runs is not on PATH.
func opsNeedRedis(t testing.TB, programs ...string) {
	t.Helper()
	var missing, packages []string
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
			if pkg := opsRedisPackages[p]; pkg != "" && !slices.Contains(packages, pkg) {
				packages = append(packages, pkg)
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("this test runs %s, which is not installed. Install it with:\n"+
			"  sudo apt-get install %s   (Debian/Ubuntu; .ci/run and .ci/with-redis do this where they may)\n"+
			"  brew install redis   (macOS)", strings.Join(missing, " and "), strings.Join(packages, " "))
	}
}

// opsSentinelMaster asks a sentinel where the master is.
func opsSentinelMaster(s *opsRedisProc, masterName string) string {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	addr, err := c.GetMasterAddrByName(ctx, masterName).Result()
	if err != nil || len(addr) != 2 {
		return ""
	}
	return net.JoinHostPort(addr[0], addr[1])
}

// TestSentinelFailover runs the server against a real Sentinel setup — a
// primary, its replicas and three sentinels — and kills the primary with
// SIGKILL while complaints flow. Requests in flight may fail with 503;
// service resumes by itself. It runs twice: with one replica and
// asynchronous replication, where the last writes the primary acknowledged
// may be lost and are reported, and with two replicas and every reply
// waiting for one of them (FRONTDOOR_REDIS_WAIT_REPLICAS=1), which leaves
// one to wait for after the other is promoted and must lose no ticket
// number given out.
func TestSentinelFailover(t *testing.T) {
	// Mostly waiting for Redis's timers: it runs beside the other
	// operations tests that wait.
	t.Parallel()
	opsNeedRedis(t, "redis-server", "redis-sentinel")
	t.Run("asynchronous", func(t *testing.T) { opsSentinelFailover(t, 1, 0) })
	t.Run("waiting for a replica", func(t *testing.T) { opsSentinelFailover(t, 2, 1) })
}

func opsSentinelFailover(t *testing.T, replicas, wait int) {
	const masterName = "fdmaster"
	primary := opsRedisServer(t, "primary")
	var addrs []string
	for i := range replicas {
		// Replicas that are waited for need not fsync every write: a
		// write is safe once it is on two machines.
		replica := opsRedisServer(t, fmt.Sprintf("replica%d", i+1), "--replicaof", "127.0.0.1", strconv.Itoa(primary.port),
			"--appendfsync", map[bool]string{true: "everysec", false: "always"}[wait > 0])
		addrs = append(addrs, replica.Addr())
		if err := storetest.AwaitSync(replica.Addr(), 10*time.Second); err != nil {
			t.Fatalf("replica %d: %v", i+1, err)
		}
	}
	sentinels := opsSentinels(t, 3, masterName, primary)
	// Every sentinel must see the others and the replica before a failover
	// can be authorised.
	if err := opsEventually(20*time.Second, func() error {
		for _, s := range sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
			ok, err1 := c.CkQuorum(context.Background(), masterName).Result()
			known, err2 := c.Replicas(context.Background(), masterName).Result()
			c.Close()
			if err1 != nil || err2 != nil || !strings.HasPrefix(ok, "OK 3 ") || len(known) != replicas {
				return fmt.Errorf("%s: %q %v, %d replicas %v", s.name, ok, err1, len(known), err2)
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("sentinels not ready: %v", err)
	}
	var hosts []string
	for _, s := range sentinels {
		hosts = append(hosts, s.Addr())
	}
	url := "redis+sentinel://" + strings.Join(hosts, ",") + "/" + masterName + "/0"
	p := opsServe(t, "server", map[string]string{"REDIS_URL": url, "FRONTDOOR_REDIS_WAIT_REPLICAS": strconv.Itoa(wait),
		"FRONTDOOR_REDIS_WAIT_TIMEOUT": "1500ms"})

	opsFailover(t, p, url, wait, opsComplaint("sentinel"), primary.Kill, func() bool {
		return slices.Contains(addrs, opsSentinelMaster(sentinels[0], masterName))
	}, fmt.Sprintf("sentinel failover with %d replicas, replies waiting for %d", replicas, wait))
}

// opsFailover drives complaints at server p, kills Redis's primary and
// waits until promoted reports a replica in its place. It then checks what
// a failover must keep: only 503s while no primary answers, service back
// by itself, and every ticket number given out readable at redisURL and
// listed by the business's own progress query. With asynchronous
// replication (wait 0) the old primary may have acknowledged writes its
// replica never received, as the README warns: those losses are reported,
// not failed; replies that wait for a replica must lose nothing. what names
// the setup in the log.
func opsFailover(t *testing.T, p *opsProc, redisURL string, wait int, msg func(n int64) opsMessage, kill func(), promoted func() bool, what string) {
	t.Helper()
	tr := opsDrive(opsTrafficOptions{Workers: 4, Target: func(int64) string { return p.URL() }, Message: msg, Timeout: 10 * time.Second})
	defer tr.Stop()
	tr.WaitOK(t, 100, 20*time.Second)
	before := len(tr.Acked())
	faultAt := time.Now()
	kill()
	var promotedAt time.Time
	if err := opsEventually(30*time.Second, func() error {
		if !promoted() {
			return errOps
		}
		promotedAt = time.Now()
		return nil
	}); err != nil {
		t.Fatalf("no replica was promoted within 30 s")
	}
	tr.WaitOK(t, 100, 30*time.Second)
	tr.Stop()
	out := tr.Outage(faultAt)
	acked := tr.Acked()
	t.Logf("%s: %d acknowledged before the kill, %d in all; replica promoted %v after the kill; "+
		"service back %v after the kill; business saw: %s; all outcomes %v",
		what, before, len(acked), promotedAt.Sub(faultAt).Round(time.Millisecond), out.Recovered.Round(time.Millisecond),
		out.Business, tr.Counts())
	opsOnly5xxAre503(t, tr.Counts())
	if !out.Resumed {
		t.Fatalf("service did not resume after the failover")
	}

	// Every ticket number given out is readable on the new primary…
	rdb := opsRedis(t, redisURL)
	missing := opsMissing(t, rdb, acked)
	switch {
	case len(missing) > 0 && wait > 0:
		t.Errorf("%d of %d acknowledged tickets lost in the failover although every reply waited for a replica: %v",
			len(missing), len(acked), missing)
	case len(missing) > 0:
		t.Logf("%d of %d acknowledged tickets lost in the failover, written on the old primary and not yet on its replica "+
			"(asynchronous replication): %v", len(missing), len(acked), missing)
	}
	// …and through the business's own progress query, for those answered
	// just before and just after the kill.
	from := max(0, before-20)
	for _, a := range acked[from:min(len(acked), before+20)] {
		if slices.ContainsFunc(missing, func(m string) bool { return strings.HasPrefix(m, a.Ticket+" ") }) {
			continue
		}
		r := opsProgress(t, p.URL(), a.User)
		if !strings.Contains(r.Reply.Reply, a.Ticket) {
			t.Errorf("progress query of %s after the failover does not list %s: %q", a.User, a.Ticket, r.Reply.Reply)
		}
	}
}
