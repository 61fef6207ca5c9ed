package bot_test

import (
	"context"
	"testing"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
)

// TestStaffActions: every staff action goes through Engine.Act, which
// checks who may act, what must be typed and where a ticket may go, the
// same for the API, the console's pages and any other caller.
func TestStaffActions(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	ctx := context.Background()
	const region, unit = "朝阳区", "区人社局"
	tk, _, err := env.Tickets.Open(ctx, ticket.Request{Tenant: "demo", Region: region, User: "biz-act",
		Kind: ticket.Complaint, Text: "测试", Units: []string{unit}})
	if err != nil {
		t.Fatal(err)
	}
	mine := &staff.User{Name: "li", Tenant: "demo", Role: staff.RoleStaff, Unit: unit, Region: region}
	other := &staff.User{Name: "wang", Tenant: "demo", Role: staff.RoleStaff, Unit: "区住建局", Region: region}
	tests := []struct {
		name     string
		u        *staff.User
		a        bot.Action
		wantKind fault.Kind // 0 (Internal) stands for success here
		wantErr  bool
	}{
		{"another unit's ticket is not there", other, bot.Action{Name: "claim"}, fault.NotFound, true},
		{"unknown action", mine, bot.Action{Name: "delete"}, fault.NotFound, true},
		{"claim", mine, bot.Action{Name: "claim"}, 0, false},
		{"pause without a reason", mine, bot.Action{Name: "pause"}, fault.Invalid, true},
		{"transfer to a unit the region lacks", mine, bot.Action{Name: "transfer", Unit: "火星局", Reason: "不归我们"}, fault.Invalid, true},
		{"note", mine, bot.Action{Name: "note", Text: "已电话联系企业"}, 0, false},
		{"reply", mine, bot.Action{Name: "reply", Text: "您好,已安排核查。"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.Engine.Act(ctx, tt.u, tk.ID, tt.a)
			switch {
			case tt.wantErr && fault.KindOf(err) != tt.wantKind:
				t.Errorf("Act = %v, want a %v fault", err, tt.wantKind)
			case !tt.wantErr && (err != nil || got == nil):
				t.Errorf("Act = %v, %v", got, err)
			}
		})
	}
	units, err := env.Engine.Units(ctx, region)
	if err != nil || len(units) == 0 {
		t.Fatalf("Units(%s) = %v, %v", region, units, err)
	}
	moved, err := env.Engine.Act(ctx, mine, tk.ID, bot.Action{Name: "transfer", Unit: units[0], Reason: "职责调整"})
	if err != nil || moved.Owner() != units[0] {
		t.Errorf("transfer to %s: %v, owner %v", units[0], err, moved)
	}
}
