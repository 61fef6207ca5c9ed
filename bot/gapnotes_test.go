package bot_test

import (
	"context"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/gaps"
)

// TestGapsRecorded: questions answered out of scope, with nothing that
// fits or with a question back, the question before a call for a person,
// and the words of a case rated 差评 are kept for the gaps report.
func TestGapsRecorded(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	in := bot.Inbound{User: "u-gap", Region: "红谷滩区"}
	say := func(text string) bot.Reply {
		in.Text = text
		return handle(t, env.Engine, in)
	}
	say("今天晚上去哪里吃火锅比较好")
	say("研发费用加计扣除怎么享受")
	say("养殖场的沼气池补贴标准是多少,我电话13912345678")
	r := say("不想跟机器人聊了,帮我转人工客服")
	if !r.Handoff {
		t.Fatalf("no hand-off: %+v", r)
	}
	list, err := env.Engine.Gaps().List(ctx, "demo", "红谷滩区", start, time.Now().Add(time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, g := range list {
		reasons[g.Text] = g.Reason
	}
	if reasons["今天晚上去哪里吃火锅比较好"] != gaps.OutOfScope {
		t.Errorf("the off-topic question: %v", reasons)
	}
	if _, ok := reasons["研发费用加计扣除怎么享受"]; ok {
		t.Errorf("an answered question was kept as a gap: %v", reasons)
	}
	if reasons["养殖场的沼气池补贴标准是多少,我电话139****5678"] != gaps.Handoff {
		t.Errorf("the question before the hand-off (masked): %v", reasons)
	}

	other := bot.Inbound{User: "u-gap-2", Region: "红谷滩区", Text: complaintText(31)}
	c := handle(t, env.Engine, other)
	if _, err := env.Engine.Resolve(ctx, "demo", c.Ticket.ID, "staff-a", "已处理"); err != nil {
		t.Fatal(err)
	}
	other.Text = "3"
	if r := handle(t, env.Engine, other); r.Intent != bot.Rating {
		t.Fatalf("rating reply: %+v", r)
	}
	list, _ = env.Engine.Gaps().List(ctx, "demo", "红谷滩区", start, time.Now().Add(time.Minute), 100)
	if len(list) == 0 || list[0].Reason != gaps.BadRating || list[0].Text != complaintText(31) {
		t.Errorf("newest gap = %+v", list[0])
	}
}
