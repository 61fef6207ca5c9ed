package knowledge

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"
	"unsafe"
)

// seedDir copies the seeds' documents, catalogue, synonyms and questions
// into a map file system a test may change.
func seedDir(t testing.TB) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, pattern := range []string{"../seeds/*.txt", "../seeds/*.yaml", "../seeds/" + QuestionsDir + "/*.yaml"} {
		names, _ := filepath.Glob(pattern)
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel("../seeds", n)
			fsys[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		}
	}
	return fsys
}

// evalQuestions are the texts and regions of the evaluation sets: the
// questions a snapshot must answer as the built base does.
func evalQuestions(t testing.TB) [][2]string {
	t.Helper()
	var out [][2]string
	names, _ := filepath.Glob("../bot/evaluate/testdata/*.jsonl")
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c struct{ Region, Text string }
			if json.Unmarshal(sc.Bytes(), &c) == nil && c.Text != "" {
				out = append(out, [2]string{c.Region, c.Text})
			}
		}
		f.Close()
	}
	if len(out) < 100 {
		t.Fatalf("%d evaluation questions", len(out))
	}
	return out
}

// TestSnapshotAnswersAsBuilt: a base read from its snapshot holds the same
// items, documents and problems, and ranks, quotes and chooses figures for
// every question of the evaluation sets exactly as the base it was written
// from.
func TestSnapshotAnswersAsBuilt(t *testing.T) {
	fsys := seedDir(t)
	snap := Snapshot{Path: filepath.Join(t.TempDir(), SnapshotFile), Build: "test"}
	built, use, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil || !use.Wrote {
		t.Fatalf("first load: %+v, %v", use, err)
	}
	plain, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	read, use, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil || !use.Loaded {
		t.Fatalf("second load did not use the snapshot: %+v, %v", use, err)
	}
	for _, b := range []*Base{built, read} {
		if !reflect.DeepEqual(b.Items, plain.Items) || !reflect.DeepEqual(b.Docs, plain.Docs) || !reflect.DeepEqual(b.Problems, plain.Problems) {
			t.Fatal("the snapshot's items, documents or problems differ from the documents'")
		}
	}
	kinds := map[string]bool{"time": true, "money": true, "quantity": true, "percent": true}
	for _, q := range evalQuestions(t) {
		want, err1 := plain.Ask(q[0], q[1])
		got, err2 := read.Ask(q[0], q[1])
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: %v against %v", q[1], err1, err2)
		}
		if err1 != nil {
			continue
		}
		wh, gh := want.Search(5, ""), got.Search(5, "")
		sameHits(t, q[1], gh, wh)
		for i := range wh {
			it := wh[i].Item
			if !reflect.DeepEqual(want.KeySentences(it, 2), got.KeySentences(read.byID[it.ID], 2)) {
				t.Fatalf("%q: key sentences of %s differ", q[1], it.ID)
			}
			wc, wok := want.BestCommitment(it, kinds)
			gc, gok := got.BestCommitment(read.byID[it.ID], kinds)
			if wok != gok || wc != gc {
				t.Fatalf("%q: figure of %s is %+v, built %+v", q[1], it.ID, gc, wc)
			}
		}
	}
}

