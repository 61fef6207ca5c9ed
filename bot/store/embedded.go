package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Kinds of embedded Redis, as reported in Embedded.Kind.
const (
	KindRedisServer = "redis-server"
	KindMiniredis   = "miniredis"
)

const (
	// portAttempts bounds the retries when another process grabs the free
	// port between our probe and the child's bind.
	portAttempts = 3
	readyTimeout = 5 * time.Second
	stopTimeout  = 5 * time.Second
	// sweepInterval is how often the in-process store drops expired keys
	// when nobody touches it.
	sweepInterval = 250 * time.Millisecond
)

// EmbeddedOptions configures StartEmbedded.
type EmbeddedOptions struct {
	Dir    string       // data directory (created 0700); the in-process store ignores it
	Binary string       // "" = look up redis-server on PATH; "-" = force the in-process store
	Logger *slog.Logger // nil = slog.Default()
}

// Embedded is a Redis the server starts for itself when no REDIS_URL is configured.
//
// With a redis-server binary the data lives in an append-only file in Dir,
// fsynced on every write, and survives restarts. Without one it is an
// in-process miniredis that loses everything on exit (Durable is false).
type Embedded struct {
	URL     string // redis://127.0.0.1:port, for Open
	Kind    string // KindRedisServer or KindMiniredis
	Durable bool   // whether data survives Close and a new start on the same Dir

	child *child               // set for KindRedisServer
	mini  *miniredis.Miniredis // set for KindMiniredis
	sweep context.CancelFunc
	swept chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// StartEmbedded starts a private Redis on 127.0.0.1 and a free port: a
// redis-server child process when one is found (see EmbeddedOptions.Binary),
// otherwise an in-process miniredis. ctx bounds the start only; the Redis
// runs until Close. An explicitly named Binary that cannot be found is an
// error rather than a silent fall back to a store that forgets.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (*Embedded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	bin, err := findRedisServer(opts.Binary)
	if err != nil {
		return nil, err
	}
	if bin == "" {
		reason := "no redis-server on PATH"
		if opts.Binary == "-" {
			reason = "in-process store requested"
		}
		return startMiniredis(logger, reason)
	}
	return startRedisServer(ctx, bin, opts.Dir, logger)
}

// findRedisServer returns the binary to run, or "" for the in-process store.
func findRedisServer(binary string) (string, error) {
	switch binary {
	case "-":
		return "", nil
	case "":
		path, err := exec.LookPath("redis-server")
		if err != nil {
			return "", nil
		}
		return path, nil
	default:
		path, err := exec.LookPath(binary)
		if err != nil {
			return "", fmt.Errorf("store: embedded redis: %w", err)
		}
		return path, nil
	}
}

// Close stops the embedded Redis. A redis-server gets SIGTERM, so that it
// flushes its append-only file, and SIGKILL only if it has not exited after
// five seconds. Close is safe to call more than once.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		switch {
		case e.child != nil:
			e.closeErr = e.child.stop(stopTimeout)
		case e.mini != nil:
			e.sweep()
			<-e.swept
			e.mini.Close()
		}
	})
	return e.closeErr
}

func startRedisServer(ctx context.Context, bin, dir string, logger *slog.Logger) (*Embedded, error) {
	dir, err := prepareDir(dir)
	if err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			lock.release()
			return nil, err
		}
		c, err := launch(ctx, bin, dir, port, lock)
		if err == nil {
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			logger.Info("embedded redis-server started", "addr", addr, "dir", dir, "pid", c.cmd.Process.Pid)
			return &Embedded{URL: "redis://" + addr, Kind: KindRedisServer, Durable: true, child: c}, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			lock.release()
			return nil, err
		}
		logger.Debug("embedded redis-server lost its port, retrying", "port", port, "attempt", attempt)
	}
}

// prepareDir makes dir absolute, because redis-server resolves a relative
// --dir and --logfile against different directories, and creates it
// private to the user: it holds every session and ticket.
func prepareDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("store: embedded redis-server needs EmbeddedOptions.Dir for its data")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("store: embedded redis data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("store: embedded redis data dir: %w", err)
	}
	return abs, nil
}

// freePort asks the kernel for a port nobody uses right now. Another process
// may still take it before the child binds; launch detects that.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("store: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startMiniredis(logger *slog.Logger, reason string) (*Embedded, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("store: start in-process redis: %w", err)
	}
	// miniredis only ages keys on FastForward by default; ClockTTL makes TTLs
	// follow the wall clock like a real Redis.
	m.ClockTTL(true)
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{URL: "redis://" + m.Addr(), Kind: KindMiniredis, mini: m, sweep: cancel, swept: make(chan struct{})}
	go sweepExpired(ctx, m, e.swept)
	logger.Warn("EMBEDDED REDIS IS IN MEMORY ONLY: every session and ticket is LOST ON RESTART. Install redis-server or set REDIS_URL.",
		"reason", reason, "kind", KindMiniredis, "url", e.URL)
	return e, nil
}

// sweepExpired touches the store every sweepInterval. With ClockTTL expired
// keys are dropped only when the store is accessed, so without this an idle
// development server would hold them, and their memory, until the next
// request.
func sweepExpired(ctx context.Context, m *miniredis.Miniredis, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(sweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			m.DB(0)
		}
	}
}
