package staff

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
)

// Throttle limits password guessing. Failures are counted per (name,
// client address) pair and per address inside a window; once the pair's
// count reaches MaxFailures, or the address's AddrMaxFailures, further
// attempts from there are refused for a delay that doubles with each
// attempt, up to MaxDelay. Attempts made while refused count too, so
// hammering only makes the wait longer.
//
// Nothing is counted per name alone: that would let anyone lock a
// colleague out by failing her name from anywhere. The owner of a name
// that is locked from one address logs in from another; guessing one name
// from many addresses costs MaxFailures per address per window, each
// against bcrypt.
type Throttle struct {
	MaxFailures     int           // per (name, address); default 5
	AddrMaxFailures int           // per address, over every name; default 20
	Window          time.Duration // default 15 min
	BaseDelay       time.Duration // default 30 s
	MaxDelay        time.Duration // default 15 min
}

func (t *Throttle) defaults() {
	if t.MaxFailures <= 0 {
		t.MaxFailures = 5
	}
	if t.AddrMaxFailures <= 0 {
		t.AddrMaxFailures = 20
	}
	if t.Window <= 0 {
		t.Window = 15 * time.Minute
	}
	if t.BaseDelay <= 0 {
		t.BaseDelay = 30 * time.Second
	}
	if t.MaxDelay <= 0 {
		t.MaxDelay = 15 * time.Minute
	}
}

// throttleScript counts an attempt against each key (a name and address
// pair, an address) and reports until when the caller must wait (0: go
// ahead).
//
// Each key is a hash {fails, first, until} with times in ms of the
// store's clock. ARGV[1] now, ARGV[2] window, ARGV[3] base delay,
// ARGV[4] max delay, ARGV[5] key TTL (ms), ARGV[6] mode: "gate" counts
// the attempt only when it is refused, "fail" counts a failed attempt;
// ARGV[6+i] the max failures of KEYS[i].
var throttleScript = redis.NewScript(`
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local base, maxd, ttl, mode = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local wait = 0
for i, k in ipairs(KEYS) do
  local maxf = tonumber(ARGV[6 + i])
  local h = redis.call('HMGET', k, 'fails', 'first', 'until')
  local fails, first, untl = tonumber(h[1]) or 0, tonumber(h[2]) or now, tonumber(h[3]) or 0
  local locked = untl > now
  if not locked and now - first >= window then fails, first = 0, now end
  if mode == 'fail' or locked then
    fails = fails + 1
    if fails >= maxf then
      local d = base * 2 ^ (fails - maxf)
      if d > maxd then d = maxd end
      untl = now + d
    end
    redis.call('HSET', k, 'fails', fails, 'first', string.format('%d', first), 'until', string.format('%d', untl))
    redis.call('PEXPIRE', k, ttl)
  end
  if locked and untl > wait then wait = untl end
end
return wait
`)

// throttleKeys are the pair's key and, when the address is known, the
// address's.
func (s *Store) throttleKeys(name, addr string) []string {
	keys := []string{s.keys.Global("login", "pair", clip(name, 64), clip(addr, 64))}
	if addr != "" {
		keys = append(keys, s.keys.Global("login", "addr", clip(addr, 64)))
	}
	return keys
}

// gate refuses an attempt while the name or the address is locked out.
func (s *Store) gate(ctx context.Context, name, addr string) error {
	return s.throttle(ctx, name, addr, "gate")
}

// fail counts a failed attempt.
func (s *Store) fail(ctx context.Context, name, addr string) error {
	err := s.throttle(ctx, name, addr, "fail")
	if fault.KindOf(err) == fault.RateLimited {
		return nil // this attempt was judged; the next one waits
	}
	return err
}

// succeed forgets the pair's failures. The address keeps its count: one
// valid account must not let an address keep guessing others.
func (s *Store) succeed(ctx context.Context, name, addr string) error {
	return storeErr(s.rdb.Del(ctx, s.throttleKeys(name, addr)[0]).Err())
}

func (s *Store) throttle(ctx context.Context, name, addr, mode string) error {
	t, now := s.thr, s.now()
	ttl := t.Window + t.MaxDelay
	until, err := throttleScript.Run(ctx, s.rdb, s.throttleKeys(name, addr), now.UnixMilli(), t.Window.Milliseconds(),
		t.BaseDelay.Milliseconds(), t.MaxDelay.Milliseconds(), ttl.Milliseconds(), mode, t.MaxFailures, t.AddrMaxFailures).Int64()
	if err != nil {
		return storeErr(err)
	}
	if until <= now.UnixMilli() {
		return nil
	}
	return &fault.Error{Kind: fault.RateLimited, Code: "login_throttled",
		Msg:        "登录失败次数过多,请 " + strconv.FormatInt((until-now.UnixMilli()+999)/1000, 10) + " 秒后再试",
		RetryAfter: time.Duration(until-now.UnixMilli()) * time.Millisecond}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
