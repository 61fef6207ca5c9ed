package knowledge

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSearchRegionScoping(t *testing.T) {
	b := seedBase(t)
	tests := []struct{ region, text string }{
		{"葛店开发区", "办电要几天"},
		{"葛店开发区", "停电太多了找谁"},
		{"葛店开发区", "电力接入工程审批"},
		{"葛店", "用电报装要跑几次"},
		{"河池市", "用电成本太高"},
		{"红谷滩区", "企业投诉电话"},
		{"长春市朝阳区", "供电不稳定"},
	}
	for _, tc := range tests {
		t.Run(tc.region+"/"+tc.text, func(t *testing.T) {
			want, ok := b.ResolveRegion(tc.region)
			if !ok {
				t.Fatalf("region %q does not resolve", tc.region)
			}
			hits, err := b.Search(tc.region, tc.text, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 {
				t.Fatal("no hits")
			}
			for _, h := range hits {
				if h.Item.Region != want {
					t.Errorf("hit %s from region %q, asked in %q", h.Item.ID, h.Item.Region, want)
				}
			}
			checkHits(t, hits)
		})
	}
}

func TestResolveRegion(t *testing.T) {
	b := seedBase(t)
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"name", "葛店开发区", "葛店开发区", true},
		{"short name", "葛店", "葛店开发区", true},
		{"catalogue alias", "葛店经开区", "葛店开发区", true},
		{"city and district", "长春市朝阳区", "朝阳区", true},
		{"short city", "河池", "河池市", true},
		{"with spaces", " 红谷滩区 ", "红谷滩区", true},
		{"longer name ending in an alias", "江西省南昌市红谷滩区", "红谷滩区", true},
		{"unknown", "海淀区", "", false},
		{"empty", "", "", false},
		{"one character", "区", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := b.ResolveRegion(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ResolveRegion(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
	t.Run("all seed regions", func(t *testing.T) {
		want := []string{"徐州市", "朝阳区", "河池市", "红谷滩区", "葛店开发区"}
		if got := b.Regions(); !slices.Equal(got, want) {
			t.Errorf("Regions() = %v, want %v", got, want)
		}
	})
}

func TestSearchUnknownRegion(t *testing.T) {
	b := seedBase(t)
	for _, region := range []string{"海淀区", "", "葛"} {
		t.Run(region, func(t *testing.T) {
			hits, err := b.Search(region, "开公司要多久", 5)
			if !errors.Is(err, ErrUnknownRegion) {
				t.Errorf("err %v, want ErrUnknownRegion", err)
			}
			if hits != nil {
				t.Errorf("hits %v beside the error", hits)
			}
		})
	}
}

func TestSearchFindsItem(t *testing.T) {
	b := seedBase(t)
	tests := []struct {
		name, region, text string
		doc, number        string // the item expected first
	}{
		{"typo 注消 (synonyms)", "葛店开发区", "注消公司要交哪些材料", seedGeDian, "26"},
		{"colloquial 开公司", "葛店开发区", "开个公司要多久", seedGeDian, "23"},
		{"办电时间", "葛店开发区", "办电要多长时间", seedGeDian, "5"},
		{"停电", "葛店开发区", "停电太多了", seedGeDian, "6"},
		{"抵押登记", "葛店", "不动产抵押登记要多久", seedGeDian, "41"},
		{"免申即享", "红谷滩区", "有没有免申即享的政策", seedHongGuTan, "7"},
		{"政务服务小哥", "红谷滩区", "政务服务小哥在哪", seedHongGuTan, "5"},
		{"打官司", "朝阳区", "打官司要多久", seedChaoyang, "11"},
		{"退税", "长春市朝阳区", "退税要多久", seedChaoyang, "34"},
		{"担保费率", "河池市", "担保费率是多少", seedHechi, "一(六)"},
		{"拖欠账款", "河池", "拖欠账款怎么办", seedHechi, "二(二)"},
		{"上门服务", "徐州市", "领导多久上门服务一次", seedXuzhou, "关键词二-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := seedItem(t, tc.doc, tc.number)
			hits, err := b.Search(tc.region, tc.text, 5)
			if err != nil {
				t.Fatal(err)
			}
			checkHits(t, hits)
			if len(hits) == 0 || hits[0].Item != want {
				var got []string
				for _, h := range hits {
					got = append(got, h.Item.Number+" "+h.Item.Title)
				}
				t.Fatalf("%q: got %v, want %s %s first", tc.text, got, want.Number, want.Title)
			}
			checkSnippet(t, hits[0])
		})
	}
}

// The snippet is one sentence of the item's body, as the answer quotes it.
func checkSnippet(t *testing.T, h Hit) {
	t.Helper()
	if h.Snippet == "" {
		t.Fatalf("hit %s: empty snippet", h.Item.ID)
	}
	if !slices.Contains(splitSentences(h.Item.Body), h.Snippet) {
		t.Errorf("hit %s: snippet %q is not a sentence of the body", h.Item.ID, h.Snippet)
	}
	if strings.Contains(h.Snippet, "牵头单位") {
		t.Errorf("hit %s: snippet %q quotes the unit annotation", h.Item.ID, h.Snippet)
	}
}

func TestSearchSnippetsAndOrder(t *testing.T) {
	b := seedBase(t)
	for _, region := range b.Regions() {
		for _, text := range []string{"办事要多久", "企业投诉找谁", "有什么补贴政策", "营商环境"} {
			t.Run(region+"/"+text, func(t *testing.T) {
				hits, err := b.Search(region, text, 20)
				if err != nil {
					t.Fatal(err)
				}
				checkHits(t, hits)
				if len(hits) > 20 {
					t.Errorf("%d hits for k=20", len(hits))
				}
				ids := map[string]bool{}
				for _, h := range hits {
					if ids[h.Item.ID] {
						t.Errorf("item %s twice", h.Item.ID)
					}
					ids[h.Item.ID] = true
					checkSnippet(t, h)
				}
			})
		}
	}
	t.Run("default k", func(t *testing.T) {
		hits, _ := b.Search("葛店开发区", "办理时间", 0)
		if len(hits) != 5 {
			t.Errorf("%d hits for k=0, want 5", len(hits))
		}
	})
	t.Run("empty question", func(t *testing.T) {
		for _, text := range []string{"", "   ", "??!", "请问一下"} {
			hits, err := b.Search("葛店开发区", text, 5)
			if err != nil || len(hits) != 0 {
				t.Errorf("%q: %d hits, err %v", text, len(hits), err)
			}
		}
	})
}

// Without the synonym groups (where 注消 is listed), the homophone typo
// still finds 注销 through the pinyin bigrams.
func TestSearchPinyinTypo(t *testing.T) {
	data, err := os.ReadFile(seedPath(t, seedGeDian))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(fstest.MapFS{"geidan.txt": {Data: data}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Catalog.Synonyms) != 0 {
		t.Fatal("synonyms loaded")
	}
	want := ""
	for _, it := range b.Items {
		if it.Number == "26" {
			want = it.ID
		}
	}
	tests := []struct{ name, text string }{
		{"注消 for 注销", "企业注消"},
		{"注消 with filler", "请问注消要什么材料"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := b.Search("葛店开发区", tc.text, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].Item.ID != want {
				var got []string
				for _, h := range hits {
					got = append(got, h.Item.Number+" "+h.Item.Title)
				}
				t.Errorf("%q: got %v, want item 26 (注销) first", tc.text, got)
			}
		})
	}
	t.Run("pinyin bigrams", func(t *testing.T) {
		if a, b := pinyinBigrams("注消"), pinyinBigrams("注销"); !slices.Equal(a, b) || len(a) != 1 {
			t.Errorf("注消 %v, 注销 %v", a, b)
		}
	})
}

func seedPath(t *testing.T, prefix string) string {
	t.Helper()
	m, _ := fs.Glob(os.DirFS("../seeds"), prefix+"_*.txt")
	if len(m) != 1 {
		t.Fatalf("seed %s: %v", prefix, m)
	}
	return "../seeds/" + m[0]
}

func TestFindRegion(t *testing.T) {
	b := seedBase(t)
	tests := []struct {
		text, want string
		ok         bool
	}{
		{"我在葛店开发区开了个厂", "葛店开发区", true},
		{"长春市朝阳区的企业怎么办电", "朝阳区", true},
		{"河池这边贷款难", "河池市", true},
		{"开公司要多久", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, ok := b.FindRegion(tc.text)
			if got != tc.want || ok != tc.ok {
				t.Errorf("FindRegion(%q) = %q, %v; want %q, %v", tc.text, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestKeySentences(t *testing.T) {
	b := seedBase(t)
	qn, err := b.Ask("葛店开发区", "厂里要新装一路低压电,不用外线施工,几天能通?")
	if err != nil {
		t.Fatal(err)
	}
	hits := qn.Search(1, "")
	if len(hits) == 0 {
		t.Fatal("no hit")
	}
	it := hits[0].Item
	all := splitSentences(it.Body)
	for _, n := range []int{0, 1, 2, len(all) + 3} {
		got := qn.KeySentences(it, n)
		if len(got) != min(n, len(all)) {
			t.Fatalf("KeySentences(n=%d) gave %d sentences of %d", n, len(got), len(all))
		}
		// in the item's order
		at := -1
		for _, s := range got {
			i := slices.Index(all, s)
			if i <= at {
				t.Errorf("KeySentences(n=%d) = %q: not in the item's order", n, got)
			}
			at = i
		}
	}
	if best := qn.KeySentences(it, 1); len(best) != 1 || !strings.Contains(best[0], "3个工作日") {
		t.Errorf("the best sentence for a low-voltage connection without external works: %q, want the 3个工作日 one", best)
	}
}
