package gaps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/gaps"
	"frontdoor/bot/store/storetest"
)

func TestRecordAndList(t *testing.T) {
	rdb, keys := storetest.Client(t)
	s := gaps.New(rdb, keys)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, g := range []gaps.Gap{
		{At: t0, Region: "甲区", Text: "外资企业开户要啥材料 我电话13812345678", Reason: gaps.NotFound, Items: []string{"a#1"}},
		{At: t0.Add(time.Hour), Region: "乙区", Text: "另一个区的问题", Reason: gaps.Asked},
		{At: t0.Add(48 * time.Hour), Region: "甲区", Text: "周期外的问题", Reason: gaps.OutOfScope},
		{At: t0.Add(2 * time.Hour), Region: "甲区", Text: "   ", Reason: gaps.OutOfScope},
	} {
		if err := s.Record(ctx, "demo", g); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	got, err := s.List(ctx, "demo", "甲区", t0, t0.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Reason != gaps.NotFound || got[0].Items[0] != "a#1" || !got[0].At.Equal(t0) {
		t.Fatalf("list = %+v", got)
	}
	if strings.Contains(got[0].Text, "13812345678") || !strings.Contains(got[0].Text, "138****5678") {
		t.Errorf("the number is not masked: %q", got[0].Text)
	}
}

func TestCluster(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	gs := []gaps.Gap{ // newest first, as List returns them
		{At: at.Add(3 * time.Minute), Text: "外资企业银行开户需要什么材料", Reason: gaps.NotFound, Items: []string{"d#2"}},
		{At: at.Add(2 * time.Minute), Text: "今天天气怎么样", Reason: gaps.OutOfScope},
		{At: at.Add(time.Minute), Text: "外资企业银行开户要什么材料啊?", Reason: gaps.Asked, Items: []string{"d#2", "d#3"}},
		{At: at, Text: "外资企业 银行开户需要啥材料", Reason: gaps.Handoff},
	}
	groups := gaps.Cluster(gs)
	if len(groups) != 2 {
		t.Fatalf("%d groups: %+v", len(groups), groups)
	}
	g := groups[0]
	if g.Count != 3 || g.Example != gs[0].Text || !g.Last.Equal(gs[0].At) || len(g.Examples) != 3 {
		t.Errorf("first group = %+v", g)
	}
	if g.Reasons[gaps.NotFound] != 1 || g.Reasons[gaps.Asked] != 1 || g.Reasons[gaps.Handoff] != 1 {
		t.Errorf("reasons = %v", g.Reasons)
	}
	if len(g.Items) != 2 || g.Items[0] != "d#2" {
		t.Errorf("items = %v, want d#2 first", g.Items)
	}
	if groups[1].Count != 1 || groups[1].Example != "今天天气怎么样" {
		t.Errorf("second group = %+v", groups[1])
	}
}
