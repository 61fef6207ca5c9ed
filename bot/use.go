package bot

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// How each item is used, per region: answers that cited it first,
// questions back that offered it, calls for a person right after it, and
// the ratings of the cases opened about it.
const (
	useCited   = "cited"
	useAsked   = "asked"
	useHandoff = "handoff"
)

// ItemUse is one item's use in a region.
type ItemUse struct {
	ID      string `json:"id"`
	Doc     string `json:"doc"`
	Item    string `json:"item"`
	Title   string `json:"title"`
	Cited   int    `json:"cited"`
	Asked   int    `json:"asked"`
	Handoff int    `json:"handoffs"`
	Good    int    `json:"good"`
	Neutral int    `json:"neutral"`
	Bad     int    `json:"bad"`
}

func (e *Engine) useKey(tenant, region string) string { return e.keys.Tenant(tenant, "use", region) }

// useCounts are item-use counts not yet added to Redis. Counting in
// memory and adding a second's worth in one pipeline (FlushUse) keeps a
// Redis command off every answer: the figures are for a dashboard, and
// HINCRBY adds up whichever replica counted.
type useCounts struct {
	mu sync.Mutex
	n  map[[2]string]int64 // key, field → count
}

func (u *useCounts) add(key, field string, n int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n == nil {
		u.n = map[[2]string]int64{}
	}
	u.n[[2]string{key, field}] += n
}

func (u *useCounts) take() map[[2]string]int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.n
	u.n = nil
	return n
}

// countUse adds one to an item's figure, in memory until FlushUse. Best
// effort: a count lost costs a figure, never a reply.
func (e *Engine) countUse(tenant, region, itemID, what string) {
	if itemID == "" || region == "" {
		return
	}
	e.uses.add(e.useKey(tenant, region), itemID+"|"+what, 1)
}

// FlushUse adds the item-use counts gathered since the last flush to
// Redis, in one pipeline. A server calls it every second and as it stops;
// counts it could not add are kept for the next call.
func (e *Engine) FlushUse(ctx context.Context) error {
	pending := e.uses.take()
	if len(pending) == 0 {
		return nil
	}
	type sent struct {
		kf  [2]string
		n   int64
		cmd *redis.IntCmd
	}
	all := make([]sent, 0, len(pending))
	_, err := e.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for kf, n := range pending {
			all = append(all, sent{kf, n, p.HIncrBy(ctx, kf[0], kf[1], n)})
		}
		return nil
	})
	if err == nil {
		return nil
	}
	// keep what did not reach Redis, and only that: what did is counted
	for _, s := range all {
		if s.cmd.Err() != nil {
			e.uses.add(s.kf[0], s.kf[1], s.n)
		}
	}
	return e.storeErr(err)
}

// noteUse counts what a reply did with the items it names.
func (e *Engine) noteUse(in Inbound, r Reply, before session) {
	region := r.Region
	switch {
	case len(r.Choices) > 0:
		for _, c := range r.Citations {
			e.countUse(in.Tenant, region, knowledge.ItemID(c.Doc, c.Path), useAsked)
		}
	case r.Intent == PolicyQuery && len(r.Citations) > 0:
		c := r.Citations[0]
		e.countUse(in.Tenant, region, knowledge.ItemID(c.Doc, c.Path), useCited)
	case r.Intent == Human && r.Handoff && before.Item != "":
		e.countUse(in.Tenant, before.Region, before.Item, useHandoff)
	}
}

// noteRating counts a case's rating against the item it was about.
func (e *Engine) noteRating(t *ticket.Ticket) {
	if t.Item != nil {
		e.countUse(t.Tenant, t.Region, t.Item.ID, string(t.Rating))
	}
}

// ItemUses are a region's items as they were used, the most cited first,
// for its managers and admins.
func (e *Engine) ItemUses(ctx context.Context, u *staff.User, region string) ([]ItemUse, error) {
	if !u.CanReport(region) && !u.CanEdit(region) {
		return nil, errNotYourRegion
	}
	if err := e.FlushUse(ctx); err != nil {
		e.log.Warn("add item use counts", "err", err)
	}
	counts, err := e.rdb.HGetAll(ctx, e.useKey(u.Tenant, region)).Result()
	if err != nil {
		return nil, e.storeErr(err)
	}
	kb := e.kb()
	byID := map[string]*ItemUse{}
	for field, v := range counts {
		id, what, ok := strings.Cut(field, "|")
		n, _ := strconv.Atoi(v)
		if !ok || n == 0 {
			continue
		}
		iu := byID[id]
		if iu == nil {
			iu = &ItemUse{ID: id}
			if it, ok := kb.Item(id); ok {
				iu.Doc, iu.Item, iu.Title = it.Doc, it.Number, it.Title
			}
			byID[id] = iu
		}
		switch what {
		case useCited:
			iu.Cited += n
		case useAsked:
			iu.Asked += n
		case useHandoff:
			iu.Handoff += n
		case string(ticket.Good):
			iu.Good += n
		case string(ticket.Neutral):
			iu.Neutral += n
		case string(ticket.Bad):
			iu.Bad += n
		}
	}
	out := make([]ItemUse, 0, len(byID))
	for _, iu := range byID {
		out = append(out, *iu)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cited != out[j].Cited {
			return out[i].Cited > out[j].Cited
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
