//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// dirLock is an exclusive flock on a file in the data dir. Two redis-servers
// appending to one append-only file would corrupt it, which is easy to cause
// by starting the server twice.
type dirLock struct{ f *os.File }

func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, "embedded.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock embedded redis data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("store: embedded redis data dir %s is in use by another process (a second server, or a redis-server one left behind); stop it or use another dir", dir)
		}
		// The file system cannot lock (some network and VM mounts): run
		// without the guard rather than not at all on a developer machine.
	}
	return &dirLock{f: f}, nil
}

// inherit hands the locked file to the child, so the lock lasts as long as
// the redis-server does, even if the server dies without closing it.
func (l *dirLock) inherit(cmd *exec.Cmd) {
	cmd.ExtraFiles = append(cmd.ExtraFiles, l.f)
}

func (l *dirLock) release() {
	l.f.Close()
}
