package staff_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
)

const password = "s3cret-pass"

type env struct {
	store *staff.Store
	clock *bottest.FakeClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	rdb, keys := storetest.Client(t)
	fc := &bottest.FakeClock{}
	fc.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return &env{store: staff.NewStore(rdb, keys, staff.Options{Cost: bcrypt.MinCost, Now: fc.Now}), clock: fc}
}

func (e *env) add(t *testing.T, u staff.User) {
	t.Helper()
	if u.Tenant == "" {
		u.Tenant = "demo"
	}
	if err := e.store.Add(context.Background(), u, password); err != nil {
		t.Fatalf("add %s: %v", u.Name, err)
	}
}

func TestValidate(t *testing.T) {
	kb := bottest.KB(t)
	tests := []struct {
		name       string
		user       staff.User
		wantCode   string
		wantRegion string
		wantWarn   bool
	}{
		{"staff with unit and region", staff.User{Name: "li", Role: staff.RoleStaff, Unit: "税务局", Region: "葛店开发区"}, "", "葛店开发区", false},
		{"region alias", staff.User{Name: "li", Role: staff.RoleStaff, Unit: "税务局", Region: "葛店经开区"}, "", "葛店开发区", false},
		{"unknown unit warns", staff.User{Name: "li", Role: staff.RoleStaff, Unit: "新成立的局", Region: "葛店开发区"}, "", "葛店开发区", true},
		{"staff without unit", staff.User{Name: "li", Role: staff.RoleStaff, Region: "葛店开发区"}, "staff_needs_unit", "", false},
		{"staff without region", staff.User{Name: "li", Role: staff.RoleStaff, Unit: "税务局"}, "staff_needs_unit", "", false},
		{"manager without region", staff.User{Name: "wang", Role: staff.RoleManager}, "manager_needs_region", "", false},
		{"manager with a unit warns", staff.User{Name: "wang", Role: staff.RoleManager, Region: "河池市", Unit: "x"}, "", "河池市", true},
		{"admin alone", staff.User{Name: "root", Role: staff.RoleAdmin}, "", "", false},
		{"unknown region", staff.User{Name: "li", Role: staff.RoleManager, Region: "火星区"}, "unknown_region", "", false},
		{"bad role", staff.User{Name: "li", Role: "boss", Region: "河池市"}, "bad_role", "", false},
		{"name with a space", staff.User{Name: "li si", Role: staff.RoleAdmin}, "bad_name", "", false},
		{"name with a colon", staff.User{Name: "li:si", Role: staff.RoleAdmin}, "bad_name", "", false},
		{"chinese name", staff.User{Name: "李四", Role: staff.RoleAdmin}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			warnings, err := u.Validate(kb)
			if tt.wantCode != "" {
				if fe, ok := fault.As(err); !ok || fe.Code != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Region != tt.wantRegion || (len(warnings) > 0) != tt.wantWarn || u.Tenant != "demo" {
				t.Errorf("region %q tenant %q warnings %v", u.Region, u.Tenant, warnings)
			}
		})
	}
}