// TestSnapshotStaleOrCorrupt: a snapshot of other inputs, of another
// build or format, or damaged, is never served: the base is built from
// the documents — taking what did not change from a snapshot this program
// wrote of other documents or edits — a new snapshot is written, and the
// next load reads it.
func TestSnapshotStaleOrCorrupt(t *testing.T) {
	// Every case spoils a copy of one good snapshot: a build under the race
	// detector takes seconds.
	first := filepath.Join(t.TempDir(), SnapshotFile)
	if _, use, err := LoadWithSnapshot(seedDir(t), Options{}, Snapshot{Path: first, Build: "test"}, nil); err != nil || !use.Wrote {
		t.Fatalf("first load: %+v %v", use, err)
	}
	good, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		// spoil changes the snapshot or the inputs after a snapshot was
		// written; it returns the inputs and build to load with.
		spoil func(t *testing.T, path string, fsys fstest.MapFS) (fstest.MapFS, string)
		// stale: the build takes what did not change from the old snapshot
		stale bool
	}{
		{"a document changed", func(t *testing.T, _ string, fsys fstest.MapFS) (fstest.MapFS, string) {
			for name, f := range fsys {
				if filepath.Ext(name) == ".txt" {
					f.Data = append(append([]byte{}, f.Data...), []byte("\n附则:本方案自印发之日起施行。\n")...)
					return fsys, "test"
				}
			}
			t.Fatal("no document")
			return nil, ""
		}, true},
		{"the synonyms changed", func(_ *testing.T, _ string, fsys fstest.MapFS) (fstest.MapFS, string) {
			f := fsys[SynonymsFile]
			f.Data = append(append([]byte{}, f.Data...), []byte("  - [甲乙丙丁, 戊己庚辛]\n")...)
			return fsys, "test"
		}, true},
		{"another build", func(_ *testing.T, _ string, fsys fstest.MapFS) (fstest.MapFS, string) { return fsys, "other" }, false},
		{"another format", func(t *testing.T, path string, fsys fstest.MapFS) (fstest.MapFS, string) {
			patch(t, path, 8, SnapshotFormat+1)
			return fsys, "test"
		}, false},
		{"a flipped byte", func(t *testing.T, path string, fsys fstest.MapFS) (fstest.MapFS, string) {
			info, _ := os.Stat(path)
			patch(t, path, info.Size()/2, 0)
			return fsys, "test"
		}, false},
		{"cut short", func(t *testing.T, path string, fsys fstest.MapFS) (fstest.MapFS, string) {
			info, _ := os.Stat(path)
			if err := os.Truncate(path, info.Size()-100); err != nil {
				t.Fatal(err)
			}
			return fsys, "test"
		}, false},
		{"not a snapshot", func(t *testing.T, path string, fsys fstest.MapFS) (fstest.MapFS, string) {
			if err := os.WriteFile(path, []byte("{\"hello\": 1}"), 0o644); err != nil {
				t.Fatal(err)
			}
			return fsys, "test"
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := seedDir(t)
			path := filepath.Join(t.TempDir(), SnapshotFile)
			if err := os.WriteFile(path, good, 0o644); err != nil {
				t.Fatal(err)
			}
			fsys, build := tt.spoil(t, path, fsys)
			b, use, err := LoadWithSnapshot(fsys, Options{}, Snapshot{Path: path, Build: build}, nil)
			if err != nil || use.Loaded || !use.Wrote || len(b.Items) == 0 {
				t.Fatalf("the spoilt snapshot: %+v %v", use, err)
			}
			if use.Stale != tt.stale {
				t.Errorf("built from the old snapshot = %v, want %v", use.Stale, tt.stale)
			}
			// (the sentence added may or may not change an item)
			if tt.name == "a document changed" && (b.Parsed != 1 || b.Rebuilt > 1) {
				t.Errorf("%d documents parsed and %d regions rebuilt, want 1 and at most 1", b.Parsed, b.Rebuilt)
			}
			if tt.stale {
				fresh, err := Load(fsys, Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range evalQuestions(t) {
					if want, err := fresh.Ask(q[0], q[1]); err == nil {
						got, _ := b.Ask(q[0], q[1])
						sameHits(t, q[1], got.Search(5, ""), want.Search(5, ""))
					}
				}
			}
			t.Logf("not used: %s", use.Reason)
			if _, use, err := LoadWithSnapshot(fsys, Options{}, Snapshot{Path: path, Build: build}, nil); err != nil || !use.Loaded {
				t.Fatalf("the rewritten snapshot was not used: %+v %v", use, err)
			}
		})
	}
}

// patch overwrites the byte at off with v, or flips it when v is 0.
func patch(t *testing.T, path string, off int64, v byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v == 0 {
		v = data[off] ^ 0x5a
	}
	data[off] = v
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A load with nothing changed keeps the base in use, and the editors'
// changes make a new snapshot.
func TestSnapshotFollowsEdits(t *testing.T) {
	fsys := seedDir(t)
	snap := Snapshot{Path: filepath.Join(t.TempDir(), SnapshotFile), Build: "test"}
	first, _, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	same, use, err := LoadWithSnapshot(fsys, Options{}, snap, first)
	if err != nil || same != first || use.Reason != "unchanged" {
		t.Fatalf("an unchanged reload built a new base: %+v %v", use, err)
	}
	edited := Options{Synonyms: []SynonymGroup{{Region: "葛店", Words: []string{"崽崽念书", "子女教育"}}}}
	b, use, err := LoadWithSnapshot(fsys, edited, snap, first)
	if err != nil || b == first || !use.Wrote || len(b.RegionSynonyms("葛店开发区")) != 1 {
		t.Fatalf("an edit did not make a new base: %+v %v", use, err)
	}
}

// FuzzReadSnapshot: whatever a payload holds, reading it is an error or
// a base, never a panic.
func FuzzReadSnapshot(f *testing.F) {
	fsys := seedDir(f)
	b, err := Load(fsys, Options{})
	if err != nil {
		f.Fatal(err)
	}
	var w snapWriter
	w.encode(b)
	payload, err := w.payload()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload[:4096])
	f.Add([]byte{})
	f.Add(payload[len(payload)-2048:])
	f.Fuzz(func(t *testing.T, data []byte) {
		words := make([]uint64, len(data)/8+1)
		aligned := unsafeBytes(words)[:len(data)]
		copy(aligned, data)
		if b, err := ReadSnapshot(aligned, fsys, Options{}); err == nil {
			b.parses() // read on a reload, not by the load
		}
	})
}

