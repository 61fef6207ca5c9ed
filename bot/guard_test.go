package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
)

// complaintText is a complaint the intent model reads as one; n makes
// each text its own.
func complaintText(n int) string {
	return fmt.Sprintf("营业执照变更跑了%d趟窗口,每次说缺不同的材料,工作人员态度很差,严重影响生产,我要投诉", n+2)
}

// TestSameComplaintJoinsItsTicket: the same complaint resent by its
// sender (without a message id, or with punctuation changed) joins the
// open ticket, with a note on it, instead of opening a second; another
// sender's same words open their own.
func TestSameComplaintJoinsItsTicket(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	in := bot.Inbound{User: "u-same", Region: "红谷滩区", Text: complaintText(1)}
	first := handle(t, env.Engine, in)
	if first.Ticket == nil {
		t.Fatalf("the complaint opened no ticket: %+v", first)
	}
	in.Text = strings.ReplaceAll(in.Text, ",", " ") + "!!"
	again := handle(t, env.Engine, in)
	if again.Ticket == nil || again.Ticket.ID != first.Ticket.ID {
		t.Fatalf("the resent complaint got %+v, want ticket %s", again.Ticket, first.Ticket.ID)
	}
	events, err := env.Tickets.Events(context.Background(), "demo", first.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	noted := false
	for _, ev := range events {
		noted = noted || strings.Contains(ev.Text, "再次提交")
	}
	if !noted {
		t.Errorf("the ticket does not record the second submission: %+v", events)
	}
	other := handle(t, env.Engine, bot.Inbound{User: "u-other", Region: "红谷滩区", Text: complaintText(1)})
	if other.Ticket == nil || other.Ticket.ID == first.Ticket.ID {
		t.Errorf("another user's complaint joined the first one's ticket: %+v", other.Ticket)
	}
	if got := testutil.ToFloat64(env.Metrics.TicketGuard.WithLabelValues("joined")); got != 1 {
		t.Errorf("joined counted %v times, want 1", got)
	}
}

// TestAddressTicketShare: one address opens its hourly share of tickets;
// then a complaint opens one only with a phone number to call back, and
// past twice the share none at all — whatever the visitor id says.
func TestAddressTicketShare(t *testing.T) {
	env := bottest.New(t, bottest.Options{Config: bot.Config{AddressTickets: 3}})
	opened := 0
	send := func(i int, text string) bot.Reply {
		r := handle(t, env.Engine, bot.Inbound{User: fmt.Sprintf("web-%d", i), Region: "红谷滩区", Text: text,
			Channel: bot.ChannelWeb, Addr: "203.0.113.7"})
		if r.Ticket != nil {
			opened++
		}
		return r
	}
	for i := range 3 {
		if r := send(i, complaintText(i)); r.Ticket == nil {
			t.Fatalf("complaint %d within the share opened no ticket: %s", i, r.Text)
		}
	}
	r := send(3, complaintText(3))
	if r.Ticket != nil || r.Intent != bot.Complaint || !strings.Contains(r.Text, "联系电话") {
		t.Fatalf("past the share without a phone: %+v", r)
	}
	for i := 4; i < 7; i++ {
		if r := send(i, complaintText(i)+",电话13912345678"); r.Ticket == nil {
			t.Fatalf("past the share with a phone number: no ticket: %s", r.Text)
		}
	}
	r = send(7, complaintText(7)+",电话13912345678")
	if r.Ticket != nil || !strings.Contains(r.Text, "12345") {
		t.Fatalf("past twice the share: %+v", r)
	}
	if opened != 6 {
		t.Errorf("opened %d tickets, want 6", opened)
	}
	if r := handle(t, env.Engine, bot.Inbound{User: "web-far", Region: "红谷滩区", Text: complaintText(9),
		Channel: bot.ChannelWeb, Addr: "198.51.100.1"}); r.Ticket == nil {
		t.Errorf("another address was refused too: %s", r.Text)
	}
}

// TestLimitsPerAddressAndTenant: the address's and the tenant's buckets
// hold whatever user a message claims, and a message refused by one
// costs no token of the others.
func TestLimitsPerAddressAndTenant(t *testing.T) {
	tests := []struct {
		name  string
		cfg   bot.Config
		addr  string
		scope string
	}{
		{"address", bot.Config{AddressRate: bot.Rate{PerSecond: 0.001, Burst: 3}}, "203.0.113.9", "address"},
		{"tenant", bot.Config{TenantRate: bot.Rate{PerSecond: 0.001, Burst: 3}}, "", "tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.New(t, bottest.Options{Config: tt.cfg})
			ctx := context.Background()
			for i := range 5 {
				_, err := env.Engine.Handle(ctx, bot.Inbound{Tenant: "demo", User: fmt.Sprintf("u-%d", i), Region: "河池市",
					Text: "你好", Addr: tt.addr})
				switch {
				case i < 3 && err != nil:
					t.Fatalf("message %d within the burst: %v", i, err)
				case i >= 3 && fault.KindOf(err) != fault.RateLimited:
					t.Fatalf("message %d past the burst: %v, want rate limited", i, err)
				}
			}
			if got := testutil.ToFloat64(env.Metrics.RateLimited.WithLabelValues(tt.scope)); got != 2 {
				t.Errorf("rate_limited{scope=%s} = %v, want 2", tt.scope, got)
			}
		})
	}
}
