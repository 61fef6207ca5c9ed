package bot

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/ticket"
)

// session is what the bot remembers about a user between messages.
type session struct {
	Region string
	// Handoff is the ticket whose staff member holds the conversation.
	Handoff string
	// Awaiting is what the bot asked for: "region", "rating" or "choice".
	Awaiting string
	// Pending is the question that waits for the region to be known, or
	// for the business to pick one of Choices.
	Pending string
	// Choices are the options the bot offered, in order, encoded
	// (choices.go).
	Choices string
	// Item is the knowledge-base item the last answer was about, and Asked
	// the kind of figure its question asked for: a follow-up ("那有外线工程呢?",
	// "这个找谁") continues from them.
	Item  string
	Asked string
	// RatingTicket is the resolved ticket the bot asked the user to rate.
	RatingTicket string
	// More is the rest of a reply cut to the channel's limit.
	More string
	// Conv is the conversation so far (a JSON turn a line, contact.go);
	// ContactTicket the ticket whose contact the bot asked for.
	Conv          string
	ContactTicket string
	// Kept says messages to the business could not be pushed and wait
	// for its next message (kept.go).
	Kept string
	// Biz* are the business's profile, read with the session: its
	// contact, and whether the bot has asked for it. askedContact says
	// this reply asks, so the profile records it.
	BizCompany, BizPhone, BizAsked string
	askedContact                   bool
}

func sessionFrom(m map[string]string) session {
	return session{Region: m["region"], Handoff: m["handoff"], Awaiting: m["awaiting"], Pending: m["pending"],
		RatingTicket: m["rating_ticket"], More: m["more"], Choices: m["choices"], Item: m["item"], Asked: m["asked"],
		Conv: m["conv"], ContactTicket: m["contact_ticket"], Kept: m["kept"],
		BizCompany: m["biz.company"], BizPhone: m["biz.phone"], BizAsked: m["biz.asked"]}
}

// field is one hash field of a stored session.
type field struct{ name, value string }

// fields lists the session as hash fields to set, in a fixed order, and
// the names of the empty ones, which are deleted.
func (s session) fields() (set []field, del []string) {
	for _, f := range []field{{"region", s.Region}, {"awaiting", s.Awaiting}, {"pending", s.Pending},
		{"rating_ticket", s.RatingTicket}, {"more", s.More}, {"choices", s.Choices}, {"item", s.Item}, {"asked", s.Asked},
		{"conv", s.Conv}, {"contact_ticket", s.ContactTicket}, {"kept", s.Kept}} {
		if f.value == "" {
			del = append(del, f.name)
		} else {
			set = append(set, f)
		}
	}
	return set, del
}

// flat is set as the name-value arguments of HSET.
func flat(set []field) []any {
	out := make([]any, 0, 2*len(set))
	for _, f := range set {
		out = append(out, f.name, f.value)
	}
	return out
}

// beginScript does, in one round trip, what must happen before a message
// is handled: return the stored reply of a retried message, take a token
// from each of the message's buckets (its user's, its address's, its
// tenant's), claim the message id, and read the session.
//
// KEYS[1] message record, KEYS[2] session, KEYS[3] the business's
// profile, KEYS[4...] the buckets.
// ARGV[1] now ms, ARGV[2] "1" when the message has an id, ARGV[3] claim
// ttl ms, ARGV[4] this handling's claim token, then per bucket its tokens
// per second and its burst.
// Returns {state, retry-after ms, stored reply or limiting bucket's
// number, session fields..., profile fields prefixed "biz."} where
// state is "ok", "dup" (stored reply
// follows), "busy" (another replica is handling the same message) or
// "limited".
//
// A token is taken from every bucket or from none: a message refused by
// its tenant's bucket must not also cost its user a token. A retried
// message takes none, however often it comes.
//
// The claim is "pending:<token>". Finding its own claim means the script
// ran before and its reply was lost (the client resent it on a new
// connection): the handling goes on instead of waiting for itself.
var beginScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local own = false
if ARGV[2] == '1' then
  local prior = redis.call('GET', KEYS[1])
  if prior then
    if prior == 'pending:' .. ARGV[4] then own = true
    elseif string.sub(prior, 1, 7) == 'pending' then return {'busy', '0', ''}
    else return {'dup', '0', prior} end
  end
