// Package knowledgetest generates knowledge directories from the seeds for
// benchmarks and tests: a corpus many times the seeds, deterministic, in
// the layout a benchmark needs.
package knowledgetest

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing/fstest"

	"frontdoor/seeds"
)

// Layouts for Perturbed: where the copies of a document go. Any other
// value names the one region every copy goes to.
const (
	// Spread puts copy k of a document of region R in region Rk, its
	// region names rewritten in the text: many regions the size of the
	// seed ones.
	Spread = ""
	// SameRegions keeps every copy in its document's own region: every
	// region grows with the copies.
	SameRegions = "\x00same"
	// ByCopy puts copy k of every document in region 副本k区 (copy 0 keeps
	// the seeds' regions): many regions of several documents each, as a
	// province of districts behind one front door.
	ByCopy = "\x00copy"
)

// The knowledge directory's file names (knowledge.CatalogueFile and
// knowledge.SynonymsFile), written out because knowledge's own tests use
// this package.
const (
	catalogueFile = "catalogue.yaml"
	synonymsFile  = "synonyms.yaml"
)

// Regions are the regions of the seed documents, by file prefix.
var Regions = map[string]string{
	"000": "红谷滩区", "001": "葛店开发区", "002": "徐州市", "003": "朝阳区", "004": "河池市",
}

// Perturbed builds an in-memory knowledge directory of copies copies of
// every seed document (copy 0 the original, the others perturbed), laid
// out as layout says, with the seeds' catalogue placing each copy and the
// seeds' synonyms. Deterministic: fixed seed.
func Perturbed(copies int, layout string) (fstest.MapFS, error) {
	rng := rand.New(rand.NewPCG(2024, 100))
	fsys := fstest.MapFS{}
	var entries strings.Builder
	docs, err := fs.Glob(seeds.FS, "*.txt")
	if err != nil || len(docs) != len(Regions) {
		return nil, fmt.Errorf("seed documents %v: %v", docs, err)
	}
	for k := 0; k < copies; k++ {
		for _, name := range docs {
			data, err := fs.ReadFile(seeds.FS, name)
			if err != nil {
				return nil, err
			}
			region := Regions[name[:3]]
			text := string(data)
			if k > 0 {
				if layout == Spread {
					for _, r := range Regions {
						text = strings.ReplaceAll(text, r, r+strconv.Itoa(k))
					}
					region += strconv.Itoa(k)
				}
				text = perturb(text, rng)
			}
			switch layout {
			case Spread, SameRegions:
			case ByCopy:
				if k > 0 {
					region = fmt.Sprintf("副本%d区", k)
				}
			default:
				region = layout
			}
			file := fmt.Sprintf("k%02d_%s", k, name)
			fsys[file] = &fstest.MapFile{Data: []byte(text)}
			fmt.Fprintf(&entries, "  - {file: %s, region: %s}\n", file, region)
		}
	}
	cat, err := fs.ReadFile(seeds.FS, catalogueFile)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(cat), "\ndocuments: []\n") {
		return nil, fmt.Errorf("seeds/%s has no empty documents: section to fill", catalogueFile)
	}
	fsys[catalogueFile] = &fstest.MapFile{Data: []byte(strings.Replace(string(cat), "\ndocuments: []\n", "\ndocuments:\n"+entries.String(), 1))}
	syn, err := fs.ReadFile(seeds.FS, synonymsFile)
	if err != nil {
		return nil, err
	}
	fsys[synonymsFile] = &fstest.MapFile{Data: syn}
	return fsys, nil
}

// perturb shuffles the sentences inside each paragraph, keeping the
// first (the numbered heading) and the last (the unit annotation) in
// place, and changes a few digits in the shuffled ones.
func perturb(text string, rng *rand.Rand) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		paras := strings.Split(line, " ")
		for j, p := range paras {
			parts := strings.SplitAfter(p, "。")
			if len(parts) < 4 {
				continue
			}
			mid := parts[1 : len(parts)-1]
			rng.Shuffle(len(mid), func(a, b int) { mid[a], mid[b] = mid[b], mid[a] })
			for m, s := range mid {
				rs := []byte(s)
				for x, c := range rs {
					if c >= '0' && c <= '9' && rng.IntN(4) == 0 {
						rs[x] = byte('0' + rng.IntN(10))
					}
				}
				mid[m] = string(rs)
			}
			paras[j] = strings.Join(parts, "")
		}
		lines[i] = strings.Join(paras, " ")
	}
	return strings.Join(lines, "\n")
}
