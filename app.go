package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"frontdoor/bot/intent"
	"frontdoor/bot/kbedit"
	"frontdoor/bot/privacy"
	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/system"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// newLogger builds the JSON logger; personal data is masked in every
// record. go-redis's messages go through it too.
func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	log := slog.New(privacy.NewHandler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
	dial.UseLogger(log)
	return log
}

// seedsFS is the knowledge directory, or the copy built into the binary
// when the directory does not exist.
func seedsFS(cfg Config, log *slog.Logger) fs.FS {
	if info, err := os.Stat(cfg.SeedsDir); err == nil && info.IsDir() {
		return os.DirFS(cfg.SeedsDir)
	}
	if log != nil {
		log.Warn("seeds directory not found; using the documents built into the binary", "dir", cfg.SeedsDir)
	}
	return seeds.FS
}

// loadKB loads documents, catalogue and synonyms, from the snapshot when
// one is configured and current (prev is the base in use, kept when
// nothing changed).
func loadKB(fsys fs.FS, log *slog.Logger, edited knowledge.Options, snap knowledge.Snapshot, prev *knowledge.Base) (*knowledge.Base, error) {
	b, use, err := knowledge.LoadWithSnapshot(fsys, edited, snap, prev)
	if err != nil {
		return nil, err
	}
	if b == prev {
		if log != nil {
			log.Info("knowledge base unchanged; the one in use is kept", "path", snap.Path)
		}
		return b, nil
	}
	if log != nil && snap.Path != "" {
		switch {
		case use.Loaded:
			log.Info("knowledge base read from its snapshot", "path", snap.Path, "reason", use.Reason)
		case use.Wrote:
			log.Info("knowledge base built and its snapshot written", "path", snap.Path, "why", use.Reason,
				"from_old_snapshot", use.Stale)
		case use.Pending:
			log.Info("knowledge base rebuilt; its snapshot is written in the background", "path", snap.Path,
				"why", use.Reason, "from_old_snapshot", use.Stale)
		default:
			log.Warn("knowledge base built from the documents", "path", snap.Path, "why", use.Reason)
		}
	}
	if log != nil {
		for _, p := range b.Problems {
			log.Warn("document not loaded", "file", p.File, "reason", p.Reason)
		}
		for _, d := range b.Docs {
			for _, w := range d.Warnings {
				log.Warn("document warning", "file", d.File, "warning", w)
			}
		}
		log.Info("knowledge base loaded", "documents", len(b.Docs), "items", len(b.Items), "documents_parsed", b.Parsed, "regions_rebuilt", b.Rebuilt,
			"regions", strings.Join(b.Regions(), ","), "ms", b.BuildTime.Milliseconds())
	}
	return b, nil
}

// snapshotOf is where the knowledge base's snapshot is kept: nowhere when
// the documents are the binary's own copy or the setting is off.
func snapshotOf(cfg Config, fsys fs.FS, build string) knowledge.Snapshot {
	if fsys == seeds.FS || cfg.KBSnapshot == "" || cfg.KBSnapshot == "off" {
		return knowledge.Snapshot{}
	}
	path := cfg.KBSnapshot
	if !filepath.IsAbs(path) {
		path = filepath.Join(cfg.SeedsDir, path)
	}
	return knowledge.Snapshot{Path: path, Build: build}
}

// buildIdentity names this program for the snapshot: its version and the
// SHA-256 of its executable, so that a snapshot another build wrote is
// rebuilt (a development build's version does not change with its code)
// while one `kb build` wrote with the same binary, copied into an image,
// is used. It reads the executable, about 0.1 s: once per process.
func buildIdentity() string {
	id := version
	exe, err := os.Executable()
	if err != nil {
		return id
	}
	f, err := os.Open(exe)
	if err != nil {
		return id
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return id
	}
	return id + " " + hex.EncodeToString(h.Sum(nil))
}

