package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseCorpus(t *testing.T) {
	tests := []struct {
		name, data, err string
		n               int
	}{
		{"good", `{"text": "你好", "intent": "greeting", "region": "", "item_id": ""}` + "\n\n" + `{"text": " 接电要多久 ", "intent": "policy_query"}`, "", 2},
		{"unknown intent", `{"text": "你好", "intent": "chitchat"}`, "x.jsonl:1: intent \"chitchat\"", 0},
		{"empty text", `{"text": "  ", "intent": "greeting"}`, "x.jsonl:1: text is empty", 0},
		{"unknown field", `{"text": "你好", "intent": "greeting", "lable": "x"}`, "x.jsonl:1:", 0},
		{"not JSON", "{\"text\": \"你好\", \"intent\": \"greeting\"}\n{text", "x.jsonl:2:", 0},
		{"too long", `{"text": "` + strings.Repeat("长", 2001) + `", "intent": "complaint"}`, "longer than", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exs, err := ParseCorpus("x.jsonl", []byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(exs) != tt.n {
				t.Fatalf("%d examples, err %v", len(exs), err)
			}
			if exs[1].Text != "接电要多久" || exs[1].Source != "x.jsonl:3" {
				t.Errorf("%+v", exs[1])
			}
		})
	}
}

func TestCorpusLayers(t *testing.T) {
	base := fstest.MapFS{
		"corpus/a.jsonl": {Data: []byte(`{"text": "你好", "intent": "greeting"}`)},
		"corpus/b.jsonl": {Data: []byte(`{"text": "接电要多久", "intent": "policy_query"}`)},
	}
	local := fstest.MapFS{
		"corpus/b.jsonl": {Data: []byte(`{"text": "用水要多久", "intent": "policy_query"}`)},
		"corpus/c.jsonl": {Data: []byte(`{"text": "太过分了", "intent": "complaint"}`)},
		"corpus/x.txt":   {Data: []byte(`not a corpus file`)},
	}
	exs, err := ReadCorpus(base, local)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ex := range exs {
		got = append(got, ex.Text)
	}
	if strings.Join(got, "|") != "你好|用水要多久|太过分了" {
		t.Fatalf("read %q; a local file replaces the shipped one of its name and adds its own", got)
	}
}
