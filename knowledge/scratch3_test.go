package knowledge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratchEval(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	b, err := Load(os.DirFS("../seeds"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("build", b.BuildTime, "problems", b.Problems)
	path := os.Getenv("SET")
	if path == "" {
		path = "../../shared/eval/dev.jsonl"
	}
	f, _ := os.Open(path)
	sc := bufio.NewScanner(f)
	n, top1, top3 := 0, 0, 0
	for sc.Scan() {
		var c struct {
			ID, Region, Text, Intent string
			Seed                     *string
			ItemContains             *string `json:"item_contains"`
		}
		json.Unmarshal(sc.Bytes(), &c)
		if c.ItemContains == nil {
			hits, _ := b.Search(c.Region, c.Text, 3)
			if len(hits) > 0 {
				fmt.Printf("   none %s %-14s fit=%.3f s=%.2f %q\n", c.ID, c.Intent, hits[0].Fit, hits[0].Score, c.Text)
			}
			continue
		}
		n++
		hits, err := b.Search(c.Region, c.Text, 3)
		if err != nil {
			t.Fatal(err)
		}
		rank := -1
		for i, h := range hits {
			if strings.Contains(h.Item.Text, *c.ItemContains) {
				rank = i
				break
			}
		}
		if rank == 0 {
			top1++
		}
		if rank >= 0 {
			top3++
		}
		mark := "OK "
		if rank != 0 {
			mark = "XX "
		}
		var got []string
		for _, h := range hits {
			got = append(got, fmt.Sprintf("%s[%s] %.2f f%.3f", h.Item.Title, h.Item.Number, h.Score, h.Fit))
		}
		fmt.Printf("%s%s rank=%d %q want=%q got=%v\n", mark, c.ID, rank, c.Text, *c.ItemContains, got)
	}
	fmt.Printf("n=%d top1=%.3f top3=%.3f\n", n, float64(top1)/float64(n), float64(top3)/float64(n))
}
