package main

import (
	"context"
	"time"

	"frontdoor/bot/kbedit"
	"frontdoor/knowledge"
)

// edited is what editors changed — questions added, curated items added
// and retired, synonym groups added — read from Redis for a build of the
// knowledge base. Should Redis be away, the edits of the last build are
// used again (none at start-up: followEdits rebuilds as soon as it can),
// so a reload never drops them.
func (a *app) edited() knowledge.Options {
	a.editsMu.Lock()
	defer a.editsMu.Unlock()
	if a.kbedits != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if edits, err := a.kbedits.All(ctx); err == nil {
			a.edits, a.editsVersion = edits, kbedit.VersionOf(edits)
		} else {
			a.log.Warn("knowledge-base edits not read; the last ones read are used", "err", err)
		}
	}
	items, retired := kbedit.Curated(a.edits)
	return knowledge.Options{Questions: kbedit.QuestionFiles(a.edits), Items: items, Retired: retired,
		Synonyms: kbedit.Synonyms(a.edits)}
}

// followEdits rebuilds the knowledge base when editors change it, on
// whichever replica: every interval it compares the edits' version with
// the one the current base was built with.
func followEdits(ctx context.Context, a *app, interval time.Duration) {
	every(ctx, interval, func() {
		v, err := a.Engine.KBEdits().Version(ctx)
		a.editsMu.Lock()
		same := a.editsVersion == v
		a.editsMu.Unlock()
		if err != nil || same {
			return
		}
		if b, err := a.lib.Reload(); err != nil {
			a.log.Error("rebuild with the editors' changes failed; keeping the previous knowledge base", "err", err)
		} else {
			a.log.Info("knowledge base rebuilt with the editors' changes", "version", v, "items", len(b.Items))
		}
	})
}
