package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdoor/handlers/handlertest"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/intent"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/storetest"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// followingReplicas starts n apps on the test Redis under a key prefix of
// their own, each following the editors' changes as a server does.
func followingReplicas(ctx context.Context, t *testing.T, n int) ([]*app, Config) {
	t.Helper()
	cfg := Defaults()
	cfg.RedisURL = storetest.URL()
	cfg.RedisPrefix = "fdtest-kbedit-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cfg.DataDir = t.TempDir()
	cfg.KBSnapshot = filepath.Join(cfg.DataDir, "kb.snapshot")
	presetModel(t, cfg)
	replicas := make([]*app, n)
	for i := range replicas {
		a, err := newApp(ctx, cfg, handlertest.Quiet())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.close)
		go followEdits(ctx, a, 50*time.Millisecond)
		replicas[i] = a
	}
	return replicas, cfg
}

// testBuild is buildIdentity of this test binary, read once.
var testBuild = sync.OnceValue(buildIdentity)

// presetModel writes the shipped corpus's model where an app of cfg keeps
// it, keyed for this binary, so that the app reads it instead of training:
// these tests are about editors' changes, and training under the race
// detector takes seconds in each. When the seeds directory's corpus is not
// the shipped one the app trains as it would.
func presetModel(t *testing.T, cfg Config) {
	t.Helper()
	fsys := seedsFS(cfg, nil)
	path := modelFileOf(snapshotOf(cfg, fsys, ""))
	exs, err := intent.LoadCorpus(corpusLayers(fsys)...)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := intent.LoadCorpus(seeds.FS)
	if err != nil {
		t.Fatal(err)
	}
	if path == "" || !slices.Equal(exs, shipped) {
		return
	}
	var buf bytes.Buffer
	if err := bottest.Intents(t).Write(&buf, intent.ModelKey(exs, intent.Options{}, testBuild())); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEditsReachEveryReplica: an editor adds a business's wording as a
// question of an item through one replica; the other replica, running on,
// answers that wording with the item within seconds, without a restart or
// a reload by anyone. An editor of another region is refused, and the
// document's questions export as a file that loads back unchanged.
func TestEditsReachEveryReplica(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replicas, cfg := followingReplicas(ctx, t, 2)
	const region, question = "葛店开发区", "外地工人的崽崽念书找哪个"
	target, ok := replicas[0].lib.Current().FindItem("001_ae791fdead5d71ad.txt", "32")
	if !ok {
		t.Fatal("no item 32")
	}
	ask := func(a *app, user string) bot.Reply {
		r, err := a.Engine.Handle(ctx, bot.Inbound{Tenant: "demo", User: user, Region: region, Text: question})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cites := func(r bot.Reply) bool {
		return len(r.Citations) > 0 && r.Citations[0].Doc == target.Doc && r.Citations[0].Item == target.Number
	}
	if r := ask(replicas[1], "u-before"); cites(r) {
		t.Fatalf("the item is found already; the test needs a wording it misses: %+v", r.Citations)
	}

	other := &staff.User{Name: "ed-hgt", Role: staff.RoleEditor, Region: "红谷滩区", Tenant: "demo"}
	if _, err := replicas[0].Engine.AddQuestion(ctx, other, target.Doc, target.Path, question); err == nil {
		t.Fatal("an editor of another region changed this one")
	}
	editor := &staff.User{Name: "ed-gd", Role: staff.RoleEditor, Region: region, Tenant: "demo"}
	ed, err := replicas[0].Engine.AddQuestion(ctx, editor, target.Doc, target.Path, question)
	if err != nil {
		t.Fatal(err)
	}
	if ed.By != "ed-gd" || ed.Region != region || ed.ID == "" {
		t.Errorf("edit = %+v", ed)
	}
	// Seconds normally (a rebuild of the seeds is about 0.1 s); the race
	// detector on a busy machine makes a rebuild many times slower.
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for {
		if hasQuestion(replicas[1], question) {
			t.Logf("the other replica answers with the edit %v after it was made", time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other replica never rebuilt with the edit")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := ask(replicas[1], "u-after"); !cites(r) {
		t.Errorf("after the edit the other replica answers with %+v: %q %s", r.Citations, r.Text, r.Intent)
	}
	audit, err := replicas[1].Engine.Edits(ctx, editor, region)
	if err != nil || len(audit) != 1 || audit[0].Text != question || audit[0].By != "ed-gd" {
		t.Errorf("audit trail = %+v, %v", audit, err)
	}

	data, err := replicas[1].lib.Current().ExportQuestions(target.Doc)
	if err != nil {
		t.Fatal(err)
	}
	qf, err := knowledge.ParseQuestions("questions/x.yaml", data)
	if err != nil {
		t.Fatalf("the export does not load back: %v\n%s", err, data)
	}
	i := slices.IndexFunc(qf.Items, func(iq knowledge.ItemQuestions) bool { return iq.Path == target.Path })
	if i < 0 || !slices.Contains(qf.Items[i].Questions, question) {
		t.Fatalf("the export lacks the edit")
	}
	b, err := knowledge.Load(seedsFS(cfg, nil), knowledge.Options{Questions: []*knowledge.QuestionFile{qf}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.ExportQuestions(target.Doc)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("the export loaded back exports differently (%v)", err)
	}
}

// TestEditsSurviveRedisRestart: edits live in Redis with the tickets,
// written with AOF fsync always; Redis killed and restarted, a server
// started afterwards builds its knowledge base with them.
func TestEditsSurviveRedisRestart(t *testing.T) {
	opsNeed(t, "redis-server")
	rs := storetest.StartServer(t) // --appendonly yes --appendfsync always
	cfg := Defaults()
	cfg.RedisURL, cfg.DataDir = rs.URL(), t.TempDir()
	cfg.KBSnapshot = filepath.Join(cfg.DataDir, "kb.snapshot")
	presetModel(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := newApp(ctx, cfg, handlertest.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	const question = "园区给娃上学的事情找谁"
	editor := &staff.User{Name: "ed", Role: staff.RoleEditor, Region: "葛店开发区", Tenant: "demo"}
	if _, err := a.Engine.AddQuestion(ctx, editor, "001_ae791fdead5d71ad.txt", "32", question); err != nil {
		t.Fatal(err)
	}
	a.close()
	rs.Stop() // SIGKILL
	rs.Start()
	b, err := newApp(ctx, cfg, handlertest.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	go followEdits(ctx, b, 50*time.Millisecond)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if it, ok := b.lib.Current().QuestionItem("葛店开发区", question); ok && it.Number == "32" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the edit did not survive the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCuratedItemsEditedOnEveryReplica: an editor adds a 免申即享 benefit
// to a region through one replica and the other has it within seconds;
// retired, it leaves both; the region's items export as a catalogue
// section that loads back.
func TestCuratedItemsEditedOnEveryReplica(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replicas, _ := followingReplicas(ctx, t, 2)
	editor := &staff.User{Name: "ed", Role: staff.RoleEditor, Region: "葛店开发区", Tenant: "demo"}
	benefit := knowledge.CatalogueItem{ID: "ex-1", Region: "葛店", Title: "示例:小微企业房租补贴",
		Text: "示例数据。小微企业按年房租的10%补贴,免申即享。", Tags: []string{"免申即享"},
		Conditions: &knowledge.Conditions{Sizes: []string{"micro", "small"}}}
	if _, err := replicas[0].Engine.AddItem(ctx, &staff.User{Name: "x", Role: staff.RoleEditor, Region: "红谷滩区", Tenant: "demo"}, benefit); err == nil {
		t.Fatal("an editor of another region added an item here")
	}
	if _, err := replicas[0].Engine.AddItem(ctx, editor, benefit); err != nil {
		t.Fatal(err)
	}
	has := func(a *app) bool { _, ok := a.lib.Current().Item(knowledge.CatalogueFile + "#ex-1"); return ok }
	wait := func(what string, want bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for has(replicas[1]) != want {
			if time.Now().After(deadline) {
				t.Fatalf("the other replica never %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("got the item", true)
	data, err := replicas[1].lib.Current().ExportItems("葛店开发区")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := knowledge.ParseCatalogue("catalogue.yaml", data)
	if err != nil || len(cat.Items) != 1 || cat.Items[0].ID != "ex-1" || cat.Items[0].Conditions == nil {
		t.Fatalf("export = %s (%v)", data, err)
	}
	if _, err := replicas[0].Engine.RetireItem(ctx, editor, "ex-1"); err != nil {
		t.Fatal(err)
	}
	wait("dropped the retired item", false)
}

// TestSynonymsEditedOnEveryReplica: an editor adds a region's own words
// as a synonym group through one replica; the other, running on, finds
// the item with them within seconds, in that region only; the group
// exports as a synonyms section that loads back unchanged.
func TestSynonymsEditedOnEveryReplica(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replicas, cfg := followingReplicas(ctx, t, 2)
	const region, question = "葛店开发区", "外地工人的崽崽念书找哪个"
	words := []string{"崽崽念书", "子女教育"}
	target, ok := replicas[0].lib.Current().FindItem("001_ae791fdead5d71ad.txt", "32")
	if !ok {
		t.Fatal("no item 32")
	}
	top := func(b *knowledge.Base, region string) string {
		q, err := b.Ask(region, question)
		if err != nil {
			t.Fatal(err)
		}
		if hits := q.Search(1, ""); len(hits) > 0 {
			return hits[0].Item.ID
		}
		return ""
	}
	before := replicas[1].lib.Current()
	if top(before, region) == target.ID {
		t.Fatal("the item is found already; the test needs a wording it misses")
	}
	elsewhere := top(before, "红谷滩区")

	other := &staff.User{Name: "ed-hgt", Role: staff.RoleEditor, Region: "红谷滩区", Tenant: "demo"}
	if _, err := replicas[0].Engine.AddSynonyms(ctx, other, region, words); err == nil {
		t.Fatal("an editor of another region changed this one")
	}
	editor := &staff.User{Name: "ed-gd", Role: staff.RoleEditor, Region: region, Tenant: "demo"}
	if _, err := replicas[0].Engine.AddSynonyms(ctx, editor, region, words); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(replicas[1].lib.Current().RegionSynonyms(region)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the other replica never rebuilt with the group")
		}
		time.Sleep(50 * time.Millisecond)
	}
	after := replicas[1].lib.Current()
	r, err := replicas[1].Engine.Handle(ctx, bot.Inbound{Tenant: "demo", User: "u-syn", Region: region, Text: question})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Citations) == 0 || r.Citations[0].Doc != target.Doc || r.Citations[0].Item != target.Number {
		t.Errorf("with the group the other replica answers with %+v: %q", r.Citations, r.Text)
	}
	if got := top(after, "红谷滩区"); got != elsewhere {
		t.Errorf("红谷滩区's answer changed with 葛店开发区's group: %s → %s", elsewhere, got)
	}
	audit, err := replicas[1].Engine.Edits(ctx, editor, region)
	if err != nil || len(audit) != 1 || audit[0].By != "ed-gd" || !slices.Equal(audit[0].Words, words) {
		t.Errorf("audit trail = %+v, %v", audit, err)
	}

	data, err := after.ExportSynonyms(region)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := knowledge.ParseCatalogue(knowledge.SynonymsFile, data)
	if err != nil {
		t.Fatalf("the export does not load back: %v\n%s", err, data)
	}
	b, err := knowledge.Load(seedsFS(cfg, nil), knowledge.Options{Synonyms: cat.RegionSynonyms})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := b.ExportSynonyms(region); !bytes.Equal(again, data) {
		t.Errorf("the export loaded back exports differently:\n%s\n%s", data, again)
	}
}

// TestRestartAfterEditsReadsItsSnapshot: a server restarted after editors
// changed the knowledge base starts from the snapshot it wrote with their
// changes, and serves them from the start, instead of building the base
// from the documents again — at a province's scale, most of a minute.
func TestRestartAfterEditsReadsItsSnapshot(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const question = "外地工人的崽崽念书去哪里问"
	a, cfg := editedReplica(ctx, t, question)
	if err := a.snapshots.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	const written = `# HELP frontdoor_kb_snapshot_writes_total Knowledge-base snapshots written after a reload, by outcome (written, failed).
# TYPE frontdoor_kb_snapshot_writes_total counter
frontdoor_kb_snapshot_writes_total{outcome="written"} 1
`
	if err := testutil.GatherAndCompare(a.registry, strings.NewReader(written), "frontdoor_kb_snapshot_writes_total"); err != nil {
		t.Errorf("the reload's snapshot write was not counted: %v", err)
	}
	a.close()

	var logs lockedBuffer
	b, err := newApp(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	if !strings.Contains(logs.String(), "knowledge base read from its snapshot") {
		t.Errorf("the restarted server did not start from its snapshot:\n%s", logs.String())
	}
	if !hasQuestion(b, question) {
		t.Error("the restarted server does not serve the edit")
	}
}

// TestStartFromASnapshotWithoutTheEdits: a server whose snapshot was
// built without the editors' changes (frontdoor kb build, as the
// Kubernetes init container runs it) starts from it, rebuilding what the
// edits touch, and serves them.
func TestStartFromASnapshotWithoutTheEdits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const question = "外地工人的崽崽念书到哪里问"
	a, cfg := editedReplica(ctx, t, question)
	a.close() // its snapshot written; kb build then replaces it
	fsys := seedsFS(cfg, nil)
	if _, err := knowledge.BuildSnapshot(fsys, knowledge.Options{}, snapshotOf(cfg, fsys, a.build)); err != nil {
		t.Fatal(err)
	}

	var logs lockedBuffer
	b, err := newApp(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	if !strings.Contains(logs.String(), `"from_old_snapshot":true`) {
		t.Errorf("the server did not start from the snapshot without the edits:\n%s", logs.String())
	}
	if !hasQuestion(b, question) {
		t.Error("the server does not serve the edit")
	}
}

// hasQuestion reports whether a's knowledge base holds question as one of
// item 32's of 001 (the item these tests' editors add to).
func hasQuestion(a *app, question string) bool {
	it, ok := a.lib.Current().FindItem("001_ae791fdead5d71ad.txt", "32")
	return ok && slices.Contains(it.AllQuestions(), question)
}

// editedReplica starts a replica following the edits (followingReplicas)
// and returns it once it serves question, which an editor added to item
// 32 of 001.
func editedReplica(ctx context.Context, t *testing.T, question string) (*app, Config) {
	t.Helper()
	replicas, cfg := followingReplicas(ctx, t, 1)
	a := replicas[0]
	editor := &staff.User{Name: "ed-gd", Role: staff.RoleEditor, Region: "葛店开发区", Tenant: "demo"}
	if _, err := a.Engine.AddQuestion(ctx, editor, "001_ae791fdead5d71ad.txt", "32", question); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !hasQuestion(a, question) {
		if time.Now().After(deadline) {
			t.Fatal("the replica never rebuilt with the edit")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a, cfg
}

// lockedBuffer is a bytes.Buffer that goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A reload whose corpus did not change keeps the intent model in use, even
// with no model file to read (the binary's own seeds, no snapshot); one
// whose corpus gained a message trains the model anew.
func TestReloadKeepsTheIntentModel(t *testing.T) {
	for _, tt := range []struct {
		name     string
		seedsDir bool // a knowledge directory, with a snapshot, instead of the binary's seeds
		addLocal bool // a corpus file of the directory's own, added before the reload
		wantKept bool
	}{
		{name: "built-in seeds, unchanged", wantKept: true},
		{name: "a directory, a message added", seedsDir: true, addLocal: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.RedisURL = storetest.URL()
			cfg.RedisPrefix = "fdtest-reload-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			cfg.DataDir = t.TempDir()
			cfg.KBSnapshot = "off"
			cfg.SeedsDir = filepath.Join(t.TempDir(), "none")
			if tt.seedsDir {
				cfg.SeedsDir = t.TempDir()
				if err := os.CopyFS(cfg.SeedsDir, seeds.FS); err != nil {
					t.Fatal(err)
				}
				cfg.KBSnapshot = filepath.Join(cfg.DataDir, "kb.snapshot")
				presetModel(t, cfg) // the first load reads it: one training in this test, not two
			}
			a, err := newApp(context.Background(), cfg, handlertest.Quiet())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.close)
			before := a.intents.Load()
			if tt.addLocal {
				line := `{"text": "本地加的一句问候语", "intent": "greeting", "region": "", "item_id": ""}` + "\n"
				if err := os.WriteFile(filepath.Join(cfg.SeedsDir, "corpus", "local.jsonl"), []byte(line), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.lib.Reload(); err != nil {
				t.Fatal(err)
			}
			after := a.intents.Load()
			if kept := after == before; kept != tt.wantKept {
				t.Errorf("model kept = %v, want %v", kept, tt.wantKept)
			}
			want := before.Examples
			if tt.addLocal {
				want++
			}
			if after.Examples != want {
				t.Errorf("examples %d, want %d", after.Examples, want)
			}
		})
	}
}
