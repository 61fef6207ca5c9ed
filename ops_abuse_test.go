package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"frontdoor/bot/store/storetest"
)

// TestOpsWebChatFloodWithShippedLimits: the server as shipped (only the
// per-tenant limit is off, as in every ops test) gets 60 complaints from
// one address within a minute, each from a new visitor (no cookie). At
// most 10 tickets open; every other complaint is refused (429) or asked
// for a phone number.
func TestOpsWebChatFloodWithShippedLimits(t *testing.T) {
	opsNeed(t, "redis-server")
	rs := storetest.StartServer(t)
	p := opsServe(t, "server", map[string]string{"REDIS_URL": rs.URL(), "FRONTDOOR_RATE_LIMIT": "30/min,burst=10"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tickets := map[string]bool{}
	counts := map[string]int{}
	for i := range 60 {
		body, _ := json.Marshal(map[string]string{"region": "红谷滩区",
			"text": fmt.Sprintf("第%d次反映:窗口工作人员态度恶劣,材料被退回五次,严重影响生产,我要投诉", i)})
		r := opsRaw(ctx, p.URL(), http.MethodPost, "/chat/api/messages", "application/json", "", body)
		var out struct {
			Intent string
			Ticket *struct{ ID string }
		}
		_ = json.Unmarshal(r.Body, &out)
		switch {
		case r.Status == http.StatusTooManyRequests:
			counts["429"]++
		case r.Status != http.StatusOK:
			t.Fatalf("complaint %d: %d %s", i, r.Status, r.Body)
		case out.Ticket != nil:
			tickets[out.Ticket.ID] = true
			counts["ticket"]++
		case out.Intent == "complaint":
			counts["asked for contact"]++
		default:
			t.Fatalf("complaint %d answered as %q: %s", i, out.Intent, r.Body)
		}
	}
	t.Logf("60 cookieless complaints from one address: %v, %d distinct tickets", counts, len(tickets))
	if len(tickets) > 10 {
		t.Errorf("%d tickets opened, want at most 10", len(tickets))
	}
}
