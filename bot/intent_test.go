package bot_test

import (
	"fmt"
	"testing"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
)

// The model's own quality is measured by cross-validation and the
// evaluation sets (frontdoor eval); these hold the engine to acting on it.

func TestPlainMessagesAreUnderstood(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	tests := []struct {
		text, want string
	}{
		{"你好", "greeting"},
		{"转人工", "human"},
		{"帮我写个年终总结", "out_of_scope"},
		{"我的工单进度怎么样了", "progress_query"},
		{"政府拖欠我们公司工程款两年了一直不给,找谁都没用", "complaint"},
		{"能不能派个人帮我们把手续跑下来", "assist_request"},
		{"注销公司要交什么材料", "policy_query"},
	}
	for i, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := handle(t, env.Engine, bot.Inbound{User: fmt.Sprintf("plain-%d", i), Region: "葛店开发区", Text: tt.text})
			if string(r.Intent) != tt.want {
				t.Errorf("%q: intent %s, want %s (%q)", tt.text, r.Intent, tt.want, r.Text)
			}
		})
	}
}
