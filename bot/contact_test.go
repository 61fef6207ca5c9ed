package bot_test

import (
	"context"
	"strings"
	"testing"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
)

// TestContactAskedOnceAndAttached: the ticket opens at once; the same
// reply asks for the company and a phone number; the answer is attached
// to the ticket and kept for the business's next ticket, which is not
// asked again. The ticket carries the conversation before it.
func TestContactAskedOnceAndAttached(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx := context.Background()
	user := bot.Inbound{User: "u-contact", Region: "红谷滩区"}
	say := func(text string) bot.Reply {
		in := user
		in.Text = text
		return handle(t, env.Engine, in)
	}
	say("你好")
	say("研发费用加计扣除怎么享受")
	r := say(complaintText(11))
	if r.Ticket == nil || !strings.Contains(r.Text, "单位名称和联系电话") {
		t.Fatalf("the complaint's reply: %+v", r)
	}
	tk, err := env.Tickets.Get(ctx, "demo", r.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Conversation) != 4 || tk.Conversation[0].Text != "你好" || tk.Conversation[2].From != "business" ||
		!strings.Contains(tk.Conversation[2].Text, "加计扣除") || tk.Contact != nil {
		t.Fatalf("ticket conversation %+v contact %+v", tk.Conversation, tk.Contact)
	}
	if c := tk.Clocks[ticket.ClockFirstResponse]; c == nil || !c.Running() {
		t.Fatal("the clock does not run while the contact is asked for")
	}

	saved := say("红星机械有限公司,电话138 1234 5678")
	if !strings.Contains(saved.Text, "红星机械有限公司") || !strings.Contains(saved.Text, "138****5678") || saved.Ticket == nil {
		t.Fatalf("the contact's reply: %+v", saved)
	}
	tk, _ = env.Tickets.Get(ctx, "demo", r.Ticket.ID)
	if tk.Contact == nil || tk.Contact.Company != "红星机械有限公司" || tk.Contact.Phone != "13812345678" {
		t.Fatalf("ticket contact = %+v", tk.Contact)
	}
	evs, _ := env.Tickets.Events(ctx, "demo", tk.ID)
	for _, ev := range evs {
		if ev.Type == ticket.EvContact && ev.Data["phone"] != "138****5678" {
			t.Errorf("the trail shows the number unmasked: %+v", ev)
		}
	}

	next := say(complaintText(12))
	if next.Ticket == nil || next.Ticket.ID == r.Ticket.ID || strings.Contains(next.Text, "单位名称和联系电话") {
		t.Fatalf("the second complaint: %+v", next)
	}
	tk2, _ := env.Tickets.Get(ctx, "demo", next.Ticket.ID)
	if tk2.Contact == nil || tk2.Contact.Phone != "13812345678" {
		t.Errorf("the second ticket's contact = %+v", tk2.Contact)
	}

	// Who sees the full number is in the audit trail.
	u := &staff.User{Name: "boss", Role: staff.RoleManager, Region: "红谷滩区", Tenant: "demo"}
	if _, err := env.Engine.ViewTicket(ctx, u, tk.ID); err != nil {
		t.Fatal(err)
	}
	evs, _ = env.Tickets.Events(ctx, "demo", tk.ID)
	if last := evs[len(evs)-1]; last.Type != ticket.EvContactViewed || last.Actor != "boss" {
		t.Errorf("last event = %+v", last)
	}
}

// TestContactSkippedOrNotGiven: "跳过" is thanked and not asked again; a
// question instead of a contact is answered as a question; a complaint
// that carries a number gets it as its contact without being asked.
func TestContactSkippedOrNotGiven(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	in := bot.Inbound{User: "u-skip", Region: "红谷滩区", Text: complaintText(21)}
	if r := handle(t, env.Engine, in); !strings.Contains(r.Text, "联系电话") {
		t.Fatalf("not asked: %q", r.Text)
	}
	in.Text = "跳过"
	if r := handle(t, env.Engine, in); !strings.Contains(r.Text, "不留联系方式也能办理") {
		t.Fatalf("skip answered %q", r.Text)
	}
	in.Text = complaintText(22)
	if r := handle(t, env.Engine, in); strings.Contains(r.Text, "联系电话") {
		t.Errorf("asked again after a skip: %q", r.Text)
	}

	other := bot.Inbound{User: "u-q", Region: "红谷滩区", Text: complaintText(23)}
	handle(t, env.Engine, other)
	other.Text = "研发费用加计扣除怎么享受"
	if r := handle(t, env.Engine, other); r.Intent != bot.PolicyQuery || len(r.Citations) == 0 {
		t.Errorf("a question while the contact was asked for: %+v", r)
	}

	withPhone := bot.Inbound{User: "u-phone", Region: "红谷滩区", Text: complaintText(24) + ",我电话13912345678"}
	r := handle(t, env.Engine, withPhone)
	if r.Ticket == nil || strings.Contains(r.Text, "单位名称和联系电话") {
		t.Fatalf("a complaint with its number: %+v", r)
	}
	tk, _ := env.Tickets.Get(context.Background(), "demo", r.Ticket.ID)
	if tk.Contact == nil || tk.Contact.Phone != "13912345678" {
		t.Errorf("contact = %+v", tk.Contact)
	}
}
