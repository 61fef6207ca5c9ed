package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// Event stream timing: a comment line keeps proxies from closing an idle
// stream; the session is checked twice a second, so that a stream ends
// within a second of its logout or its user's disabling, on whichever
// replica either happened; and each stream ends after a while so that the
// browser reconnects (and is authenticated again).
const (
	sseHeartbeat    = 20 * time.Second
	sseSessionCheck = 500 * time.Millisecond
	sseLifetime     = 10 * time.Minute
	sseRetry        = 3000 // ms the browser waits before reconnecting
)

// sseEvent is what the console hears about a ticket it may see.
type sseEvent struct {
	Ticket string   `json:"ticket"`
	Event  string   `json:"event"`
	Kind   string   `json:"kind"`
	Region string   `json:"region"`
	Units  []string `json:"units"`
}

// events streams ticket changes the user may see as Server-Sent Events,
// fed by the engine's announcements on Redis Pub/Sub, so that new
// hand-offs appear in every replica's consoles without reloading.
// GET /console/events.
func (c *console) events(g *gin.Context) {
	p := principalOf(g)
	if c.deps.Feeds == nil {
		g.Status(http.StatusNoContent) // tells EventSource not to reconnect
		return
	}
	ctx := g.Request.Context()
	msgs, stop, err := c.deps.Feeds.Listen(ctx, c.engine.AnnounceChannel(p.user.Tenant))
	if err != nil {
		c.kit.WriteError(g, fault.Wrap(fault.Unavailable, "store_unavailable", "服务暂时不可用,请稍后再试", err))
		return
	}
	defer stop()
	// The server's write timeout is for ordinary requests, not streams.
	_ = http.NewResponseController(g.Writer).SetWriteDeadline(time.Time{})
	h := g.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	g.Status(http.StatusOK)
	fmt.Fprintf(g.Writer, "retry: %d\n: connected\n\n", sseRetry)
	g.Writer.Flush()

	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	check := time.NewTicker(sseSessionCheck)
	defer check.Stop()
	end := time.NewTimer(sseLifetime)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.deps.Done:
			return
		case <-end.C:
			return
		case <-check.C:
			if _, _, err := c.staff.Verify(ctx, p.token); err != nil {
				return
			}
			continue
		case <-beat.C:
			fmt.Fprint(g.Writer, ": ping\n\n")
		case m, ok := <-msgs:
			if !ok {
				return
			}
			ev, visible := c.filterAnnouncement(p, m)
			if !visible {
				continue
			}
			data, _ := json.Marshal(ev)
			fmt.Fprintf(g.Writer, "event: ticket\ndata: %s\n\n", data)
		}
		g.Writer.Flush()
	}
}

// filterAnnouncement decodes an announcement and decides whether the user
// may hear about it, with the same rule that guards the ticket itself.
func (c *console) filterAnnouncement(p *principal, payload string) (sseEvent, bool) {
	var a bot.Announcement
	if err := json.Unmarshal([]byte(payload), &a); err != nil {
		return sseEvent{}, false
	}
	t := &ticket.Ticket{Tenant: a.Tenant, Region: a.Region, Units: a.Units, Desk: a.Desk, Kind: ticket.Kind(a.Kind)}
	if !p.user.CanSee(t) {
		return sseEvent{}, false
	}
	return sseEvent{Ticket: a.Ticket, Event: a.Event, Kind: a.Kind, Region: a.Region, Units: a.Units}, true
}