func TestPasswords(t *testing.T) {
	tests := []struct {
		name, password, wantCode string
	}{
		{"ok", "eight888", ""},
		{"chinese counts characters", "八个汉字的密码啊", ""},
		{"too short", "seven77", "password_too_short"},
		{"empty", "", "password_too_short"},
		{"too long for bcrypt", strings.Repeat("x", 73), "password_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := staff.CheckPassword(tt.password)
			if fe, _ := fault.As(err); tt.wantCode == "" && err != nil || tt.wantCode != "" && (fe == nil || fe.Code != tt.wantCode) {
				t.Errorf("err = %v, want %q", err, tt.wantCode)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, staff.User{Name: "li", Role: staff.RoleStaff, Unit: "税务局", Region: "葛店开发区"})
	e.add(t, staff.User{Name: "admin", Role: staff.RoleAdmin})
	if err := e.store.Add(ctx, staff.User{Name: "li", Role: staff.RoleAdmin, Tenant: "demo"}, password); fault.KindOf(err) != fault.Conflict {
		t.Errorf("adding li twice: %v", err)
	}
	u, err := e.store.Get(ctx, "li")
	if err != nil || u.Unit != "税务局" || u.Region != "葛店开发区" || u.Role != staff.RoleStaff || u.Created.IsZero() {
		t.Fatalf("get li = %+v, %v", u, err)
	}
	users, err := e.store.List(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "admin" || users[1].Name != "li" {
		t.Errorf("list = %+v, %v", users, err)
	}
	if _, err := e.store.Get(ctx, "nobody"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("get nobody: %v", err)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, staff.User{Name: "li", Role: staff.RoleStaff, Unit: "税务局", Region: "葛店开发区"})
	tests := []struct {
		name, user, password string
		wantKind             fault.Kind
	}{
		{"right password", "li", password, -1},
		{"wrong password", "li", "wrong-password", fault.Unauthorized},
		{"unknown name looks the same", "nobody", password, fault.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, u, err := e.store.Login(ctx, tt.user, tt.password, "10.0.0."+tt.name[:1])
			if tt.wantKind < 0 {
				if err != nil || sess.Token == "" || u.Name != tt.user || sess.CSRF == "" {
					t.Fatalf("login: %v %+v", err, sess)
				}
				return
			}
			if fault.KindOf(err) != tt.wantKind || err.Error() != staff.ErrBadLogin.Error() {
				t.Errorf("err = %v, want the one bad-login error", err)
			}
		})
	}
}

// TestThrottle: five failures of a name from one address lock that pair
// out; each further attempt from there is refused with a longer wait, even
// with the right password — but the owner logs in from another address,
// so nobody can lock a colleague out from afar. The lock lifts with time.
func TestThrottle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, staff.User{Name: "li", Role: staff.RoleAdmin})
	for i := 0; i < 5; i++ {
		if _, _, err := e.store.Login(ctx, "li", "wrong-password", "10.0.0.1"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	var last time.Duration
	for i := range 3 {
		_, _, err := e.store.Login(ctx, "li", password, "10.0.0.1")
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.RateLimited || fe.RetryAfter <= last {
			t.Fatalf("attempt %d while locked: %v (retry after %v, previous %v)", i+1, err, fe, last)
		}
		last = fe.RetryAfter
	}
	if _, _, err := e.store.Login(ctx, "li", password, "10.0.0.2"); err != nil {
		t.Errorf("the owner, from another address, while the attacker's is locked: %v", err)
	}
	e.clock.Advance(last + time.Second)
	if _, _, err := e.store.Login(ctx, "li", password, "10.0.0.1"); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

// TestThrottleAddress: an address guessing many names is locked out for
// every name once it reaches its own cap; other addresses are not.
func TestThrottleAddress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, staff.User{Name: "li", Role: staff.RoleAdmin})
	for i := range 20 {
		_, _, err := e.store.Login(ctx, fmt.Sprintf("guess-%d", i), "x-password", "10.9.9.9")
		if fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, _, err := e.store.Login(ctx, "li", password, "10.9.9.9"); fault.KindOf(err) != fault.RateLimited {
		t.Errorf("address after 20 failures on other names: %v", err)
	}
	if _, _, err := e.store.Login(ctx, "li", password, "10.0.0.3"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		between func(t *testing.T, e *env, token string)
		wantOK  bool
	}{
		{"fresh", func(*testing.T, *env, string) {}, true},
		{"used within the hour", func(_ *testing.T, e *env, _ string) { e.clock.Advance(time.Hour) }, true},
		{"idle past eight hours expires", func(_ *testing.T, e *env, _ string) { e.clock.Advance(8*time.Hour + time.Second) }, false},
		{"use slides the expiry", func(t *testing.T, e *env, tok string) {
			e.clock.Advance(7 * time.Hour)
			if _, _, err := e.store.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(7 * time.Hour)
		}, true},
		{"verify does not slide", func(t *testing.T, e *env, tok string) {
			e.clock.Advance(7 * time.Hour)
			_, _, _ = e.store.Verify(ctx, tok)
			e.clock.Advance(2 * time.Hour)
		}, false},
		{"logout ends it", func(t *testing.T, e *env, tok string) { _ = e.store.Logout(ctx, tok) }, false},
		{"disabling the user ends it", func(_ *testing.T, e *env, _ string) { _ = e.store.SetDisabled(ctx, "li", true) }, false},
		{"a new password ends it", func(_ *testing.T, e *env, _ string) { _ = e.store.SetPassword(ctx, "li", "another-pass") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.add(t, staff.User{Name: "li", Role: staff.RoleAdmin})
			sess, _, err := e.store.Login(ctx, "li", password, "")
			if err != nil {
				t.Fatal(err)
			}
			tt.between(t, e, sess.Token)
			_, u, err := e.store.Authenticate(ctx, sess.Token)
			if tt.wantOK != (err == nil) {
				t.Fatalf("authenticate: %v, want ok=%v", err, tt.wantOK)
			}
			if err == nil && u.Name != "li" {
				t.Errorf("user = %+v", u)
			}
			if err != nil && fault.KindOf(err) != fault.Unauthorized {
				t.Errorf("kind = %v", fault.KindOf(err))
			}
		})
	}
}

func TestDisabledCannotLogIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, staff.User{Name: "li", Role: staff.RoleAdmin})
	if err := e.store.SetDisabled(ctx, "li", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.Login(ctx, "li", password, ""); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("disabled login: %v", err)
	}
	if _, _, err := e.store.Login(ctx, "li", "wrong-password", ""); fault.KindOf(err) != fault.Unauthorized {
		t.Errorf("disabled login with a wrong password must not reveal the account: %v", err)
	}
	if err := e.store.SetDisabled(ctx, "li", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.Login(ctx, "li", password, ""); err != nil {
		t.Errorf("re-enabled login: %v", err)
	}
}

func TestAccess(t *testing.T) {
	const region, other = "葛店开发区", "红谷滩区"
	complaintA := &ticket.Ticket{Tenant: "demo", Region: region, Kind: ticket.Complaint, Units: []string{"税务局", "社保局"}}
	assist := &ticket.Ticket{Tenant: "demo", Region: region, Kind: ticket.Assist, Units: []string{"税务局"}, Desk: "行政审批局"}
	handoff := &ticket.Ticket{Tenant: "demo", Region: region, Kind: ticket.Handoff, Desk: "行政审批局"}
	elsewhere := &ticket.Ticket{Tenant: "demo", Region: other, Kind: ticket.Complaint, Units: []string{"税务局"}}
	otherTenant := &ticket.Ticket{Tenant: "t2", Region: region, Kind: ticket.Complaint, Units: []string{"税务局"}}
	tax := &staff.User{Name: "tax", Role: staff.RoleStaff, Unit: "税务局", Region: region, Tenant: "demo"}
	social := &staff.User{Name: "soc", Role: staff.RoleStaff, Unit: "社保局", Region: region, Tenant: "demo"}
	police := &staff.User{Name: "pol", Role: staff.RoleStaff, Unit: "公安局", Region: region, Tenant: "demo"}
	desk := &staff.User{Name: "desk", Role: staff.RoleStaff, Unit: "行政审批局", Region: region, Tenant: "demo"}
	manager := &staff.User{Name: "mgr", Role: staff.RoleManager, Region: region, Tenant: "demo"}
	admin := &staff.User{Name: "root", Role: staff.RoleAdmin, Tenant: "demo"}
	disabled := &staff.User{Name: "old", Role: staff.RoleAdmin, Tenant: "demo", Disabled: true}
	tests := []struct {
		name string
		user *staff.User
		t    *ticket.Ticket
		want bool
	}{
		{"owner unit sees its complaint", tax, complaintA, true},
		{"co-routed unit sees it", social, complaintA, true},
		{"another unit does not", police, complaintA, false},
		{"the desk sees an assist it helps with", desk, assist, true},
		{"any staff of the region sees hand-offs", police, handoff, true},
		{"same unit name in another region does not", tax, elsewhere, false},
		{"another tenant's ticket is invisible", tax, otherTenant, false},
		{"manager sees the region", manager, complaintA, true},
		{"manager not another region", manager, elsewhere, false},
		{"admin sees all", admin, elsewhere, true},
		{"disabled sees nothing", disabled, complaintA, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.user.CanSee(tt.t); got != tt.want {
				t.Errorf("CanSee = %v, want %v", got, tt.want)
			}
		})
	}
	reports := []struct {
		name   string
		user   *staff.User
		region string
		want   bool
	}{
		{"staff never", tax, region, false},
		{"manager own region", manager, region, true},
		{"manager other region", manager, other, false},
		{"admin any", admin, other, true},
	}
	for _, tt := range reports {
		t.Run("report "+tt.name, func(t *testing.T) {
			if got := tt.user.CanReport(tt.region); got != tt.want {
				t.Errorf("CanReport = %v, want %v", got, tt.want)
			}
		})
	}
}