func unsafeBytes(words []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), 8*len(words))
}

// TestReloadKeepsUnchangedRegions: after one document changes, a reload
// parses that document only and rebuilds its region only, keeps the
// others' indexes — from a built base and from one read from its snapshot,
// which keeps the documents as parsed — and answers exactly
// as a base built from scratch; a change to what the segmenter learns
// rebuilds every region.
func TestReloadKeepsUnchangedRegions(t *testing.T) {
	fsys := seedDir(t)
	snap := Snapshot{Path: filepath.Join(t.TempDir(), SnapshotFile), Build: "test"}
	built, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildSnapshot(fsys, Options{}, snap); err != nil {
		t.Fatal(err)
	}
	mapped, use, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil || !use.Loaded {
		t.Fatalf("%+v %v", use, err)
	}
	// A sentence added to the last item of one document, teaching the
	// segmenter nothing new.
	const doc = "002_c95ffdd180ea7e81.txt"
	changed := maps.Clone(fsys)
	changed[doc] = &fstest.MapFile{Data: append(append([]byte{}, fsys[doc].Data...), []byte("\n加强督查考核,确保各项措施落地见效。\n")...)}
	fresh, err := Load(changed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	region := fresh.byID[fresh.Docs[slices.IndexFunc(fresh.Docs, func(d *Document) bool { return d.File == doc })].Items[0].ID].Region
	for name, prev := range map[string]*Base{"built": built, "read from the snapshot": mapped} {
		t.Run(name, func(t *testing.T) {
			b, err := load(changed, Options{}, prev, nil)
			if err != nil {
				t.Fatal(err)
			}
			if b.Rebuilt != 1 {
				t.Errorf("%d regions rebuilt, want 1 (%s)", b.Rebuilt, region)
			}
			if b.Parsed != 1 {
				t.Errorf("%d documents parsed, want the one that changed", b.Parsed)
			}
			for r, ri := range b.regions {
				if kept := ri == prev.regions[r]; kept == (r == region) {
					t.Errorf("region %s kept = %v", r, kept)
				}
			}
			if !reflect.DeepEqual(b.Items, fresh.Items) || !reflect.DeepEqual(b.Docs, fresh.Docs) {
				t.Fatal("the reloaded items differ from a fresh build's")
			}
			for _, q := range evalQuestions(t) {
				want, err := fresh.Ask(q[0], q[1])
				if err != nil {
					continue
				}
				got, _ := b.Ask(q[0], q[1])
				sameHits(t, q[1], got.Search(5, ""), want.Search(5, ""))
			}
			var w snapWriter
			w.encode(b)
			if _, err := w.payload(); err != nil {
				t.Fatal(err)
			}
		})
	}
	learnt := maps.Clone(fsys)
	learnt[SynonymsFile] = &fstest.MapFile{Data: append(append([]byte{}, fsys[SynonymsFile].Data...), []byte("  - [甲乙丙丁, 戊己庚辛]\n")...)}
	b, err := load(learnt, Options{}, built, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Rebuilt != len(b.regions) {
		t.Errorf("a new synonym group rebuilt %d of %d regions", b.Rebuilt, len(b.regions))
	}
}

// sameHits fails the test unless got ranks the items want ranks, with the
// same scores and snippets.
func sameHits(t *testing.T, question string, got, want []Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%q: %d hits, want %d", question, len(got), len(want))
	}
	for i := range want {
		if want[i].Item.ID != got[i].Item.ID || want[i].Score != got[i].Score || want[i].Snippet != got[i].Snippet {
			t.Fatalf("%q: hit %d is %s %v, want %s %v", question, i, got[i].Item.ID, got[i].Score, want[i].Item.ID, want[i].Score)
		}
	}
}

// payload is the payload writeSnapshot writes, in one slice.
func (w *snapWriter) payload() ([]byte, error) {
	pieces, n, err := w.pieces()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, n)
	for _, x := range pieces {
		out = append(out, x...)
	}
	return out, nil
}