// corpusLayers are where the corpus is read from: the binary's copy, then
// the knowledge directory's own files.
func corpusLayers(fsys fs.FS) []fs.FS {
	if fsys == seeds.FS {
		return []fs.FS{seeds.FS}
	}
	return []fs.FS{seeds.FS, fsys}
}

// loadIntents trains the intent model on the corpus shipped in the binary
// and the knowledge directory's own corpus files (a file of the directory
// replaces the shipped file of the same name), or reads the model trained
// from the same corpus by the same build from the file at cache. A reload
// whose corpus did not change keeps prev, the model in use: with the
// binary's own seeds there is no file to read, and training again would
// cost half a second of two cores for the same model.
func loadIntents(fsys fs.FS, log *slog.Logger, cache, build string, prev *intent.Model) (*intent.Model, error) {
	start := time.Now()
	exs, err := intent.LoadCorpus(corpusLayers(fsys)...)
	if err != nil {
		return nil, fmt.Errorf("intent model: %w", err)
	}
	m, read, why, err := intent.Cached(cache, prev, exs, intent.Options{}, build)
	if err != nil {
		return nil, fmt.Errorf("intent model: %w", err)
	}
	if log != nil {
		msg, attrs := "intent model trained", []any{"why", why}
		switch {
		case m == prev:
			msg, attrs = "intent model kept: its corpus did not change", nil
		case read:
			msg, attrs = "intent model read from its file", nil
		}
		log.Info(msg, append(attrs, "path", cache, "examples", m.Examples, "features", m.Features(), "ms", time.Since(start).Milliseconds())...)
	}
	return m, nil
}

// modelFileOf is where the intent model is kept: beside the knowledge
// base's snapshot, and nowhere when there is none.
func modelFileOf(snap knowledge.Snapshot) string {
	if snap.Path == "" {
		return ""
	}
	return snap.Path + ".intent"
}

// load builds the knowledge base and trains the intent model side by side,
// and keeps the model once both succeed: a reload that fails keeps the
// old pair.
func (a *app) load(fsys fs.FS) (*knowledge.Base, error) {
	type trained struct {
		m   *intent.Model
		err error
	}
	done := make(chan trained, 1)
	snap := snapshotOf(a.cfg, fsys, a.build)
	snap.Writer = a.snapshots
	go func() {
		m, err := loadIntents(fsys, a.log, modelFileOf(snap), a.build, a.intents.Load())
		done <- trained{m, err}
	}()
	var prev *knowledge.Base
	if a.lib != nil {
		prev = a.lib.Current()
	}
	b, err := loadKB(fsys, a.log, a.edited(), snap, prev)
	t := <-done
	if err != nil {
		return nil, err
	}
	if t.err != nil {
		return nil, t.err
	}
	a.intents.Store(t.m)
	return b, nil
}

