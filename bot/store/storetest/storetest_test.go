package storetest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fatalTB records the first Fatalf and stops the caller, as testing's
// own does, so that a test can watch Start fail.
type fatalTB struct {
	testing.TB
	msg string
}

type stopped struct{}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func (f *fatalTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// A server stopped to play an outage and started again must not take
// another redis-server on its port for itself.
func TestStartRefusesAnotherServersPort(t *testing.T) {
	s := StartServer(t)
	s.Stop()
	other := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--save", "", "--appendonly", "no")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	if err := awaitPing(fmt.Sprintf("127.0.0.1:%d", s.port), 5*time.Second); err != nil {
		t.Fatal(err)
	}

	f := &fatalTB{TB: t}
	s.t = f
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		s.Start()
	}()
	s.t = t
	if !strings.Contains(f.msg, "answered by another redis-server") {
		t.Errorf("Start on a port another server holds: %q", f.msg)
	}
}

func awaitPing(addr string, within time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c.Ping(context.Background()).Err() == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within %v", addr, within)
}

func TestFreePortsAreNeverHandedOutTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 50 {
		p := freePort(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}
