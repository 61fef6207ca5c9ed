package bot

import "testing"

func TestWantsMyBenefits(t *testing.T) {
	for q, want := range map[string]bool{
		"我们公司能享受哪些免申即享政策": true,
		"我能享受什么优惠":        true,
		"有哪些政策适合我们":       true,
		"研发费用加计扣除能享受什么比例": false, // a question about one policy
		"我们能享受研发费用加计扣除吗":  false,
		"免申即享的政策有哪些":      false, // the region's list, not the business's
	} {
		if got := wantsMyBenefits(q); got != want {
			t.Errorf("wantsMyBenefits(%q) = %v", q, got)
		}
	}
}
