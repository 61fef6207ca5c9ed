package knowledge

import "testing"

func TestNamedMatter(t *testing.T) {
	b := seedBase(t)
	cases := []struct {
		region, text, want string
	}{
		{"葛店开发区", "临床中心么时候开", "临床中心"},
		{"朝阳区", "临床中心么时候开", ""}, // another region's matter
		{"葛店开发区", "外卖差评怎么回复顾客显得有诚意", ""},
		{"葛店开发区", "牵头单位是哪个", ""},   // in most items
		{"葛店开发区", "葛店开发区好不好玩", ""}, // the region's own name
		{"葛店开发区", "967788是啥电话", ""},
		{"葛店开发区", "", ""},
	}
	for _, c := range cases {
		t.Run(c.region+"/"+c.text, func(t *testing.T) {
			q, err := b.Ask(c.region, c.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.NamedMatter(); got != c.want {
				t.Errorf("NamedMatter() = %q, want %q", got, c.want)
			}
		})
	}
}
