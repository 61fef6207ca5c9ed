package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
	"frontdoor/bot/outbox"
	"frontdoor/knowledge"
)

// 免申即享 that finds the business: a business's profile — industry, size,
// year of registration, region, optionally its 统一社会信用代码 — set by
// the tenant's system; curated benefits say in their conditions whom they
// fit; "我能享受什么" lists the ones that fit, and a benefit added later is
// sent once to the businesses it fits that opted in.

// Profile is what a business is, for the benefits that fit it.
type Profile struct {
	Industry       string    `json:"industry"`
	Size           string    `json:"size"`
	RegisteredYear int       `json:"registered_year"`
	Region         string    `json:"region"`
	CreditCode     string    `json:"credit_code,omitempty"`
	OptIn          bool      `json:"opt_in"`
	Updated        time.Time `json:"updated"`
}

func (p Profile) business() knowledge.Business {
	return knowledge.Business{Industry: p.Industry, Size: p.Size, RegisteredYear: p.RegisteredYear}
}

func (e *Engine) optInKey(tenant string) string { return e.keys.Tenant(tenant, "biz", "optin") }

// SetProfile checks and keeps a business's profile.
func (e *Engine) SetProfile(ctx context.Context, tenant, user string, p Profile) (Profile, error) {
	if strings.TrimSpace(user) == "" || len(user) > 128 {
		return Profile{}, fault.Invalidf("bad_user", "user must be 1 to 128 bytes")
	}
	p.Industry, p.CreditCode = strings.TrimSpace(p.Industry), strings.ToUpper(strings.TrimSpace(p.CreditCode))
	switch {
	case p.Industry == "" || utf8.RuneCountInString(p.Industry) > 40:
		return Profile{}, fault.Invalidf("bad_industry", "industry is required, at most 40 characters")
	case !slices.Contains(knowledge.Sizes, p.Size):
		return Profile{}, fault.Invalidf("bad_size", "size must be micro, small, medium or large")
	case p.RegisteredYear < 1949 || p.RegisteredYear > e.now().Year():
		return Profile{}, fault.Invalidf("bad_year", "registered_year must be a year from 1949 to now")
	case p.CreditCode != "" && !ValidCreditCode(p.CreditCode):
		return Profile{}, fault.Invalidf("bad_credit_code", "credit_code is not a valid 统一社会信用代码")
	}
	region, ok := e.kb().ResolveRegion(p.Region)
	if !ok {
		return Profile{}, fault.Invalidf("unknown_region", "unknown region %q", p.Region)
	}
	p.Region, p.Updated = region, e.now()
	key := e.bizKey(tenant, user)
	pipe := e.rdb.TxPipeline()
	pipe.HSet(ctx, key, "industry", p.Industry, "size", p.Size, "year", p.RegisteredYear, "region", p.Region,
		"credit_code", p.CreditCode, "opt_in", strconv.FormatBool(p.OptIn), "updated", p.Updated.UnixMilli())
	if p.OptIn {
		pipe.SAdd(ctx, e.optInKey(tenant), user)
	} else {
		pipe.SRem(ctx, e.optInKey(tenant), user)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return Profile{}, e.storeErr(err)
	}
	return p, nil
}

// Profile reads a business's profile; ok is false when it has none.
func (e *Engine) Profile(ctx context.Context, tenant, user string) (Profile, bool, error) {
	m, err := e.rdb.HGetAll(ctx, e.bizKey(tenant, user)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Profile{}, false, e.storeErr(err)
	}
	if m["industry"] == "" {
		return Profile{}, false, nil
	}
	year, _ := strconv.Atoi(m["year"])
	ms, _ := strconv.ParseInt(m["updated"], 10, 64)
	return Profile{Industry: m["industry"], Size: m["size"], RegisteredYear: year, Region: m["region"],
		CreditCode: m["credit_code"], OptIn: m["opt_in"] == "true", Updated: time.UnixMilli(ms)}, true, nil
}

// creditCodeChars are the characters of a 统一社会信用代码 (GB 32100-2015),
// by value; creditCodeWeights weigh its first 17 for the check character.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidCreditCode checks a 统一社会信用代码's length, characters and check
// character.
func ValidCreditCode(code string) bool {
	if len(code) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, code[i])
		if v < 0 {
			return false
		}
		sum += v * creditCodeWeights[i]
	}
	check := (31 - sum%31) % 31
	return code[17] == creditCodeChars[check]
}

