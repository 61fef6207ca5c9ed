package bot_test

import (
	"strconv"
	"strings"
	"testing"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
)

// A complaint that counts, waits or pays is told, in the first line beside
// its ticket number, the standard of that kind its matched item sets.
func TestComplaintReplyNamesTheStandardAtStake(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	tests := []struct {
		name, region, text string
		want               string // "" for no standard line
	}{
		{"outages counted", "葛店开发区", "厂里这个月停了4次电,每次都不提前通知,一车间的料全废了,我要投诉供电所", "按规定,一年最多停电2次。"},
		{"outages counted in words", "葛店开发区", "我们厂这个月停了四五回电,也没人提前打招呼,损失谁来担", "按规定,一年最多停电2次。"},
		{"a wait", "葛店开发区", "我们厂申请接电三个月了还没通,供电公司一直拖着不办,严重影响生产", "按规定,"},
		{"a wait the item sets no limit for", "河池市", "政府拖欠我们公司工程款两年了一直不给,找谁都没用", ""},
		{"visits per week are not a wait", "葛店开发区", "市场监管、消防、环保轮流来查,一周来好几拨,生产都没法正常搞了", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := handle(t, env.Engine, bot.Inbound{User: "u-std-" + strconv.Itoa(i), Region: tt.region, Text: tt.text})
			if r.Intent != bot.Complaint || r.Ticket == nil {
				t.Fatalf("not taken for a complaint: %s %q", r.Intent, r.Text)
			}
			first, _, _ := strings.Cut(r.Text, "\n")
			_, got, _ := strings.Cut(first, "。")
			if tt.want == "" && got != "" || tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("standard %q, want %q; reply:\n%s", got, tt.want, r.Text)
			}
		})
	}
}
