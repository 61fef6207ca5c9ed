package knowledge

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// A corpus message labelled with an item is what a business says about
// it: the item is found by its wording, even one that shares no word with
// the document; a message of another intent, or about a document the base
// does not load, is not attached; one about an item the document lacks is
// a warning; the questions file a region exports holds its own questions
// only; and a line that is not JSON fails the load, naming its line.
func TestCorpusMessagesFindTheirItems(t *testing.T) {
	const story = "斑马线咖啡馆的招牌挂了三个月还没批下来,跑了五趟"
	fsys := seedsMapFS(t)
	for name := range fsys {
		if strings.HasPrefix(name, CorpusDir+"/") {
			delete(fsys, name)
		}
	}
	base, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := base.Search("葛店开发区", story, 1)
	fsys[CorpusDir+"/local.jsonl"] = &fstest.MapFile{Data: []byte(strings.Join([]string{
		`{"text": "` + story + `", "intent": "complaint", "region": "葛店开发区", "item_id": "001_ae791fdead5d71ad.txt#一、(二) 5"}`,
		`{"text": "斑马线咖啡馆那件事办到哪了", "intent": "progress_query", "region": "葛店开发区", "item_id": "001_ae791fdead5d71ad.txt#一、(二) 5"}`,
		``,
		`{"text": "没有这一项的斑马线", "intent": "policy_query", "region": "葛店开发区", "item_id": "001_ae791fdead5d71ad.txt#九、(九十九) 999"}`,
		`{"text": "另一个地方的斑马线", "intent": "policy_query", "region": "别处", "item_id": "999_gone.txt#1"}`,
		`{"text": "在吗", "intent": "greeting", "region": "葛店开发区", "item_id": ""}`,
	}, "\n"))}
	b, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	five, _ := b.Item("001_ae791fdead5d71ad.txt#一、(二) 5")
	if !slices.Equal(five.Said, []string{story}) {
		t.Errorf("item 5 was said %q", five.Said)
	}
	if len(before) > 0 && before[0].Item == five {
		t.Fatalf("the story found item 5 without the corpus: the test proves nothing")
	}
	if hits, _ := b.Search("葛店开发区", story, 1); len(hits) == 0 || hits[0].Item.ID != five.ID {
		t.Errorf("the story found %v, want item 5", hits)
	}
	if it, ok := b.QuestionItem("葛店开发区", story+"。"); !ok || it.ID != five.ID {
		t.Errorf("the story worded the same is not item 5's: %v", it)
	}
	for _, d := range b.Docs {
		if d.File == "001_ae791fdead5d71ad.txt" && !strings.Contains(strings.Join(d.Warnings, "\n"), "九、(九十九) 999") {
			t.Errorf("warnings of 001: %q", d.Warnings)
		}
	}
	exported, err := b.ExportQuestions("001_ae791fdead5d71ad.txt")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(exported), "斑马线") {
		t.Errorf("the questions file holds the corpus's messages:\n%s", exported)
	}
	fsys[CorpusDir+"/local.jsonl"] = &fstest.MapFile{Data: []byte(`{"text": "a", "intent": "policy_query"}` + "\n{\"text\": \n")}
	if _, err := Load(fsys, Options{}); err == nil || !strings.Contains(err.Error(), "corpus/local.jsonl:2") {
		t.Errorf("a line that is not JSON: %v", err)
	}
}
