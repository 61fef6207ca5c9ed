//go:build linux

package store

import (
	"os/exec"
	"syscall"
)

// setProcAttr ties the redis-server child to the server. Pdeathsig: if the
// server dies, even by SIGKILL, the child gets SIGTERM and goes with it
// instead of holding the port and the data dir. Setpgid: Ctrl-C in a
// terminal signals the foreground process group, and the child must not quit
// before the server has drained its requests and closed it.
//
// Pdeathsig fires when the OS thread that started the child exits; Go only
// retires threads of goroutines that end while locked to one, which callers
// of StartEmbedded do not do.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}
