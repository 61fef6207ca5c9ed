package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"frontdoor/bot/store/storetest"
)

// TestTicketsSurviveRestart: a ticket number given to a business is still
// there after the server and Redis restart — with REDIS_URL at a Redis
// that writes its append-only file with appendfsync always, and with the
// embedded default.
func TestTicketsSurviveRestart(t *testing.T) {
	opsNeed(t, "redis-server")

	t.Run("REDIS_URL, AOF appendfsync always, Redis killed", func(t *testing.T) {
		rs := storetest.StartServer(t) // --appendonly yes --appendfsync always
		p := opsServe(t, "server", map[string]string{"REDIS_URL": rs.URL()})
		id := opsOpen(t, p, "u-dur-redis", "d1")
		p.Stop()  // SIGTERM: drains and exits 0
		rs.Stop() // SIGKILL: Redis gets no chance to flush anything more
		rs.Start()
		p.Start()
		t.Logf("restart to ready: %v", p.Ready)
		opsSeesTicket(t, p, "u-dur-redis", id)
	})

	t.Run("embedded Redis under FRONTDOOR_DATA_DIR", func(t *testing.T) {
		data := t.TempDir()
		p := opsServe(t, "embedded", map[string]string{"FRONTDOOR_DATA_DIR": data})
		t.Logf("first start with the embedded Redis to ready: %v", p.Ready)
		first := opsOpen(t, p, "u-dur-emb", "e1")
		p.Stop()
		if _, err := os.Stat(filepath.Join(data, "redis")); err != nil {
			t.Fatalf("no embedded Redis directory: %v", err)
		}
		p.Start()
		t.Logf("clean restart to ready: %v", p.Ready)
		opsSeesTicket(t, p, "u-dur-emb", first)

		// A crash of the server: its redis-server child is told to stop
		// (SIGTERM via the parent-death signal) and keeps what it had
		// acknowledged, since every write was fsynced.
		second := opsOpen(t, p, "u-dur-emb", "e2")
		p.Kill()
		p.Start()
		t.Logf("restart after SIGKILL to ready: %v", p.Ready)
		opsSeesTicket(t, p, "u-dur-emb", first, second)
	})
}

// opsOpen opens a complaint and returns its ticket id.
func opsOpen(t testing.TB, p *opsProc, user, msgID string) string {
	t.Helper()
	r := opsMustSend(t, p.URL(), opsMessage{User: user, Region: opsComplaintRegn, Text: opsComplaintText, MsgID: msgID})
	id := r.TicketID()
	if id == "" {
		t.Fatalf("complaint opened no ticket: %s", r.Body)
	}
	return id
}

// opsSeesTicket asks for the user's requests and wants every id listed.
func opsSeesTicket(t testing.TB, p *opsProc, user string, ids ...string) {
	t.Helper()
	r := opsProgress(t, p.URL(), user)
	for _, id := range ids {
		if !strings.Contains(r.Reply.Reply, id) {
			t.Errorf("progress query after restart does not list %s: %q", id, r.Reply.Reply)
		}
	}
}

// TestInProcessStoreIsShared: without redis-server on PATH the server
// keeps its data in memory, and commands run beside it (frontdoor user add)
// reach that same store through the address it records, instead of
// writing to a store of their own that vanishes when they exit.
func TestInProcessStoreIsShared(t *testing.T) {
	p := opsServe(t, "in-process", map[string]string{"PATH": "/nonexistent"})
	opsOpen(t, p, "u-mem", "m1")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(opsBuild.path, args...)
		cmd.Env, cmd.Dir = p.env, p.workDir
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("frontdoor %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("password-123\n", "user", "add", "--name", "clerk-mem", "--role", "manager", "--region", opsComplaintRegn)
	if out := run("", "user", "list"); !strings.Contains(out, "clerk-mem") {
		t.Errorf("user list beside the server does not show the user just added:\n%s", out)
	}
}