// calendarYAML is the official calendar's data: the knowledge
// directory's calendar.yaml, or the one built into the binary.
func calendarYAML(fsys fs.FS) ([]byte, error) {
	data, err := fs.ReadFile(fsys, "calendar.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		data, err = seeds.FS.ReadFile("calendar.yaml")
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return data, nil
}

// app is the wired service.
type app struct {
	cfg      Config
	log      *slog.Logger
	registry *prometheus.Registry
	conn     *dial.Conn
	rdb      store.Client // conn's commands
	embedded *store.Embedded
	lib      *knowledge.Library
	build    string                       // this program, for the knowledge-base snapshot
	intents  atomic.Pointer[intent.Model] // trained with every load of lib
	// snapshots writes a reload's snapshot after the reload is served.
	snapshots *knowledge.SnapshotWriter
	// kbedits reads the editors' changes for every build of the base.
	kbedits *kbedit.Store
	// edits are the editors' changes the current base was built with,
	// and their version; kept for a rebuild while Redis is away.
	editsMu      sync.Mutex
	edits        []kbedit.Edit
	editsVersion string
	// System is the engine with its stores and the platforms' desk.
	*system.System
}

// newApp connects Redis (or starts the embedded one), loads the knowledge
// base and builds the engine, from a configuration it validates: every
// command, and the server, are built here and nowhere else.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	fsys := seedsFS(cfg, log)
	if snapshotOf(cfg, fsys, "").Path != "" {
		a.build = buildIdentity()
		writes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdoor_kb_snapshot_writes_total",
			Help: "Knowledge-base snapshots written after a reload, by outcome (written, failed)."}, []string{"outcome"})
		a.registry.MustRegister(writes)
		a.snapshots = knowledge.NewSnapshotWriter(func(b *knowledge.Base, took time.Duration, err error) {
			if err != nil {
				writes.WithLabelValues("failed").Inc()
				log.Warn("knowledge-base snapshot not written; the next start rebuilds what changed since the last one", "err", err)
				return
			}
			writes.WithLabelValues("written").Inc()
			log.Info("knowledge-base snapshot written", "ms", took.Milliseconds())
		})
	}
	// Redis before the knowledge base: the editors' changes live there, and
	// a base built without them would neither match the snapshot written
	// with them nor serve them until the first look for new ones.
	built := false
	defer func() {
		if !built {
			a.close()
		}
	}()
	if err := a.connect(ctx); err != nil {
		return nil, err
	}
	keys := store.Keys{Prefix: cfg.RedisPrefix}
	a.kbedits = kbedit.New(a.rdb, keys)
	// The collector keeps its pace while the base loads: letting the heap
	// grow fivefold (GOGC 400) saved nothing once the model and the base
	// were read from their files, and doubled the peak of a full build
	// (100× the seeds: 1.1–1.2 GB against 0.56–0.60 GB).
	lib, err := knowledge.NewLibrary(func() (*knowledge.Base, error) { return a.load(fsys) })
	// Loading and training leave a heap several times what stays live;
	// hand it back rather than carry it as resident memory until the
	// runtime's scavenger gets to it — beside start-up, not in its way.
	go debug.FreeOSMemory()
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	a.lib = lib
	missing := prometheus.NewCounter(prometheus.CounterOpts{Name: "frontdoor_calendar_missing_year_total",
		Help: "Computations that touched a year with no official holiday schedule."})
	a.registry.MustRegister(missing)
	calData, err := calendarYAML(fsys)
	if err != nil {
		return nil, err
	}
	policy, err := system.Policy(calData, lib.Current(), func(y int) {
		log.Warn("no official holiday schedule for this year; counting weekends only until one is added", "year", y)
		missing.Inc()
	})
	if err != nil {
		return nil, err
	}
	replication := cfg.Replication()
	replication.Primaries = a.conn.Primaries()
	a.System = system.New(system.Settings{Engine: cfg.engine(), ReplyBudget: cfg.ReplyBudget, Replication: replication,
		Alerts: cfg.alerts(),
		Staff: staff.Options{SessionTTL: cfg.SessionTTL, Cost: cfg.BcryptCost, Throttle: staff.Throttle{
			MaxFailures: cfg.LoginMaxFailures, AddrMaxFailures: 4 * cfg.LoginMaxFailures, Window: cfg.LoginWindow}}},
		system.Parts{Redis: a.rdb, Keys: keys, KB: lib.Current, Intents: a.intents.Load, Policy: policy,
			Pushers: a.pushers(keys), Phraser: a.phraser(), Registry: a.registry, Logger: log})
	built = true
	return a, nil
}

