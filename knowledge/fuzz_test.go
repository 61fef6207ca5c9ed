package knowledge

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseDocument feeds arbitrary bytes, split into lines, to the parser:
// it must never panic, and every item it finds must have an id and a path,
// unique within the document.
func FuzzParseDocument(f *testing.F) {
	// The seed documents, cut to their first lines: whole documents make
	// every coverage-guided minimisation take the full -fuzzminimizetime.
	seeds, _ := filepath.Glob("../seeds/*.txt")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(headBytes(data, 3000))
		}
	}
	for _, s := range []string{
		"",
		"一、任务\n1.事项。(牵头单位:区发改委)\n2.事项。(牵头单位:区财政局)",
		"第一章 总则\n第一条 为了。\n第二条 本条例。",
		"一、任务\n1.事项\n(1)子项\n(2)子项\n(牵头单位:区局)\n2.事项",
		"关键词一:精准 《方案》提出:建立综合性企业服务中心,受理咨询求助、投诉举报等诉求。",
		"1.压缩至\n0.5个工作日\n2.事项(牵头单位:区住建局区发改委",
		"(一)事项〔责任单位:区局】\n(二)事项牵头单位:配合单位:\n(三)",
		"1000.事项\n999.事项\n1.事项",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := ParseDocument("fuzz.txt", strings.Split(string(data), "\n"))
		if d == nil {
			t.Fatal("nil document")
		}
		checkItemInvariants(t, d)
	})
}

// FuzzSearch asks the seed base arbitrary questions: no panic, scores
// finite, positive and sorted.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"开个公司要多久", "注消公司", "办电要几天", "12345", "", " ", "??", "\x00\xff",
		"我想问一下不动产登记抵押要多长时间啊", "有没有免申即享的政策", "政务服务小哥怎么联系",
		"ＡＢＣ１２３", "😀😀开店", strings.Repeat("营商环境", 200),
		"城里的小厂子一百二十千瓦 接电外线要自己掏钱吗", "营收八百来万的企业有奖励吗", "千千千千瓦",
	} {
		f.Add("葛店开发区", s)
		f.Add("红谷滩", s)
	}
	b := seedBase(f)
	f.Fuzz(func(t *testing.T, region, text string) {
		if _, ok := b.ResolveRegion(region); !ok {
			region = "葛店开发区"
		}
		hits, err := b.Search(region, text, 10)
		if err != nil {
			t.Fatalf("search %q in %q: %v", text, region, err)
		}
		checkHits(t, hits)
		// the headline's choice reads the question's conditions and
		// quantities: it must take any question too
		if len(hits) > 0 {
			q, err := b.Ask(region, text)
			if err != nil {
				t.Fatal(err)
			}
			c, ok := q.BestCommitment(hits[0].Item, map[string]bool{"quantity": true, "money": true, "time": true})
			if ok && !slices.Contains(hits[0].Item.Commitments, c) {
				t.Fatalf("%q: a figure %q the item does not state", text, c.Text)
			}
		}
	})
}

// headBytes cuts data at the last line break within its first n bytes.
func headBytes(data []byte, n int) []byte {
	if len(data) <= n {
		return data
	}
	if i := bytes.LastIndexByte(data[:n], '\n'); i > 0 {
		return data[:i]
	}
	return data[:n]
}

func checkHits(t testing.TB, hits []Hit) {
	t.Helper()
	for i, h := range hits {
		if h.Item == nil {
			t.Fatalf("hit %d has no item", i)
		}
		for name, v := range map[string]float64{"score": h.Score, "fit": h.Fit, "coverage": h.Coverage} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("hit %d (%s): %s %v", i, h.Item.ID, name, v)
			}
		}
		if h.Score < 0 || h.Fit < 0 || h.Fit > 1 || h.Coverage < 0 || h.Coverage > 1 {
			t.Fatalf("hit %d (%s): score %v fit %v coverage %v out of range", i, h.Item.ID, h.Score, h.Fit, h.Coverage)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Fatalf("hits not sorted: %v after %v", h.Score, hits[i-1].Score)
		}
	}
}

// FuzzRuneBits: the sentence filter may only rule out words the text does
// not hold (texts and words are valid UTF-8, as normalised text is).
func FuzzRuneBits(f *testing.F) {
	f.Add("无外部工程的办电时间压缩至3个工作日以内", "办电")
	f.Add("abc", "")
	f.Add("政府采购", "采购项目")
	f.Fuzz(func(t *testing.T, s, w string) {
		if !utf8.ValidString(s) || !utf8.ValidString(w) {
			return
		}
		bits := runeBitsOf(s)
		for _, sub := range []string{w, s[len(s)/2:], s[:len(s)/3]} {
			if utf8.ValidString(sub) && strings.Contains(s, sub) && !bits.mayHold(sub) {
				t.Fatalf("the filter of %q rules out %q, which it holds", s, sub)
			}
		}
	})
}
