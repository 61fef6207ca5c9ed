package bot

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// renewScript extends a message's claim while it is still the claim of
// the handling that renews it; a claim another handling took over, or a
// stored reply, is left alone. KEYS[1] message record. ARGV[1] the claim,
// ARGV[2] its new lifetime ms.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// keepClaim renews the message's claim every ClaimRenewal until the
// returned stop is called. A claim thus lives as long as the replica
// handling the message, and no longer than ClaimTTL after that replica
// dies, which is how long a retry on another replica waits for it.
func (e *Engine) keepClaim(in Inbound, token string) (stop func()) {
	every := e.cfg.ClaimRenewal
	if in.MsgID == "" || every <= 0 {
		return func() {}
	}
	key, claim, ttl := e.msgKey(in), "pending:"+token, e.cfg.ClaimTTL.Milliseconds()
	var mu sync.Mutex
	stopped := false
	var timer *time.Timer
	mu.Lock() // the first renewal may run before timer is assigned
	defer mu.Unlock()
	timer = time.AfterFunc(every, func() {
		ctx, cancel := context.WithTimeout(context.Background(), every)
		err := renewScript.Run(ctx, e.rdb, []string{key}, claim, ttl).Err()
		cancel()
		if err != nil {
			e.log.Warn("renew message claim", "err", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer.Reset(every)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}
