package knowledge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

func TestScratchKnown(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	b, _ := Load(os.DirFS("../seeds"), Options{})
	type row struct {
		id, intent, ok string
		s1, s2, fit, margin float64
	}
	var rows []row
	for _, path := range []string{"../../shared/eval/dev.jsonl", "testdata/extra.jsonl"} {
		f, _ := os.Open(path)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c struct {
				ID, Region, Text, Intent string
				ItemContains         *string `json:"item_contains"`
			}
			json.Unmarshal(sc.Bytes(), &c)
			hits, _ := b.Search(c.Region, c.Text, 5)
			r := row{id: c.ID, intent: c.Intent, ok: "-"}
			if len(hits) > 0 {
				r.s1, r.fit = hits[0].Score, hits[0].Fit
				if c.ItemContains != nil {
					r.ok = "N"
					if strings.Contains(hits[0].Item.Text, *c.ItemContains) {
						r.ok = "Y"
					}
				}
			}
			if len(hits) > 1 {
				r.s2 = hits[1].Score
			}
			r.margin = r.s1 / (r.s2 + 1)
			rows = append(rows, r)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].s1 < rows[j].s1 })
	for _, r := range rows {
		if r.s1 < 7 || r.ok == "-" {
			fmt.Printf("%-14s %s s1=%5.1f s2=%5.1f margin=%.2f fit=%.3f %s\n", r.intent, r.ok, r.s1, r.s2, r.margin, r.fit, r.id)
		}
	}
}
