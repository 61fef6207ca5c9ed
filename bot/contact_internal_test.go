package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/ticket"
)

func TestParseContact(t *testing.T) {
	tests := []struct {
		in             string
		company, phone string
		ok, skip       bool
	}{
		{"红星机械有限公司 13812345678", "红星机械有限公司", "13812345678", true, false},
		{"我们是南昌红谷滩区老王饭店,电话0791-88886666", "南昌红谷滩区老王饭店", "079188886666", true, false},
		{"单位:赣江电子厂", "赣江电子厂", "", true, false},
		{"手机 139 1234 5678", "", "13912345678", true, false},
		{"跳过", "", "", false, true},
		{"不方便留", "", "", false, true},
		{"不用了", "", "", false, true},
		{"那个审批现在到哪一步了?", "", "", false, false},
		{"研发费用加计扣除怎么申请", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, ok, skip := parseContact(tt.in)
			if c.Company != tt.company || c.Phone != tt.phone || ok != tt.ok || skip != tt.skip {
				t.Errorf("parseContact(%q) = %+v ok=%v skip=%v", tt.in, c, ok, skip)
			}
		})
	}
}

// The conversation keeps the last ticket.MaxTurns turns, texts with line
// breaks intact, and reads the array form sessions kept before.
func TestSessionConversation(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var s session
	for i := range ticket.MaxTurns {
		s.record(fmt.Sprintf("问题 %d\n第二行", i), fmt.Sprintf("回答 %d", i), at.Add(time.Duration(i)*time.Minute))
	}
	ts := s.turns()
	if len(ts) != ticket.MaxTurns {
		t.Fatalf("%d turns, want %d", len(ts), ticket.MaxTurns)
	}
	first := ticket.MaxTurns - ticket.MaxTurns/2
	if ts[0].From != "business" || ts[0].Text != fmt.Sprintf("问题 %d\n第二行", first) || !ts[0].At.Equal(at.Add(time.Duration(first)*time.Minute)) {
		t.Errorf("oldest kept turn = %+v", ts[0])
	}
	if last := ts[len(ts)-1]; last.From != "bot" || last.Text != fmt.Sprintf("回答 %d", ticket.MaxTurns-1) {
		t.Errorf("newest turn = %+v", last)
	}

	old, _ := json.Marshal([]ticket.Turn{{From: "business", Text: "以前的问题", At: at}, {From: "bot", Text: "以前的回答", At: at}})
	s = session{Conv: string(old)}
	if ts := s.turns(); len(ts) != 2 || ts[0].Text != "以前的问题" {
		t.Fatalf("array form read as %+v", ts)
	}
	const odd = "制表\t符、反斜杠\\n 和\r\n换行"
	s.record("新问题", odd, at)
	if ts := s.turns(); len(ts) != 4 || ts[0].Text != "以前的问题" || ts[3].Text != odd || !ts[3].At.Equal(at) {
		t.Errorf("after a new exchange: %+v", ts)
	}
	if strings.Count(s.Conv, "\n") != 3 {
		t.Errorf("a text broke its line: %q", s.Conv)
	}
}
