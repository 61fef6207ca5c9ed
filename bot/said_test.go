package bot

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"frontdoor/bot/intent"
	"frontdoor/seeds"
)

// The patterns saidKinds stands for.
var (
	reCountSaid    = regexp.MustCompile(`(?:\d+|[一二两三四五六七八九十几]+)(?:次|回|趟)`)
	reDurationSaid = regexp.MustCompile(`(?:\d+|[一二两三四五六七八九十几半]+)(?:个工作日|个月|天|周|个星期|年|个小时|小时)(?:半|多)?(?:了|还|都|也|没)`)
	reAmountSaid   = regexp.MustCompile(`(?:\d+|[一二两三四五六七八九十几]+)(?:元|块|万|千)`)
)

func checkSaid(t *testing.T, text string) {
	t.Helper()
	count, duration, amount := saidKinds(text)
	if count != reCountSaid.MatchString(text) || duration != reDurationSaid.MatchString(text) ||
		amount != reAmountSaid.MatchString(text) {
		t.Errorf("saidKinds(%q) = %v %v %v, patterns say %v %v %v", text, count, duration, amount,
			reCountSaid.MatchString(text), reDurationSaid.MatchString(text), reAmountSaid.MatchString(text))
	}
}

func TestSaidMatchesItsPatterns(t *testing.T) {
	cases := []struct {
		text                    string
		count, duration, amount bool
	}{
		{"这个月已经停了4次电了", true, false, false},
		{"跑了五趟还没办", true, false, false},
		{"三个月了还没通", false, true, false},
		{"等了3天半了", false, true, false},
		{"两年多都没给", false, true, false},
		{"一周来好几拨", false, false, false},
		{"收了好几万", false, false, true},
		{"收了两万", false, false, true},
		{"报价3000元", false, false, true},
		{"半个月了", false, true, false},
		{"个月了", false, false, false},
		{"3天", false, false, false},
		{"3天半", false, false, false},
		{"", false, false, false},
		{"\xff次\xfe天了", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			count, duration, amount := saidKinds(c.text)
			if count != c.count || duration != c.duration || amount != c.amount {
				t.Errorf("saidKinds = %v %v %v, want %v %v %v", count, duration, amount, c.count, c.duration, c.amount)
			}
			checkSaid(t, c.text)
		})
	}
	t.Run("corpus", func(t *testing.T) {
		examples, err := intent.LoadCorpus(seeds.FS)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range examples {
			checkSaid(t, e.Text)
		}
	})
	t.Run("random", func(t *testing.T) {
		alphabet := []rune("0123456789一二两三四五六七八九十几半次回趟个工作日月天周星期年小时多了还都也没元块万千拨好")
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			r := make([]rune, rng.IntN(12))
			for i := range r {
				r[i] = alphabet[rng.IntN(len(alphabet))]
			}
			checkSaid(t, string(r))
		}
	})
}

func FuzzSaidKinds(f *testing.F) {
	for _, s := range []string{"停了4次电", "三个月了还没通", "收了两万", "3天半了", "\xff个月了"} {
		f.Add(s)
	}
	f.Fuzz(checkSaid)
}

// BenchmarkSaidKinds compares the scan with the patterns it replaced, on a
// complaint of ordinary length.
func BenchmarkSaidKinds(b *testing.B) {
	const text = "我们是做市政绿化的小公司,前年给开发区一个部门做的绿化项目,验收早就过了,合同写的验收后三个月付清,可到现在还有40多万尾款一直拖着不付。找了好几次"
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			saidKinds(text)
		}
	})
	b.Run("patterns", func(b *testing.B) {
		for b.Loop() {
			reCountSaid.MatchString(text)
			reDurationSaid.MatchString(text)
			reAmountSaid.MatchString(text)
		}
	})
}
