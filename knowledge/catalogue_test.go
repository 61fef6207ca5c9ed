package knowledge

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestShippedCatalogue(t *testing.T) {
	tests := []struct {
		file        string
		minRegions  int
		minSynonyms int
	}{
		{CatalogueFile, 5, 0},
		{SynonymsFile, 0, 100},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("../seeds/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseCatalogue(tc.file, data)
			if err != nil {
				t.Fatalf("shipped %s does not parse: %v", tc.file, err)
			}
			if len(c.Regions) < tc.minRegions || len(c.Synonyms) < tc.minSynonyms {
				t.Errorf("%d regions, %d synonym groups; want ≥%d, ≥%d", len(c.Regions), len(c.Synonyms), tc.minRegions, tc.minSynonyms)
			}
			for _, g := range c.Synonyms {
				if len(g) < 2 {
					t.Errorf("synonym group %v", g)
				}
			}
		})
	}
	t.Run("regions of the seeds", func(t *testing.T) {
		data, _ := os.ReadFile("../seeds/" + CatalogueFile)
		c, err := ParseCatalogue(CatalogueFile, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"红谷滩区", "葛店开发区", "徐州市", "朝阳区", "河池市"} {
			r, ok := c.region(name)
			if !ok {
				t.Errorf("no region %s", name)
				continue
			}
			if r.Dispatcher == "" || r.Desk == "" {
				t.Errorf("%s: dispatcher %q desk %q", name, r.Dispatcher, r.Desk)
			}
		}
		if r, _ := c.region("葛店开发区"); r.Clocks["general"] != "5d" || r.Clocks["difficult"] != "15d" {
			t.Errorf("葛店开发区 clocks %v", r.Clocks)
		}
	})
}

func TestParseCatalogueValid(t *testing.T) {
	const src = `# a comment
regions:
  - name: 甲区
    aliases: [某市甲区, 甲]
    dispatcher: 区营商办
    hours: "09:00-12:00,13:30-17:30"
    clocks: {first_response: 2h, general: 5d, warn_at: 0.75}
documents:
  - file: a.txt
    region: 甲区
  - file: b.txt
    skip: true
items:
  - id: jia-001
    region: 甲区
    title: 小微企业房租补贴免申即享
    text: 符合条件的小微企业无需申请,补贴按季度直接拨付。
    lead_units: [区中小企业服务局]
    tags: [免申即办]
synonyms:
  - [开公司, 企业开办]
calendar:
  extra: []
`
	c, err := ParseCatalogue(CatalogueFile, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Regions) != 1 || c.Regions[0].Clocks["general"] != "5d" || !slices.Equal(c.Regions[0].Aliases, []string{"某市甲区", "甲"}) {
		t.Errorf("regions %+v", c.Regions)
	}
	if d, ok := c.documentEntry("b.txt"); !ok || !d.Skip {
		t.Errorf("documents %+v", c.Documents)
	}
	if len(c.Items) != 1 || c.Items[0].ID != "jia-001" || c.Items[0].line != 14 {
		t.Errorf("items %+v", c.Items)
	}
	if len(c.Synonyms) != 1 || len(c.Calendar) == 0 {
		t.Errorf("synonyms %v calendar %q", c.Synonyms, c.Calendar)
	}
	for _, empty := range []string{"", "# nothing\n"} {
		if c, err := ParseCatalogue(CatalogueFile, []byte(empty)); err != nil || c == nil {
			t.Errorf("%q: %v", empty, err)
		}
	}
}

func TestParseCatalogueErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		src  string
		line int
		msg  string // a part of the message
	}{
		{
			name: "unknown section",
			src:  "regions: []\n\nregoins:\n  - name: 甲区\n",
			line: 3, msg: `unknown section "regoins"`,
		},
		{
			name: "unknown field in a region",
			src:  "regions:\n  - name: 甲区\n    dispatcher: 区营商办\n    dispacher: 区政数局\n",
			line: 4, msg: `unknown field "dispacher"`,
		},
		{
			name: "wrong type in a region",
			src:  "regions:\n  - name: 甲区\n\n    aliases: 甲\n",
			line: 4, msg: "cannot unmarshal",
		},
		{
			name: "bad clock duration",
			src:  "regions:\n  - name: 甲区\n  - name: 乙区\n    clocks: {general: 5 days}\n",
			line: 3, msg: `clocks.general "5 days"`,
		},
		{
			name: "bad notify target",
			src:  "regions:\n  - name: 甲区\n    notify:\n      区市场监管局: \"https://qyapi.weixin.qq.com/x?key=1, www.example.com\"\n",
			line: 2, msg: `notify.区市场监管局 "www.example.com"`,
		},
		{
			name: "unknown clock",
			src:  "regions:\n  - name: 甲区\n    clocks:\n      lunch: 1h\n",
			line: 2, msg: `unknown clock "lunch"`,
		},
		{
			name: "bad warn_at share",
			src:  "regions:\n  - name: 甲区\n    clocks: {warn_at: 75%}\n",
			line: 2, msg: "warn_at",
		},
		{
			name: "duplicate region",
			src:  "regions:\n  - name: 甲区\n  - name: 乙区\n  - name: 甲区\n",
			line: 4, msg: `region "甲区" listed twice`,
		},
		{
			name: "region without a name",
			src:  "regions:\n  - name: 甲区\n  - aliases: [乙]\n",
			line: 3, msg: "region without a name",
		},
		{
			name: "item without title",
			src:  "items:\n  - id: a\n    region: 甲区\n    title: 有标题\n  - id: b\n    region: 甲区\n    text: 没有标题\n",
			line: 5, msg: "item without a title",
		},
		{
			name: "item without region",
			src:  "items:\n  - id: a\n    title: 房租补贴\n",
			line: 2, msg: `item "房租补贴" has no region`,
		},
		{
			name: "duplicate item id",
			src:  "items:\n  - id: a\n    region: 甲区\n    title: 一\n  - id: a\n    region: 甲区\n    title: 二\n",
			line: 5, msg: `item id "a" used twice`,
		},
		{
			name: "unknown field in an item",
			src:  "items:\n  - id: a\n    region: 甲区\n    title: 一\n    lead: [区局]\n",
			line: 5, msg: `unknown field "lead"`,
		},
		{
			name: "synonym group of one word",
			file: SynonymsFile,
			src:  "synonyms:\n  - [开公司, 企业开办]\n  # a lone word\n  - [注销]\n",
			line: 4, msg: "needs at least two words",
		},
		{
			name: "regional synonym group without a region",
			file: SynonymsFile,
			src:  "synonyms:\n  - [开公司, 企业开办]\n  - {words: [光谷, 东湖高新区]}\n",
			line: 3, msg: "needs a region",
		},
		{
			name: "regional synonym group holding a word twice",
			file: SynonymsFile,
			src:  "synonyms:\n  - region: 甲区\n    words: [光谷, 光谷]\n",
			line: 2, msg: "twice",
		},
		{
			name: "regional synonym group with an unknown field",
			file: SynonymsFile,
			src:  "synonyms:\n  - region: 甲区\n    word: [光谷, 东湖]\n",
			line: 3, msg: `unknown field "word"`,
		},
		{
			name: "synonym group not a list",
			file: SynonymsFile,
			src:  "synonyms:\n  - [开公司, 企业开办]\n  - 注销\n",
			line: 3, msg: "cannot unmarshal",
		},
		{
			name: "section not a list",
			src:  "regions:\n  name: 甲区\n",
			line: 2, msg: "regions: must be a list",
		},
		{
			name: "not a mapping",
			src:  "# header\n- regions\n- items\n",
			line: 2, msg: "must be a mapping",
		},
		{
			name: "yaml syntax",
			src:  "regions:\n  - name: 甲区\n    aliases: [甲\n",
			line: 0, msg: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = CatalogueFile
			}
			c, err := ParseCatalogue(file, []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; parsed %+v", c)
			}
			if c != nil {
				t.Errorf("a catalogue returned beside the error")
			}
			var ce *CatalogueError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *CatalogueError", err, err)
			}
			if ce.File != file {
				t.Errorf("file %q, want %q", ce.File, file)
			}
			if tc.line == 0 {
				if ce.Line <= 0 || !strings.HasPrefix(err.Error(), file+":") {
					t.Errorf("syntax error %q carries no line", err)
				}
				return
			}
			prefix := file + ":" + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || ce.Line != tc.line {
				t.Errorf("error %q (line %d), want it to start with %q", err, ce.Line, prefix)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to mention %q", err, tc.msg)
			}
		})
	}
}

func TestParseCatalogueManyErrors(t *testing.T) {
	src := "regions:\n  - name: 甲区\n  - name: 甲区\nitems:\n  - id: a\n    region: 甲区\n  - title: 二\n"
	_, err := ParseCatalogue(CatalogueFile, []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"catalogue.yaml:3: ", "catalogue.yaml:5: ", "catalogue.yaml:7: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// A catalogue that does not validate fails the load, naming file and line.
func TestLoadBadCatalogue(t *testing.T) {
	fsys := fstest.MapFS{
		CatalogueFile: {Data: []byte("regions:\n  - name: 甲区\n    colour: red\n")},
		"a.txt":       {Data: []byte("甲区优化营商环境工作方案\n一、任务\n1.推行一网通办。(牵头单位:区政数局)\n2.推行帮办代办。(牵头单位:区政数局)\n")},
	}
	b, err := Load(fsys, Options{})
	if err == nil || b != nil {
		t.Fatalf("load succeeded: %v", err)
	}
	if !strings.Contains(err.Error(), "catalogue.yaml:3:") {
		t.Errorf("error %q does not name catalogue.yaml:3", err)
	}
}

// FuzzParseCatalogue feeds arbitrary bytes to the catalogue parser: an
// operator's broken file gets an error, never a panic.
func FuzzParseCatalogue(f *testing.F) {
	for _, name := range []string{CatalogueFile, SynonymsFile} {
		if data, err := os.ReadFile("../seeds/" + name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "regions: [", "regions:\n  - name: 1\n    aliases: {a: b}\n", "synonyms:\n  - [a]\n  - 3\n",
		"documents:\n  - {file: ../x.txt, region: \"\"}\n", "a: &a [*a, *a]\n", "calendar:\n  2027: {holidays: [x]}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		c, err := ParseCatalogue("fuzz.yaml", data)
		if err == nil && c == nil {
			t.Fatal("no catalogue and no error")
		}
	})
}