// benefits are the region's 免申即享 items.
func benefits(kb *knowledge.Base, region string) []*knowledge.Item {
	var out []*knowledge.Item
	for _, it := range kb.RegionItems(region) {
		if it.HasTag(knowledge.TagNoApply) && it.Source == "catalogue" {
			out = append(out, it)
		}
	}
	return out
}

// wantsMyBenefits reads "我能享受什么": a business asking which benefits
// fit it, rather than what a benefit is.
func wantsMyBenefits(q string) bool {
	return containsAny(q, []string{"我", "咱", "俺", "本公司", "本企业"}) &&
		containsAny(q, []string{"能享受哪些", "能享受什么", "可以享受哪些", "可以享受什么", "能领哪些", "能领什么",
			"符合哪些政策", "符合什么政策", "适合我们的政策", "适合我的政策", "哪些政策适合", "什么政策适合"})
}

// myBenefits lists the benefits whose conditions the business meets.
func (e *Engine) myBenefits(ctx context.Context, in Inbound, kb *knowledge.Base, region string) (Reply, error) {
	p, ok, err := e.Profile(ctx, in.Tenant, in.User)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Intent: PolicyQuery, Region: region, Citations: []Citation{}}
	if !ok {
		r.Text = noProfileText
		return r, nil
	}
	if p.Region != "" {
		region, r.Region = p.Region, p.Region
	}
	var fit []*knowledge.Item
	for _, it := range benefits(kb, region) {
		if it.Conditions.Fits(p.business()) {
			fit = append(fit, it)
			r.Citations = append(r.Citations, citationOf(kb, it, 0))
		}
	}
	r.Text = myBenefitsText(p, region, fit)
	return r, nil
}

// PushNewBenefits sends each benefit added since the last look, once, to
// the opted-in businesses it fits; the first look only learns what
// exists. Replicas may all call it: each benefit is claimed by one, and
// each business is told once. It returns how many businesses were told.
func (e *Engine) PushNewBenefits(ctx context.Context, tenant string) (int, error) {
	kb := e.kb()
	known := e.keys.Tenant(tenant, "benefits", "known")
	exists, err := e.rdb.Exists(ctx, known).Result()
	if err != nil {
		return 0, e.storeErr(err)
	}
	var all []*knowledge.Item
	for _, region := range kb.Regions() {
		all = append(all, benefits(kb, region)...)
	}
	if exists == 0 {
		first := []any{"-"} // the set exists from the first look, even without benefits
		for _, it := range all {
			first = append(first, it.ID)
		}
		return 0, e.storeErr(e.rdb.SAdd(ctx, known, first...).Err())
	}
	if len(all) == 0 {
		return 0, nil
	}
	ids := make([]any, len(all))
	for i, it := range all {
		ids[i] = it.ID
	}
	// One look at what is known, every interval; only a benefit not yet
	// known costs a claim of its own.
	seen, err := e.rdb.SMIsMember(ctx, known, ids...).Result()
	if err != nil {
		return 0, e.storeErr(err)
	}
	told := 0
	for i, it := range all {
		if seen[i] {
			continue
		}
		added, err := e.rdb.SAdd(ctx, known, it.ID).Result()
		if err != nil {
			return told, e.storeErr(err)
		}
		if added == 0 {
			continue
		}
		n, err := e.tellFitting(ctx, tenant, kb, it)
		told += n
		if err != nil {
			return told, err
		}
	}
	return told, nil
}

// tellFitting sends a new benefit to the opted-in businesses of its
// region whose profiles meet its conditions, each once.
func (e *Engine) tellFitting(ctx context.Context, tenant string, kb *knowledge.Base, it *knowledge.Item) (int, error) {
	users, err := e.rdb.SMembers(ctx, e.optInKey(tenant)).Result()
	if err != nil {
		return 0, e.storeErr(err)
	}
	slices.Sort(users)
	toldKey := e.keys.Tenant(tenant, "benefits", "told", it.ID)
	n := 0
	for _, user := range users {
		p, ok, err := e.Profile(ctx, tenant, user)
		if err != nil {
			return n, err
		}
		if !ok || !p.OptIn || p.Region != it.Region || !it.Conditions.Fits(p.business()) {
			continue
		}
		first, err := e.rdb.SAdd(ctx, toldKey, user).Result()
		if err != nil {
			return n, e.storeErr(err)
		}
		if first == 0 {
			continue
		}
		msg := outbox.Message{Text: newBenefitText(it, docTitle(kb, it)), From: "bot", Time: e.now(), Status: "sent"}
		if _, err := e.outbox.Append(ctx, tenant, user, msg); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
