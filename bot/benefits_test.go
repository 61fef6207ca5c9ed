package bot_test

import (
	"context"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// exampleBenefits are EXAMPLE DATA for tests: invented 免申即享 benefits
// with conditions, laid over the seeds' catalogue. seeds/catalogue.yaml
// ships none.
const exampleBenefits = `items:
  - id: ex-first-loan
    region: 葛店开发区
    title: 示例:小微企业首贷贴息
    text: 示例数据。小微企业首次贷款按实际利息的50%贴息,免申即享。
    tags: [免申即享]
    conditions: {sizes: [micro, small]}
  - id: ex-new-factory
    region: 葛店开发区
    title: 示例:新设制造业企业开办奖励
    text: 示例数据。2020年以后新设立的制造业企业给予开办奖励,免申即享。
    tags: [免申即享]
    conditions: {industries: [制造], registered_from: 2020}
  - id: ex-catering
    region: 葛店开发区
    title: 示例:餐饮业纾困补贴
    text: 示例数据。餐饮企业按上年社保缴纳人数给予补贴,免申即享。
    tags: [免申即享]
    conditions: {industries: [餐饮]}
`

// laterBenefit is a benefit added after the businesses registered.
const laterBenefit = `  - id: ex-tech-upgrade
    region: 葛店开发区
    title: 示例:制造业技改奖补
    text: 示例数据。制造业企业技术改造投入按10%奖补,免申即享。
    tags: [免申即享]
    conditions: {industries: [制造]}
`

// kbWith is the seeds' knowledge base with items laid over its catalogue.
func kbWith(t *testing.T, items string) *knowledge.Base {
	t.Helper()
	mfs := fstest.MapFS{}
	err := fs.WalkDir(seeds.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(seeds.FS, p)
		mfs[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat := string(mfs["catalogue.yaml"].Data)
	if !strings.Contains(cat, "\nitems: []\n") {
		t.Fatal("the seeds' catalogue has items of its own; the test lays its examples over an empty list")
	}
	mfs["catalogue.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(cat, "\nitems: []\n", "\n"+items, 1))}
	b, err := knowledge.Load(mfs, knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBenefitsFindTheBusiness: two businesses with profiles are each told
// exactly the example benefits whose conditions they meet; a benefit
// added later is sent once, by either of two schedulers, to the one it
// fits that opted in.
func TestBenefitsFindTheBusiness(t *testing.T) {
	var kb atomic.Pointer[knowledge.Base]
	kb.Store(kbWith(t, exampleBenefits))
	env := bottest.New(t, bottest.Options{KB: kb.Load})
	ctx := context.Background()
	profiles := map[string]bot.Profile{
		"factory": {Industry: "汽车零部件制造", Size: "small", RegisteredYear: 2021, Region: "葛店", OptIn: true},
		"restaurant": {Industry: "餐饮", Size: "micro", RegisteredYear: 2010, Region: "葛店开发区", OptIn: true,
			CreditCode: "91420700MA4958PL42"},
	}
	for user, p := range profiles {
		if _, err := env.Engine.SetProfile(ctx, "demo", user, p); err != nil {
			t.Fatalf("%s: %v", user, err)
		}
	}
	for _, bad := range []bot.Profile{
		{Industry: "餐饮", Size: "huge", RegisteredYear: 2010, Region: "葛店开发区"},
		{Industry: "餐饮", Size: "micro", RegisteredYear: 1800, Region: "葛店开发区"},
		{Industry: "餐饮", Size: "micro", RegisteredYear: 2010, Region: "火星"},
		{Industry: "餐饮", Size: "micro", RegisteredYear: 2010, Region: "葛店开发区", CreditCode: "91420700MA4958PL43"},
	} {
		if _, err := env.Engine.SetProfile(ctx, "demo", "bad", bad); err == nil {
			t.Errorf("profile %+v accepted", bad)
		}
	}
	ask := func(user string) bot.Reply {
		return handle(t, env.Engine, bot.Inbound{User: user, Region: "葛店开发区", Text: "我们公司能享受哪些免申即享政策?"})
	}
	for user, want := range map[string][]string{
		"factory":    {"首贷贴息", "开办奖励"},
		"restaurant": {"首贷贴息", "纾困补贴"},
	} {
		r := ask(user)
		for _, w := range want {
			if !strings.Contains(r.Text, w) {
				t.Errorf("%s is not told of %s: %q", user, w, r.Text)
			}
		}
		if len(r.Citations) != len(want) {
			t.Errorf("%s is told of %d benefits, want %d: %q", user, len(r.Citations), len(want), r.Text)
		}
	}
	if r := ask("nobody"); !strings.Contains(r.Text, "登记信息") {
		t.Errorf("a business without a profile: %q", r.Text)
	}

	if n, err := env.Engine.PushNewBenefits(ctx, "demo"); err != nil || n != 0 {
		t.Fatalf("the first look told %d (%v); it should only learn what exists", n, err)
	}
	kb.Store(kbWith(t, exampleBenefits+laterBenefit))
	var wg sync.WaitGroup
	var told atomic.Int64
	for range 2 { // two schedulers
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := env.Engine.PushNewBenefits(ctx, "demo")
			if err != nil {
				t.Error(err)
			}
			told.Add(int64(n))
		}()
	}
	wg.Wait()
	if n, _ := env.Engine.PushNewBenefits(ctx, "demo"); told.Load() != 1 || n != 0 {
		t.Fatalf("told %d businesses, then %d; want 1, then 0", told.Load(), n)
	}
	for user, want := range map[string]int{"factory": 1, "restaurant": 0} {
		msgs, _, err := env.Outbox.List(ctx, "demo", user, "", 10)
		if err != nil || len(msgs) != want || want == 1 && !strings.Contains(msgs[0].Text, "技改奖补") {
			t.Errorf("%s received %+v (%v), want %d message", user, msgs, err, want)
		}
	}
}

func TestValidCreditCode(t *testing.T) {
	for code, want := range map[string]bool{
		"91420700MA4958PL42": true,
		"91420700MA4958PL43": false, // wrong check character
		"91420700MA4958PL4":  false, // too short
		"91420700MA4958IL42": false, // I is not used
		"":                   false,
	} {
		if got := bot.ValidCreditCode(code); got != want {
			t.Errorf("ValidCreditCode(%q) = %v", code, got)
		}
	}
}
