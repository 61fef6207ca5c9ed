package evaluate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"frontdoor/bot/intent"
	"frontdoor/knowledge"
)

// Router is the engine's routing of a complaint or a paperwork request on
// a knowledge base of the caller's (bot.Engine.Routing).
type Router interface {
	Routing(kb *knowledge.Base, region, text string, assist bool) (*knowledge.Item, []string, error)
}

// RetrievalReport is the ranking and the routing cross-validated on the
// corpus's messages about an item: each message was searched in a base
// whose corpus held none of its fold, so that it could not find itself
// among the messages the questions level indexes. The intent is the
// message's label: this measures finding the item, not reading the intent.
type RetrievalReport struct {
	Folds int `json:"folds"`
	// Questions are the policy questions about an item; Top1 the share
	// with that item first, Top3 among the first three.
	Questions int     `json:"questions"`
	Top1      float64 `json:"top1"`
	Top3      float64 `json:"top3"`
	// Routed are the complaints and paperwork requests about an item;
	// Routing the share sent to its units (or, for an item no unit leads,
	// to the region's dispatcher), Dispatched the share no item fitted
	// clearly, sent to the dispatcher.
	Routed     int     `json:"routed"`
	Routing    float64 `json:"routing"`
	Dispatched float64 `json:"dispatched"`
}

// CrossRetrieval splits the corpus of the knowledge directory fsys into k
// folds (stratified by intent, as the intent model's cross-validation),
// builds the base k times, each with the other folds' messages as its
// corpus, and searches and routes each fold's messages about an item in
// the base built without them, in the item's region.
func CrossRetrieval(r Router, fsys fs.FS, k int) (RetrievalReport, error) {
	rep := RetrievalReport{Folds: k}
	msgs, err := knowledge.ReadCorpus(fsys)
	if err != nil {
		return rep, err
	}
	others := fstest.MapFS{}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(name, knowledge.CorpusDir+"/") {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		others[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		return rep, err
	}
	fold := intent.Folds(msgs, k, 0)
	var top1, top3, routed, dispatched int
	for f := range k {
		base := maps.Clone(others)
		var train bytes.Buffer
		enc := json.NewEncoder(&train)
		enc.SetEscapeHTML(false)
		for i, m := range msgs {
			if fold[i] != f {
				if err := enc.Encode(m); err != nil {
					return rep, err
				}
			}
		}
		base[path.Join(knowledge.CorpusDir, "folds.jsonl")] = &fstest.MapFile{Data: train.Bytes()}
		kb, err := knowledge.Load(base, knowledge.Options{})
		if err != nil {
			return rep, fmt.Errorf("fold %d: %w", f+1, err)
		}
		for i, m := range msgs {
			want, ok := kb.Item(m.ItemID)
			if fold[i] != f || !ok {
				continue
			}
			switch m.Intent {
			case "policy_query":
				hits, err := kb.Search(want.Region, m.Text, 3)
				if err != nil {
					return rep, err
				}
				rep.Questions++
				at := slices.IndexFunc(hits, func(h knowledge.Hit) bool { return h.Item == want })
				if at == 0 {
					top1++
				}
				if at >= 0 {
					top3++
				}
			case "complaint", "assist_request":
				item, units, err := r.Routing(kb, want.Region, m.Text, m.Intent == "assist_request")
				if err != nil {
					return rep, err
				}
				rep.Routed++
				// An item no unit leads goes to the region's dispatcher
				// however well it is found.
				if slices.Equal(units, want.RoutingUnits()) ||
					len(want.RoutingUnits()) == 0 && (item == nil || len(item.RoutingUnits()) == 0) {
					routed++
				}
				if item == nil {
					dispatched++
				}
			}
		}
	}
	rep.Top1, rep.Top3 = ratio(top1, rep.Questions), ratio(top3, rep.Questions)
	rep.Routing, rep.Dispatched = ratio(routed, rep.Routed), ratio(dispatched, rep.Routed)
	return rep, nil
}

// Print writes the report for people.
func (r RetrievalReport) Print(w io.Writer) {
	fmt.Fprintf(w, "ranking and routing, %d-fold cross-validation on the corpus's messages about an item\n", r.Folds)
	fmt.Fprintf(w, "  policy questions    %5d  right item first %.3f, in the first three %.3f\n", r.Questions, r.Top1, r.Top3)
	fmt.Fprintf(w, "  complaints/requests %5d  routed to the item's units %.3f, no item clear (to the dispatcher) %.3f\n", r.Routed, r.Routing, r.Dispatched)
}
