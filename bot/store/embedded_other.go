//go:build !linux

package store

import "os/exec"

// setProcAttr leaves the child in the server's process group: other systems
// have no parent-death signal, so the child must at least stop with the
// terminal's Ctrl-C when the server is not around to Close it.
func setProcAttr(*exec.Cmd) {}
