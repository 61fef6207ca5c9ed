package knowledge

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratchDump(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	for _, f := range []string{"000_939a421437c5cbc1.txt", "001_ae791fdead5d71ad.txt", "002_c95ffdd180ea7e81.txt", "003_fcd537af7cb802e9.txt", "004_fe0f271260e3d7b9.txt"} {
		b, _ := os.ReadFile("../seeds/" + f)
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(l, "\u00a0", " "), "\u2002", " "))
			if l != "" {
				lines = append(lines, l)
			}
		}
		d := ParseDocument(f, lines)
		fmt.Printf("=== %s title=%q issuer=%q date=%s num=%q region=%q items=%d warn=%v\n", f, d.Title, d.Issuer, d.Date, d.Number, d.Region, len(d.Items), d.Warnings)
		for _, it := range d.Items {
			var cs []string
			for _, c := range it.Commitments {
				cs = append(cs, c.Text)
			}
			fmt.Printf("  [%s] path=%q title=%q lead=%v resp=%v coop=%v sec=%v dl=%q(%s) c=%v tags=%v\n", it.Number, it.Path, it.Title, it.Lead, it.Resp, it.Coop, it.SectionUnits, it.Deadline, it.DeadlineDate, cs, it.Tags)
		}
	}
}
