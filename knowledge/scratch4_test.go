package knowledge

import (
	"fmt"
	"os"
	"testing"
)

func TestScratchConcept(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	b, _ := Load(os.DirFS("../seeds"), Options{})
	region, text := os.Getenv("R"), os.Getenv("Q")
	q := b.an.parseQuery(text, b.regionNames(region))
	fmt.Println(q.words)
	ri := b.regions[region]
	for i, it := range ri.items {
		one := make([]float64, len(ri.items))
		ri.words.score(q.words, 1, one)
		g := make([]float64, len(ri.items))
		ri.grams.score(q.grams, gramScale, g)
		if one[i]+g[i] > 2 || it.Number == os.Getenv("N") {
			fmt.Printf("%s %s words=%.2f grams=%.2f\n", it.Number, it.Title, one[i], g[i])
			if it.Number == os.Getenv("N") {
				for term, w := range q.words {
					acc := make([]float64, len(ri.items))
					ri.words.score(map[string]float64{term: w}, 1, acc)
					if acc[i] > 0 {
						fmt.Printf("   %s %.2f\n", term, acc[i])
					}
				}
			}
		}
	}
}
