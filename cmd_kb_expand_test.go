package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// rareWords are words no policy document uses: a question made of one finds
// its item only through the question.
var rareWords = []string{"麒麟", "琵琶", "鹦鹉", "蝙蝠", "蜻蜓", "骆驼", "孔雀", "貔貅", "蟋蟀", "蝌蚪", "琥珀", "玛瑙",
	"翡翠", "珊瑚", "枇杷", "葡萄", "橄榄", "芒果", "榴莲", "菠萝", "荔枝", "龙眼", "柠檬", "椰子", "樱桃", "石榴"}

// fakeModel is an OpenAI-compatible chat endpoint that drafts, for each
// item it is sent, one question made of a rare word and one question per
// figure it is told of.
func fakeModel(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	reFigures := regexp.MustCompile(`数字原文:(.*)\n`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		n := int(calls.Add(1)) - 1
		draft := map[string]any{"questions": []string{rareWords[n%len(rareWords)] + "问题怎么办", "  ", rareWords[n%len(rareWords)] + "问题怎么办"}}
		if m := reFigures.FindStringSubmatch(req.Messages[1].Content); m != nil {
			figs := map[string][]string{"99个光年": {"不存在的数字"}}
			for _, f := range strings.Split(m[1], " | ") {
				figs[f] = []string{"要是" + f + "的话呢"}
			}
			draft["figures"] = figs
		}
		content, _ := json.Marshal(draft)
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]string{"role": "assistant", "content": "```json\n" + string(content) + "\n```"}}}})
	}))
}

func TestKBExpandDraftsForReview(t *testing.T) {
	const doc = "004_fe0f271260e3d7b9.txt"
	dir := t.TempDir()
	for _, name := range []string{doc, "catalogue.yaml", "synonyms.yaml"} {
		data, err := seeds.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var calls atomic.Int32
	srv := fakeModel(t, &calls)
	defer srv.Close()
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/v1")
	t.Setenv("OPENAI_MODEL", "drafter")
	t.Setenv("OPENAI_API_KEY", "k")

	t.Run("without a model it says what to set", func(t *testing.T) {
		t.Setenv("OPENAI_BASE_URL", "")
		var out, errw bytes.Buffer
		if code := run([]string{"kb", "expand", "--doc", doc, "--seeds", dir}, &out, &errw); code == 0 || !strings.Contains(errw.String(), "OPENAI_BASE_URL") {
			t.Fatalf("exit %d, %q", code, errw.String())
		}
	})

	var out, errw bytes.Buffer
	if code := run([]string{"kb", "expand", "--doc", doc, "--seeds", dir, "--per-item", "3"}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errw.String())
	}
	draft := filepath.Join(dir, "questions", "004_fe0f271260e3d7b9"+knowledge.DraftSuffix)
	data, err := os.ReadFile(draft)
	if err != nil {
		t.Fatal(err)
	}
	qf, err := knowledge.ParseQuestions(draft, data)
	if err != nil {
		t.Fatalf("the draft does not parse: %v", err)
	}
	base, err := knowledge.Load(os.DirFS(dir), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items := base.RegionItems("河池市")
	if len(qf.Items) != len(items) || int(calls.Load()) != len(items) {
		t.Fatalf("drafted %d items in %d calls; the document has %d", len(qf.Items), calls.Load(), len(items))
	}
	for _, iq := range qf.Items {
		// the rare-word question once, without the blank; the question of
		// the invented figure kept as a plain question
		if len(iq.Questions) == 0 || !strings.HasSuffix(iq.Questions[0], "问题怎么办") || len(iq.Questions) > 2 {
			t.Errorf("%s: questions %q; want the one, trimmed and once", iq.Path, iq.Questions)
		}
		if _, ok := iq.Figures["99个光年"]; ok {
			t.Errorf("%s: kept a figure the item does not state", iq.Path)
		}
	}
	for _, it := range items {
		if len(it.Questions) != 0 {
			t.Fatalf("a draft reached the index before review: %s has %q", it.Path, it.Questions)
		}
	}

	t.Run("reviewed and renamed, its questions find their items", func(t *testing.T) {
		if err := os.Rename(draft, strings.TrimSuffix(draft, knowledge.DraftSuffix)+".yaml"); err != nil {
			t.Fatal(err)
		}
		base, err := knowledge.Load(os.DirFS(dir), knowledge.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, iq := range qf.Items {
			q := iq.Questions[0]
			hits, err := base.Search("河池市", q, 1)
			if err != nil || len(hits) == 0 || hits[0].Item.Path != iq.Path {
				t.Errorf("%q: found %v, want %s", q, hits, iq.Path)
			}
		}
	})

	t.Run("it never replaces a reviewed file", func(t *testing.T) {
		var out, errw bytes.Buffer
		code := run([]string{"kb", "expand", "--doc", doc, "--seeds", dir, "--out", filepath.Join(dir, "questions", "004_fe0f271260e3d7b9.yaml")}, &out, &errw)
		if code == 0 {
			t.Fatalf("wrote over the reviewed file: %s", out.String())
		}
	})
}
