package bot_test

import (
	"context"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/storetest"
)

// TestItemUse: an answer counts for the item it cites first, a call for a
// person right after it counts against it, and the rating of a case
// opened about an item counts for that item; counts reach Redis when
// flushed, once, and a region's figures include what was not flushed yet.
func TestItemUse(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx := context.Background()
	in := bot.Inbound{User: "u-use", Region: "葛店开发区", Text: "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"}
	a := handle(t, env.Engine, in)
	if len(a.Citations) == 0 {
		t.Fatalf("no citation: %+v", a)
	}
	item := a.Citations[0].Doc + "#" + a.Citations[0].Path
	handle(t, env.Engine, in) // the same question, asked again by a retry-less client: counted again
	in.Text = "不想跟机器人聊了,帮我转人工客服"
	handle(t, env.Engine, in)

	c := handle(t, env.Engine, bot.Inbound{User: "u-use-2", Region: "红谷滩区", Text: complaintText(41)})
	if c.Ticket == nil {
		t.Fatalf("no ticket: %+v", c)
	}
	tk, _ := env.Tickets.Get(ctx, "demo", c.Ticket.ID)
	if _, err := env.Engine.Resolve(ctx, "demo", c.Ticket.ID, "staff-a", "已处理"); err != nil {
		t.Fatal(err)
	}
	handle(t, env.Engine, bot.Inbound{User: "u-use-2", Region: "红谷滩区", Text: "3"})

	// The counts wait in memory until flushed, then land in Redis, where
	// every replica's add up.
	useKey := env.Keys.Tenant("demo", "use", "葛店开发区")
	if n, _ := env.Redis.HLen(ctx, useKey).Result(); n != 0 {
		t.Errorf("counted in Redis before a flush: %d fields", n)
	}
	if err := env.Engine.FlushUse(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.Redis.HGet(ctx, useKey, item+"|cited").Int(); got != 2 {
		t.Errorf("after the flush Redis counts %d answers citing %s, want 2", got, item)
	}
	if err := env.Engine.FlushUse(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.Redis.HGet(ctx, useKey, item+"|cited").Int(); got != 2 {
		t.Errorf("a second flush counted again: %d", got)
	}

	boss := &staff.User{Name: "boss", Role: staff.RoleManager, Region: "葛店开发区", Tenant: "demo"}
	uses, err := env.Engine.ItemUses(ctx, boss, "葛店开发区")
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) == 0 || uses[0].ID != item || uses[0].Cited != 2 || uses[0].Handoff != 1 || uses[0].Title == "" {
		t.Fatalf("use = %+v", uses)
	}
	if tk.Item == nil {
		t.Fatal("the complaint cites no item; the test needs one that does")
	}
	{
		hgt := &staff.User{Name: "hboss", Role: staff.RoleManager, Region: "红谷滩区", Tenant: "demo"}
		uses, _ = env.Engine.ItemUses(ctx, hgt, "红谷滩区")
		found := false
		for _, u := range uses {
			found = found || u.ID == tk.Item.ID && u.Bad == 1
		}
		if !found {
			t.Errorf("the bad rating is not counted for %s: %+v", tk.Item.ID, uses)
		}
	}
	if _, err := env.Engine.ItemUses(ctx, boss, "红谷滩区"); err == nil {
		t.Error("a manager read another region's figures")
	}
}

// Counts that cannot reach Redis are kept, and added once it is back.
func TestItemUseKeptThroughAnOutage(t *testing.T) {
	srv := storetest.StartServer(t)
	env := bottest.New(t, bottest.Options{Redis: openTest(t, srv.URL())})
	ctx := context.Background()
	in := bot.Inbound{User: "u-use-out", Region: "葛店开发区", Text: "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"}
	a := handle(t, env.Engine, in)
	if len(a.Citations) == 0 {
		t.Fatalf("no citation: %+v", a)
	}
	field := a.Citations[0].Doc + "#" + a.Citations[0].Path + "|cited"
	srv.Stop()
	octx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := env.Engine.FlushUse(octx); err == nil {
		t.Fatal("a flush with Redis down reported no error")
	}
	srv.Start()
	// as a server's loop does, once a second, until Redis takes them (the
	// client's breaker may hold off a moment after the outage)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(time.Second) {
		err := env.Engine.FlushUse(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis is back but the counts are not added: %v", err)
		}
	}
	if got, _ := env.Redis.HGet(ctx, env.Keys.Tenant("demo", "use", "葛店开发区"), field).Int(); got != 1 {
		t.Errorf("after the outage Redis counts %d, want 1", got)
	}
}
