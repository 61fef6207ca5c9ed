package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errPortTaken marks a start that failed only because the port was gone.
var errPortTaken = errors.New("port already in use")

const (
	logTailLines = 15
	logTailBytes = 64 << 10
)

// child is a running redis-server.
type child struct {
	cmd       *exec.Cmd
	port      int
	output    *tailBuffer // stdout and stderr: config errors never reach the log file
	logPath   string
	logOffset int64 // size of the log file before this start, so older runs do not count
	lock      *dirLock
	exited    chan struct{}
	waitErr   error // valid once exited is closed
}

// serverArgs is the redis-server command line. appendfsync always: a ticket
// number handed to a business must never be lost, and a development load
// does not notice the cost. save "": the append-only file is the only
// persistence, so there is one thing to reason about.
func serverArgs(dir string, port int, logPath string) []string {
	return []string{
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--dir", dir,
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--logfile", logPath,
		// tickets keep small audit streams; 4 KB nodes would waste most of it
		"--stream-node-max-bytes", "1024",
	}
}

// launch starts redis-server on port and waits until it answers. On failure
// the child is killed and reaped, and the error carries the end of its log.
func launch(ctx context.Context, bin, dir string, port int, lock *dirLock) (*child, error) {
	logPath := filepath.Join(dir, "redis.log")
	cmd := exec.Command(bin, serverArgs(dir, port, logPath)...)
	cmd.Dir = dir
	out := &tailBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// A forked AOF rewrite inherits the output pipe; do not let it hold up
	// reaping after the server itself has gone.
	cmd.WaitDelay = time.Second
	setProcAttr(cmd)
	lock.inherit(cmd)
	c := &child{cmd: cmd, port: port, output: out, logPath: logPath, logOffset: fileSize(logPath), lock: lock, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("store: start %s: %w", bin, err)
	}
	go c.reap()
	if err := c.waitReady(ctx); err != nil {
		c.kill()
		return nil, c.startError(err)
	}
	return c, nil
}

func (c *child) reap() {
	c.waitErr = c.cmd.Wait()
	close(c.exited)
}

func (c *child) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port))
}

// waitReady polls until the child answers PING, exits, or readyTimeout
// passes. A server still loading its append-only file answers LOADING and is
// not ready yet.
func (c *child) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// A probe stuck on a port someone else holds must not hide that the
	// child has already given up.
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	go func() {
		select {
		case <-c.exited:
			stopProbe()
		case <-probeCtx.Done():
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := probe(probeCtx, c.addr(), c.cmd.Process.Pid)
		if err == nil || errors.Is(err, errPortTaken) {
			return err
		}
		select {
		case <-c.exited:
			return fmt.Errorf("redis-server exited: %v", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("no answer to PING within %v: %w (last: %v)", readyTimeout, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// probe sends PING and, once it is answered, checks with INFO that the
// answer came from our child and not from a process that took the port
// before it could bind.
func probe(ctx context.Context, addr string, pid int) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Reads do not watch ctx; closing the connection ends them.
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	r := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if reply := strings.TrimSpace(line); reply != "+PONG" {
		return fmt.Errorf("PING answered %q", reply)
	}
	info, err := command(conn, r, "INFO server")
	if err != nil {
		return err
	}
	if !strings.Contains(info, "\nprocess_id:"+strconv.Itoa(pid)+"\r\n") {
		return fmt.Errorf("%w: %s answers, but not as our redis-server", errPortTaken, addr)
	}
	return nil
}

// command sends an inline command and reads a bulk string reply.
func command(w io.Writer, r *bufio.Reader, cmd string) (string, error) {
	if _, err := io.WriteString(w, cmd+"\r\n"); err != nil {
		return "", err
	}
	header, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	header = strings.TrimSpace(header)
	n, err := strconv.Atoi(strings.TrimPrefix(header, "$"))
	if !strings.HasPrefix(header, "$") || err != nil || n < 0 {
		return "", fmt.Errorf("%s answered %q", cmd, header)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	return string(body[:n]), nil
}

// startError explains a failed start with the end of the child's output and
// log, and marks a lost port so that the caller retries on another.
func (c *child) startError(err error) error {
	tail := c.tail()
	if strings.Contains(tail, "Address already in use") && !errors.Is(err, errPortTaken) {
		err = fmt.Errorf("%w: %w", errPortTaken, err)
	}
	if tail == "" {
		return fmt.Errorf("store: embedded redis-server on port %d: %w", c.port, err)
	}
	return fmt.Errorf("store: embedded redis-server on port %d: %w\nlast lines of %s:\n%s", c.port, err, c.logPath, tail)
}

// tail returns the last lines the child wrote, to its output or its log.
func (c *child) tail() string {
	text := strings.TrimSpace(c.output.String() + "\n" + readFrom(c.logPath, c.logOffset))
	lines := strings.Split(text, "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return strings.Join(lines, "\n")
}

// stop sends SIGTERM, waits up to grace, then kills. The child is always
// reaped and the data dir released before stop returns.
func (c *child) stop(grace time.Duration) error {
	defer c.lock.release()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		// Signals other than kill are not supported everywhere.
		_ = c.cmd.Process.Kill()
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.exited:
		if c.waitErr != nil {
			return fmt.Errorf("store: embedded redis-server: %w", c.waitErr)
		}
		return nil
	case <-timer.C:
		c.kill()
		return fmt.Errorf("store: embedded redis-server did not stop within %v and was killed", grace)
	}
}

// kill ends the child at once and reaps it.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns what was written to path after offset, at most the last
// logTailBytes of it.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if size := fileSize(path); size-offset > logTailBytes {
		offset = size - logTailBytes
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, logTailBytes))
	return string(b)
}

// tailBuffer keeps the last max bytes written to it. exec copies the child's
// output into it from its own goroutine, hence the mutex.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
