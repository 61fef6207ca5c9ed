// Package kbedit keeps the changes editors make to the knowledge base from
// the console — questions added to items, curated items added and
// retired, a region's synonym groups — in Redis, as an
// append-only stream that is also their audit trail (who, when, what).
// Every replica rebuilds its knowledge base with them when the stream
// moves, and the changes export as the questions files seeds/ uses, for a
// region to review and commit.
package kbedit

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/knowledge"
)

// Kinds of edit: a question added to an item, a curated item added, a
// curated item retired, a synonym group added to a region.
const (
	KindQuestion = "question"
	KindItem     = "item"
	KindRetire   = "retire"
	KindSynonyms = "synonyms"
)

// Edit is one change an editor made.
type Edit struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"`
	Doc    string    `json:"doc"`
	Path   string    `json:"path"`
	Item   string    `json:"item"` // the item's number, for people
	Region string    `json:"region"`
	Text   string    `json:"text"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// Curated is the item an item edit adds.
	Curated *knowledge.CatalogueItem `json:"curated,omitempty"`
	// Words are the group a synonyms edit adds.
	Words []string `json:"words,omitempty"`
}

// Store keeps the edits of a deployment: one knowledge base serves every
// tenant, so its edits are the deployment's, scoped by region.
type Store struct {
	rdb  store.Client
	keys store.Keys
}

// New builds a store.
func New(rdb store.Client, keys store.Keys) *Store { return &Store{rdb: rdb, keys: keys} }

func (s *Store) key() string { return s.keys.Global("kb", "edits") }

// Add appends an edit and returns it with its id.
func (s *Store) Add(ctx context.Context, e Edit) (Edit, error) {
	curated := ""
	if e.Curated != nil {
		b, err := json.Marshal(e.Curated)
		if err != nil {
			return Edit{}, err
		}
		curated = string(b)
	}
	words := ""
	if len(e.Words) > 0 {
		b, err := json.Marshal(e.Words)
		if err != nil {
			return Edit{}, err
		}
		words = string(b)
	}
	id, err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.key(), Values: []string{"kind", e.Kind, "doc", e.Doc, "path", e.Path,
		"item", e.Item, "region", e.Region, "text", e.Text, "by", e.By, "at", strconv.FormatInt(e.At.UnixMilli(), 10),
		"curated", curated, "words", words}}).Result()
	if err != nil {
		return Edit{}, err
	}
	e.ID = id
	return e, nil
}

// All reads every edit, oldest first.
func (s *Store) All(ctx context.Context) ([]Edit, error) {
	msgs, err := s.rdb.XRange(ctx, s.key(), "-", "+").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]Edit, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		ms, _ := strconv.ParseInt(str("at"), 10, 64)
		e := Edit{ID: m.ID, Kind: str("kind"), Doc: str("doc"), Path: str("path"), Item: str("item"),
			Region: str("region"), Text: str("text"), By: str("by"), At: time.UnixMilli(ms)}
		if c := str("curated"); c != "" {
			var ci knowledge.CatalogueItem
			if json.Unmarshal([]byte(c), &ci) == nil {
				e.Curated = &ci
			}
		}
		if w := str("words"); w != "" {
			_ = json.Unmarshal([]byte(w), &e.Words)
		}
		out = append(out, e)
	}
	return out, nil
}

// Version names the latest edit ("" for none): a replica whose base was
// built at another version rebuilds it.
func (s *Store) Version(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.key(), "+", "-", 1).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", err
	}
	if len(msgs) == 0 {
		return "", nil
	}
	return msgs[0].ID, nil
}

// VersionOf is the version edits make, as Version reads it from Redis:
// the id of the latest ("" for none).
func VersionOf(edits []Edit) string {
	if len(edits) == 0 {
		return ""
	}
	return edits[len(edits)-1].ID
}

// QuestionFiles turns the question edits into questions files, one per
// document, items in the order they were first edited: what the
// knowledge base is built with, and what an export writes.
func QuestionFiles(edits []Edit) []*knowledge.QuestionFile {
	var files []*knowledge.QuestionFile
	byDoc := map[string]*knowledge.QuestionFile{}
	for _, e := range edits {
		if e.Kind != KindQuestion {
			continue
		}
		qf := byDoc[e.Doc]
		if qf == nil {
			qf = &knowledge.QuestionFile{Doc: e.Doc}
			byDoc[e.Doc] = qf
			files = append(files, qf)
		}
		i := slices.IndexFunc(qf.Items, func(iq knowledge.ItemQuestions) bool { return iq.Path == e.Path })
		if i < 0 {
			qf.Items = append(qf.Items, knowledge.ItemQuestions{Path: e.Path, Item: e.Item})
			i = len(qf.Items) - 1
		}
		if !slices.Contains(qf.Items[i].Questions, e.Text) {
			qf.Items[i].Questions = append(qf.Items[i].Questions, e.Text)
		}
	}
	return files
}

// Curated are the items editors added and the ids of those retired, for
// a build of the knowledge base.
func Curated(edits []Edit) (items []knowledge.CatalogueItem, retired []string) {
	for _, e := range edits {
		switch {
		case e.Kind == KindItem && e.Curated != nil:
			items = append(items, *e.Curated)
		case e.Kind == KindRetire:
			retired = append(retired, e.Item)
		}
	}
	return items, retired
}

// Synonyms are the synonym groups editors added, each with its region,
// for a build of the knowledge base.
func Synonyms(edits []Edit) []knowledge.SynonymGroup {
	var out []knowledge.SynonymGroup
	for _, e := range edits {
		if e.Kind == KindSynonyms && len(e.Words) > 0 {
			out = append(out, knowledge.SynonymGroup{Region: e.Region, Words: e.Words})
		}
	}
	return out
}
