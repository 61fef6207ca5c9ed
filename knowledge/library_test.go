package knowledge

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"frontdoor/knowledge/knowledgetest"
)

func seedsMapFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m, err := knowledgetest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLibraryReload(t *testing.T) {
	fsys := seedsMapFS(t)
	lib, err := NewLibrary(func() (*Base, error) { return Load(fsys, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	first := lib.Current()
	if len(first.Docs) != 5 {
		t.Fatalf("docs = %d", len(first.Docs))
	}

	t.Run("a new document is picked up", func(t *testing.T) {
		fsys["new.txt"] = &fstest.MapFile{Data: []byte("某某市优化营商环境措施\n一、总体要求\n(一)优化审批\n1.压缩审批时间,审批时限压缩至2个工作日。(牵头单位:市审批局)\n")}
		b, err := lib.Reload()
		if err != nil {
			t.Fatal(err)
		}
		if lib.Current() != b || len(b.Docs) != 6 {
			t.Errorf("reload did not swap in the new base: %d docs", len(b.Docs))
		}
	})

	t.Run("a broken catalogue keeps the old base", func(t *testing.T) {
		before := lib.Current()
		good := fsys[CatalogueFile]
		fsys[CatalogueFile] = &fstest.MapFile{Data: []byte("regions:\n  - name: 甲区\n    bogus: 1\n")}
		defer func() { fsys[CatalogueFile] = good }()
		if _, err := lib.Reload(); err == nil {
			t.Fatal("reload of a broken catalogue succeeded")
		}
		if lib.Current() != before {
			t.Error("a failed reload replaced the base")
		}
		if lib.LastError() == "" {
			t.Error("the failure is not reported")
		}
	})

	t.Run("an unreadable document is reported, the rest load", func(t *testing.T) {
		fsys["broken.docx"] = &fstest.MapFile{Data: []byte("not a zip")}
		b, err := lib.Reload()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range b.Problems {
			if p.File == "broken.docx" && p.Reason != "" {
				found = true
			}
		}
		if !found || len(b.Docs) < 6 {
			t.Errorf("problems = %+v, docs = %d", b.Problems, len(b.Docs))
		}
		if lib.LastError() != "" {
			t.Errorf("a partial load is not a failure: %s", lib.LastError())
		}
	})
}

// TestSearchDuringReload searches from many goroutines while the base is
// reloaded: searches never see a half-built base (run with -race).
func TestSearchDuringReload(t *testing.T) {
	fsys := seedsMapFS(t)
	lib, err := NewLibrary(func() (*Base, error) { return Load(fsys, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				hits, err := lib.Current().Search("葛店开发区", "开个公司要多久", 3)
				if err != nil || len(hits) == 0 {
					failures.Add(1)
				}
			}
		}()
	}
	if _, err := lib.Reload(); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() > 0 {
		t.Errorf("%d searches failed during reloads", failures.Load())
	}
}

func TestLibraryFirstLoadFails(t *testing.T) {
	_, err := NewLibrary(func() (*Base, error) { return nil, errors.New("boom") })
	if err == nil {
		t.Fatal("a failed first load must stop start-up")
	}
}