end
if not own then
  local left, wait, which = {}, 0, 0
  for i = 4, #KEYS do
    local rate, burst = tonumber(ARGV[2 * i - 3]), tonumber(ARGV[2 * i - 2])
    local b = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
    local tokens = tonumber(b[1]) or burst
    local ts = tonumber(b[2]) or now
    tokens = math.min(burst, tokens + math.max(0, now - ts) / 1000 * rate)
    left[i] = tokens
    if tokens < 1 then
      local w = math.ceil((1 - tokens) / rate * 1000)
      if w > wait then wait, which = w, i - 3 end
    end
  end
  for i = 4, #KEYS do
    local rate, burst = tonumber(ARGV[2 * i - 3]), tonumber(ARGV[2 * i - 2])
    local tokens = left[i]
    if which == 0 then tokens = tokens - 1 end
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
    redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000) + 1000)
  end
  if which > 0 then return {'limited', tostring(wait), tostring(which)} end
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[1], 'pending:' .. ARGV[4], 'PX', ARGV[3])
end
local out = {'ok', '0', ''}
local sess = redis.call('HGETALL', KEYS[2])
for i = 1, #sess do out[#out + 1] = sess[i] end
local biz = redis.call('HGETALL', KEYS[3])
for i = 1, #biz, 2 do out[#out + 1] = 'biz.' .. biz[i]; out[#out + 1] = biz[i + 1] end
return out
`)

// beginResult is what beginScript found.
type beginResult struct {
	state      string
	token      string // this handling's claim token
	retryAfter time.Duration
	stored     string
	// scope names the bucket that refused a limited message.
	scope   string
	session session
}

func (e *Engine) msgKey(in Inbound) string  { return e.keys.Tenant(in.Tenant, "msg", in.User, in.MsgID) }
func (e *Engine) sessKey(in Inbound) string { return e.tickets.SessionKey(in.Tenant, in.User) }

func (e *Engine) begin(ctx context.Context, in Inbound) (beginResult, error) {
	hasID := "0"
	if in.MsgID != "" {
		hasID = "1"
	}
	token := strconv.FormatUint(rand.Uint64(), 36)
	buckets := e.buckets(in)
	keys := []string{e.msgKey(in), e.sessKey(in), e.bizKey(in.Tenant, in.User)}
	args := []any{e.now().UnixMilli(), hasID, e.cfg.ClaimTTL.Milliseconds(), token}
	for _, b := range buckets {
		keys = append(keys, b.key)
		args = append(args, strconv.FormatFloat(b.rate.PerSecond, 'f', -1, 64), b.rate.Burst)
	}
	res, err := beginScript.Run(ctx, e.rdb, keys, args...).StringSlice()
	if err != nil {
		return beginResult{}, e.storeErr(err)
	}
	if len(res) < 3 {
		return beginResult{}, errors.New("begin: short reply")
	}
	ms, _ := strconv.ParseInt(res[1], 10, 64)
	out := beginResult{state: res[0], token: token, retryAfter: time.Duration(ms) * time.Millisecond, stored: res[2]}
	if out.state == "limited" {
		n, _ := strconv.Atoi(res[2])
		if n >= 1 && n <= len(buckets) {
			out.scope = buckets[n-1].scope
		}
		out.stored = ""
	}
	fields := map[string]string{}
	for i := 3; i+1 < len(res); i += 2 {
		fields[res[i]] = res[i+1]
	}
	out.session = sessionFrom(fields)
	return out, nil
}

// commitScript stores a reply under its message id and saves the session,
// atomically. KEYS[1] session, KEYS[2] message record (absent when the
// message has no id). ARGV[1] stored reply, ARGV[2] its lifetime ms,
// ARGV[3] the session's lifetime ms, ARGV[4] n, then n field-value pairs
// to set, then the fields to delete.
var commitScript = redis.NewScript(`
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
local n = tonumber(ARGV[4])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 5, 4 + 2 * n)) end
if #ARGV > 4 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 5 + 2 * n)) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// commit stores the reply under the message id and saves the session, in
// one step: commitScript, or the write of the ticket the reply opens.
// applied=false means that ticket was opened first by another delivery
// of the message and nothing was written.
func (e *Engine) commit(ctx context.Context, in Inbound, stored []byte, s session, opening *ticket.Opening) (applied bool, err error) {
	key := e.sessKey(in)
	set, del := s.fields()
	if opening != nil {
		var w ticket.Writes
		if in.MsgID != "" {
			w.Set = []ticket.KeyValue{{Key: e.msgKey(in), Value: string(stored), TTL: e.cfg.DedupeTTL}}
		}
		for _, f := range set {
			w.HSet = append(w.HSet, ticket.KeyValue{Key: key, Field: f.name, Value: f.value})
		}
		for _, f := range del {
			w.HDel = append(w.HDel, ticket.KeyValue{Key: key, Field: f})
		}
		w.Expire = []ticket.KeyValue{{Key: key, TTL: e.cfg.SessionTTL}}
		if s.askedContact {
			w.HSet = append(w.HSet, ticket.KeyValue{Key: e.bizKey(in.Tenant, in.User), Field: "asked",
				Value: e.now().Format(time.RFC3339)})
		}
		opening.With(w)
		_, created, err := opening.Commit(ctx)
		return created, err
	}
	keys := []string{key}
	if in.MsgID != "" {
		keys = append(keys, e.msgKey(in))
	}
	args := make([]any, 0, 4+2*len(set)+len(del))
	args = append(args, stored, e.cfg.DedupeTTL.Milliseconds(), e.cfg.SessionTTL.Milliseconds(), len(set))
	args = append(args, flat(set)...)
	for _, f := range del {
		args = append(args, f)
	}
	// A script rather than MULTI/EXEC: it rides the auto-pipelined stream
	// with the other requests' commands, where a transaction needs a
	// connection and a round trip of its own; and a WAIT for replicas can
	// follow it on its connection.
	err = e.replication().Run(ctx, e.rdb, commitScript, keys, args...).Err()
	return err == nil, e.storeErr(err)
}

// release forgets a message claim after a failure, so that a retry of the
// same message is handled instead of waiting for the claim to expire.
func (e *Engine) release(ctx context.Context, in Inbound) {
	if in.MsgID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := e.rdb.Del(ctx, e.msgKey(in)).Err(); err != nil {
		e.log.Warn("release message claim", "err", err)
	}
}
