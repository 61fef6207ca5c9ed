// Command gendict writes the trimmed general dictionary the segmenter ships
// with: the most frequent simplified-Chinese words of gse's dictionary.
// Loading gse's full dictionary takes seconds and hundreds of megabytes; the
// words that matter for retrieval beyond these come from the documents and
// the catalogue at load time.
//
//	go run ./knowledge/internal/gendict -n 30000 -o knowledge/dict/general.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type entry struct {
	word string
	freq int
	pos  string
}

func main() {
	n := flag.Int("n", 30000, "number of words to keep")
	out := flag.String("o", "knowledge/dict/general.txt", "output file")
	flag.Parse()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/go-ego/gse").Output()
	if err != nil {
		fail(fmt.Errorf("locate gse: %w", err))
	}
	src := filepath.Join(strings.TrimSpace(string(dir)), "data", "dict", "zh", "s_1.txt")
	entries, err := read(src)
	if err != nil {
		fail(err)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].freq > entries[j].freq })
	if len(entries) > *n {
		entries = entries[:*n]
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].word < entries[j].word })
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %d %s\n", e.word, e.freq, e.pos)
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fail(err)
	}
}

func read(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) < 3 || !hasHan(p[0]) {
			continue
		}
		freq, err := strconv.Atoi(p[1])
		if err != nil {
			continue
		}
		out = append(out, entry{p[0], freq, p[2]})
	}
	return out, sc.Err()
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gendict:", err)
	os.Exit(1)
}
