package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"frontdoor/bot/llm"
	"frontdoor/knowledge"
)

// kbExpand drafts the questions businesses would ask about each item of a
// new document through the configured language model, into a draft file
// a person reviews and renames before the index reads it.
func kbExpand(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kb expand", "kb expand --doc FILE [--per-item N] [--all] [--out PATH] [--seeds DIR]", stderr)
	doc := fs.String("doc", "", "the document's file name, as in the knowledge directory (required)")
	perItem := fs.Int("per-item", 10, "questions to ask for per item")
	all := fs.Bool("all", false, "draft for items that already have reviewed questions too")
	out := fs.String("out", "", "draft file (default DIR/questions/NAME"+knowledge.DraftSuffix+")")
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *doc == "" || *perItem < 1 || *perItem > 50 {
		fs.Usage()
		return errUsage
	}
	cfg, err := LoadConfig("", os.LookupEnv)
	if err != nil {
		return err
	}
	if *seedsDir != "" {
		cfg.SeedsDir = *seedsDir
	}
	lc := llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.OpenAIModel}
	if !lc.Enabled() {
		return errors.New("kb expand needs a language model: set OPENAI_BASE_URL and OPENAI_MODEL (and OPENAI_API_KEY)")
	}
	d, err := llm.NewDrafter(lc)
	if err != nil {
		return err
	}
	b, err := loadKB(seedsFS(cfg, nil), nil, knowledge.Options{}, knowledge.Snapshot{}, nil)
	if err != nil {
		return err
	}
	var items []*knowledge.Item
	found := false
	for _, dd := range b.Docs {
		if dd.File != *doc {
			continue
		}
		found = true
		for _, it := range dd.Items {
			if *all || len(it.Questions) == 0 {
				items = append(items, it)
			}
		}
	}
	if !found {
		return fmt.Errorf("no document %q in %s", *doc, cfg.SeedsDir)
	}
	path := *out
	if path == "" {
		path = filepath.Join(cfg.SeedsDir, knowledge.QuestionsDir, strings.TrimSuffix(*doc, filepath.Ext(*doc))+knowledge.DraftSuffix)
	}
	qf, failed := draftAll(context.Background(), d, items, *perItem, stderr)
	qf.Doc = *doc
	if err := writeDraft(path, qf); err != nil {
		return err
	}
	n := 0
	for _, iq := range qf.Items {
		n += len(iq.Questions)
		for _, qs := range iq.Figures {
			n += len(qs)
		}
	}
	fmt.Fprintf(stdout, "%d questions for %d items written to %s (%d items failed).\n"+
		"Review it — delete what is off the item, correct what is wrong — then rename it to %s to index it.\n",
		n, len(qf.Items), path, failed, strings.TrimSuffix(filepath.Base(path), knowledge.DraftSuffix)+".yaml")
	return nil
}

// draftAll drafts every item, a few at a time, keeping the document's
// order; an item whose draft fails is reported and left out.
func draftAll(ctx context.Context, d *llm.Drafter, items []*knowledge.Item, n int, stderr io.Writer) (knowledge.QuestionFile, int) {
	drafts := make([]knowledge.ItemQuestions, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			drafts[i], errs[i] = d.Draft(ctx, it, n)
		}()
	}
	wg.Wait()
	var qf knowledge.QuestionFile
	failed := 0
	for i, it := range items {
		if errs[i] != nil {
			failed++
			fmt.Fprintf(stderr, "item %s (%s): %v\n", it.Number, it.Path, errs[i])
			continue
		}
		qf.Items = append(qf.Items, drafts[i])
	}
	return qf, failed
}

// writeDraft writes the draft with a note to its reviewer; it never
// replaces a reviewed file.
func writeDraft(path string, qf knowledge.QuestionFile) error {
	if !strings.HasSuffix(path, knowledge.DraftSuffix) {
		return fmt.Errorf("%s: a draft's name ends in %s, so that the index does not read it before review", path, knowledge.DraftSuffix)
	}
	data, err := yaml.Marshal(qf)
	if err != nil {
		return err
	}
	note := "# 草稿:待审核。删去与条目无关或不准确的问题,改正错误后,将文件改名为去掉 .draft 的名字,重新加载后生效。\n" +
		"# Draft for review: delete questions that are off the item or wrong, then rename the file without .draft and reload.\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(note), data...), 0o644)
}
