//go:build linux

package store

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmbeddedChildDiesWithServer kills a server process with SIGKILL, which
// it cannot handle, and expects its redis-server to follow.
func TestEmbeddedChildDiesWithServer(t *testing.T) {
	requireRedisServer(t)
	if dir := os.Getenv("FD_STORE_HELPER_DIR"); dir != "" {
		runHelperServer(dir)
		return
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestEmbeddedChildDiesWithServer$")
	helper.Env = append(os.Environ(), "FD_STORE_HELPER_DIR="+t.TempDir())
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	pid, err := readChildPid(out)
	if err != nil {
		helper.Process.Kill()
		helper.Wait()
		t.Fatal(err)
	}
	helper.Process.Kill()
	helper.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("redis-server %d outlived its server", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runHelperServer is the server side: start, report the child, wait to be killed.
func runHelperServer(dir string) {
	e, err := StartEmbedded(context.Background(), EmbeddedOptions{Dir: dir})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Printf("pid=%d\n", e.child.cmd.Process.Pid)
	time.Sleep(30 * time.Second)
	e.Close()
}

func readChildPid(out io.Reader) (int, error) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "pid="); ok {
			return strconv.Atoi(v)
		}
		if strings.HasPrefix(sc.Text(), "error:") {
			return 0, fmt.Errorf("helper: %s", sc.Text())
		}
	}
	return 0, fmt.Errorf("helper printed no pid: %v", sc.Err())
}
