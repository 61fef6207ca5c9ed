// Package bottest builds a complete engine for tests: the shipped seeds,
// the official calendar, and a real Redis under a key prefix of the
// test's own.
package bottest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/bot/alert"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot"
	"frontdoor/bot/clock"
	"frontdoor/bot/intent"
	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/system"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

var (
	kbOnce sync.Once
	kb     *knowledge.Base
	kbErr  error

	modelOnce sync.Once
	model     *intent.Model
	modelErr  error
)

// Intents is the intent model trained on the shipped corpus, once per test
// binary.
func Intents(t testing.TB) *intent.Model {
	t.Helper()
	modelOnce.Do(func() { model, modelErr = sharedModel() })
	if modelErr != nil {
		t.Fatalf("train the intent model: %v", modelErr)
	}
	return model
}

// sharedModel is the shipped corpus's model, kept in a file of the
// system's temporary directory between test binaries: most packages'
// tests use it, and under the race detector training it takes seconds in
// each. The file is keyed, as a server's is, by every message and label
// and the training options, and by the intent package's sources in place
// of the program's build, so a change to the corpus or to how the model
// is trained trains it anew. Without the sources (a test binary moved
// away from them) it trains.
func sharedModel() (*intent.Model, error) {
	exs, err := intent.LoadCorpus(seeds.FS)
	if err != nil {
		return nil, err
	}
	src, err := intentSources()
	if err != nil {
		return intent.Train(exs, intent.Options{})
	}
	path := filepath.Join(os.TempDir(), "frontdoor-test-intent.model")
	m, _, _, err := intent.Cached(path, nil, exs, intent.Options{}, "test, intent sources "+src)
	return m, err
}

// intentSources is the SHA-256 of the intent package's Go files.
func intentSources() (string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("no source path")
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(self), "..", "intent", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("intent sources: %v", err)
	}
	h := sha256.New()
	for _, f := range files { // Glob sorts
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// KB is the knowledge base of the shipped seeds, loaded once per test binary.
func KB(t testing.TB) *knowledge.Base {
	t.Helper()
	kbOnce.Do(func() { kb, kbErr = knowledge.Load(seeds.FS, knowledge.Options{}) })
	if kbErr != nil {
		t.Fatalf("load seeds: %v", kbErr)
	}
	return kb
}

// Policy is the clock policy of the seeds' calendar and catalogue, built
// as the server builds it.
func Policy(t testing.TB, b *knowledge.Base) *clock.Policy {
	t.Helper()
	data, err := seeds.FS.ReadFile("calendar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := system.Policy(data, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Env is an engine with everything it was built from.
type Env struct {
	// System is the engine, its stores and the desk, as the server builds
	// them; its counters are registered nowhere, its staff passwords hash
	// at the least cost and its desk waits the default budget.
	*system.System
	Redis redis.UniversalClient
	// Commands is what the stores send through Redis: Redis, auto-pipelined
	// as the server's is.
	Commands store.Client
	Keys     store.Keys
	KB       *knowledge.Base
	Clock    *FakeClock
}

// Options tune a test engine.
type Options struct {
	Config  bot.Config
	Pushers map[string]bot.Pusher
	Phraser bot.Phraser
	// Now starts a fake clock at this time (zero: the real clock).
	Now time.Time
	// Redis replaces the shared test Redis (for outage tests).
	Redis redis.UniversalClient
	// Replication is what the ticket store, and so the engine, wait for.
	Replication store.Replication
	// Alerts configure the alert sender (Env.Alerts), which the test runs.
	Alerts alert.Config
	// KB replaces the seeds' knowledge base; the engine reads it anew for
	// every message, so a test can swap it.
	KB func() *knowledge.Base
	// Intents replaces the model trained on the shipped corpus, for a test
	// that needs the model to read a message one way.
	Intents *intent.Model
}

// New builds an engine on the test Redis.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	var rdb redis.UniversalClient
	var keys store.Keys
	if opts.Redis != nil {
		rdb, keys = opts.Redis, store.Keys{Prefix: "fdtest-own"}
	} else {
		rdb, keys = storetest.Client(t)
	}
	kb := opts.KB
	if kb == nil {
		b := KB(t)
		kb = func() *knowledge.Base { return b }
	}
	m := opts.Intents
	if m == nil {
		m = Intents(t)
	}
	env := &Env{Redis: rdb, Keys: keys, KB: kb()}
	now := time.Now
	if !opts.Now.IsZero() {
		env.Clock = &FakeClock{t: opts.Now}
		now = env.Clock.Now
	}
	cmds, err := dial.Commands(rdb, true)
	if err != nil {
		t.Fatal(err)
	}
	env.Commands = cmds
	// Staff passwords hash at the least cost: tests log in often.
	env.System = system.New(system.Settings{Engine: opts.Config, Replication: opts.Replication, Alerts: opts.Alerts,
		Staff: staff.Options{Cost: bcrypt.MinCost}},
		system.Parts{Redis: cmds, Keys: keys, KB: kb, Intents: func() *intent.Model { return m },
			Policy: Policy(t, env.KB), Pushers: opts.Pushers, Phraser: opts.Phraser, Now: now})
	return env
}

// FakeClock is a clock tests move by hand.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now reads the clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
