// Package gaps keeps the questions the bot did not answer well — answered
// out of scope, with nothing that fits, with a question back, followed by
// a call for a person, or whose case got a 差评 — so that managers see
// where the knowledge base falls short, grouped by similar wording.
package gaps

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
	"frontdoor/bot/privacy"
	"frontdoor/bot/store"
)

// Reasons a question is a gap.
const (
	OutOfScope = "out_of_scope" // answered as outside government services
	NotFound   = "not_found"    // nothing in the documents fitted
	Asked      = "asked"        // the bot asked back which was meant
	Handoff    = "handoff"      // the business asked for a person next
	BadRating  = "bad_rating"   // the case it opened was rated 差评
)

// Gap is one question the bot did not answer well.
type Gap struct {
	At      time.Time `json:"at"`
	Region  string    `json:"region"`
	Text    string    `json:"text"`
	Reason  string    `json:"reason"`
	Items   []string  `json:"items,omitempty"` // the items offered, "doc#item"
	Channel string    `json:"channel,omitempty"`
}

// Store keeps a tenant's gaps in a capped Redis stream.
type Store struct {
	rdb  store.Client
	keys store.Keys
	// Max is how many gaps a tenant keeps (approximately).
	Max int64
}

// New builds a store.
func New(rdb store.Client, keys store.Keys) *Store { return &Store{rdb: rdb, keys: keys, Max: 100000} }

func (s *Store) key(tenant string) string { return s.keys.Tenant(tenant, "gaps") }

// maxTextRunes bounds a kept question.
const maxTextRunes = 300

// Record keeps a gap; personal numbers and addresses are masked first,
// since managers read gaps and exports leave the service.
func (s *Store) Record(ctx context.Context, tenant string, g Gap) error {
	text := fault.Clip(strings.Join(strings.Fields(privacy.MaskOutbound(g.Text)), " "), maxTextRunes)
	if text == "" {
		return nil
	}
	args := &redis.XAddArgs{Stream: s.key(tenant), MaxLen: s.Max, Approx: true,
		Values: []string{"at", strconv.FormatInt(g.At.UnixMilli(), 10), "region", g.Region, "text", text, "reason", g.Reason,
			"items", strings.Join(g.Items, ","), "channel", g.Channel}}
	return s.rdb.XAdd(ctx, args).Err()
}

// readBatch is how many entries List reads from Redis at a time.
const readBatch = 1000

// List reads the gaps of region ("" for all) recorded in [from, to),
// newest first, at most limit. The stream is read from its newest entry
// back until the entries are older than from (an hour's slack allows for
// replicas whose clocks differ).
func (s *Store) List(ctx context.Context, tenant, region string, from, to time.Time, limit int) ([]Gap, error) {
	var out []Gap
	end := "+"
	for len(out) < limit {
		msgs, err := s.rdb.XRevRangeN(ctx, s.key(tenant), end, "-", readBatch).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		for _, m := range msgs {
			g := decode(m)
			if g.At.Before(from.Add(-time.Hour)) {
				return out, nil
			}
			if g.At.Before(from) || !g.At.Before(to) || region != "" && g.Region != region {
				continue
			}
			if out = append(out, g); len(out) == limit {
				return out, nil
			}
		}
		if len(msgs) < readBatch {
			return out, nil
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

// decode reads one entry of the stream.
func decode(m redis.XMessage) Gap {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	ms, _ := strconv.ParseInt(str("at"), 10, 64)
	g := Gap{At: time.UnixMilli(ms), Region: str("region"), Text: str("text"), Reason: str("reason"), Channel: str("channel")}
	if it := str("items"); it != "" {
		g.Items = strings.Split(it, ",")
	}
	return g
}

// Group is questions of similar wording: how many, why, the newest first.
type Group struct {
	Example  string         `json:"example"`
	Count    int            `json:"count"`
	Reasons  map[string]int `json:"reasons"`
	Items    []string       `json:"items"` // items offered, most often first
	Last     time.Time      `json:"last"`
	Examples []string       `json:"examples"` // up to five, newest first
}

// similar is how much of their character pairs two questions must share
// (Dice: twice the shared pairs over all pairs) to be one group; short
// questions worded differently share few pairs, so the bar is not high.
const similar = 0.5

// Cluster groups gaps (newest first, as List returns them) by similar
// wording, greedily: each question joins the first group whose first
// question it resembles enough. Groups come largest first.
func Cluster(gs []Gap) []Group {
	type acc struct {
		Group
		grams map[string]bool
		items map[string]int
	}
	var groups []*acc
	for _, g := range gs {
		grams := bigrams(g.Text)
		var into *acc
		for _, a := range groups {
			if dice(grams, a.grams) >= similar {
				into = a
				break
			}
		}
		if into == nil {
			into = &acc{Group: Group{Example: g.Text, Last: g.At, Reasons: map[string]int{}}, grams: grams, items: map[string]int{}}
			groups = append(groups, into)
		}
		into.Count++
		into.Reasons[g.Reason]++
		for _, it := range g.Items {
			into.items[it]++
		}
		if len(into.Examples) < 5 {
			into.Examples = append(into.Examples, g.Text)
		}
	}
	out := make([]Group, 0, len(groups))
	for _, a := range groups {
		for it := range a.items {
			a.Items = append(a.Items, it)
		}
		sort.Slice(a.Items, func(i, j int) bool {
			if a.items[a.Items[i]] != a.items[a.Items[j]] {
				return a.items[a.Items[i]] > a.items[a.Items[j]]
			}
			return a.Items[i] < a.Items[j]
		})
		if a.Items == nil {
			a.Items = []string{}
		}
		out = append(out, a.Group)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// bigrams are the character pairs of a question's letters and digits.
func bigrams(s string) map[string]bool {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	if len(rs) == 1 {
		out[string(rs)] = true
	}
	return out
}

func dice(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}