// connect opens REDIS_URL, or starts the embedded Redis.
func (a *app) connect(ctx context.Context) error {
	url := a.cfg.RedisURL
	if url == "" {
		url = a.sharedEmbedded(ctx)
	}
	if url == "" {
		dir := filepath.Join(a.cfg.DataDir, "redis")
		e, err := store.StartEmbedded(ctx, store.EmbeddedOptions{Dir: dir, Logger: a.log})
		if err != nil {
			return fmt.Errorf("embedded redis: %w", err)
		}
		a.embedded = e
		url = e.URL
		// commands run beside the server (frontdoor user add …) find it here;
		// the in-process store makes no directory of its own
		err = os.MkdirAll(dir, 0o700)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "url"), []byte(e.URL+"\n"+strconv.Itoa(os.Getpid())+"\n"), 0o600)
		}
		if err != nil {
			a.log.Warn("record embedded redis address", "err", err)
		}
		a.log.Info("embedded redis started", "kind", e.Kind, "durable", e.Durable, "dir", dir)
	}
	conn, err := dial.Open(ctx, url, dial.Settings{AutoPipeline: a.cfg.RedisAutoPipeline})
	if conn == nil {
		return fmt.Errorf("redis: %w", err)
	}
	if err != nil {
		// go-redis reconnects by itself: start degraded, /readyz says so
		a.log.Warn("redis not reachable yet; serving degraded until it is", "url", dial.Redact(url), "err", err)
	}
	a.conn, a.rdb = conn, conn.Client()
	if err == nil {
		a.warnFewReplicas(ctx)
	}
	return nil
}

// warnFewReplicas says at start-up when Redis (any primary of a Cluster)
// has fewer replicas than every write waits for: until they connect, each
// write is refused.
func (a *app) warnFewReplicas(ctx context.Context) {
	want := a.cfg.RedisWaitReplicas
	if want == 0 {
		return
	}
	infos, err := a.conn.ReplicationInfo(ctx)
	if err != nil {
		return
	}
	for _, info := range infos {
		if n := connectedReplicas(info); n < want {
			a.log.Warn("redis has fewer replicas than redis_wait_replicas; writes are answered 503 until they connect",
				"connected", n, "want", want)
			return
		}
	}
}

// connectedReplicas reads connected_slaves from INFO replication.
func connectedReplicas(info string) int {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// sharedEmbedded returns the address of an embedded Redis another
// frontdoor process already runs on this data directory, if it answers.
func (a *app) sharedEmbedded(ctx context.Context) string {
	data, err := os.ReadFile(filepath.Join(a.cfg.DataDir, "redis", "url"))
	if err != nil {
		return ""
	}
	url, owner, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(owner)); err == nil && processGone(pid) {
		// The server that started it died without removing the record: its
		// redis-server is being stopped (the parent-death signal) and would
		// vanish under whoever took it. Let it go before a new one starts in
		// its directory.
		deadline := time.Now().Add(10 * time.Second)
		for answers(ctx, url) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		return ""
	}
	if !answers(ctx, url) {
		return ""
	}
	return url
}

// answers reports whether the Redis at url answers.
func answers(ctx context.Context, url string) bool {
	c, err := dial.Open(ctx, url, dial.Settings{})
	if c != nil {
		defer c.Close()
	}
	return err == nil
}

// processGone reports whether the process pid has exited.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// ready reports whether Redis answers and a knowledge base is loaded.
func (a *app) ready(ctx context.Context) error {
	if err := a.lib.Ready(); err != nil {
		return err
	}
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// close lets a snapshot being written finish, drops one still waiting,
// then releases Redis and stops the embedded server.
func (a *app) close() {
	a.snapshots.Close()
	if a.conn != nil {
		_ = a.conn.Close()
	}
	if a.embedded != nil {
		_ = os.Remove(filepath.Join(a.cfg.DataDir, "redis", "url"))
		if err := a.embedded.Close(); err != nil {
			a.log.Warn("stop embedded redis", "err", err)
		}
	}
}

// tenantIDs lists the tenants whose clocks the scheduler fires.
func (a *app) tenantIDs() []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, t := range a.cfg.AllTenants() {
		add(t.ID)
	}
	for _, t := range a.cfg.ChannelTenants() {
		add(t)
	}
	return out
}
