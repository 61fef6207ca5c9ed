package bot

import (
	"testing"
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
