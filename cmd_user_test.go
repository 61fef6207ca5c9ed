package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot/bottest"
	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/storetest"
)

// testStaff is a user store on the test Redis, validated against the
// shipped knowledge base.
func testStaff(t *testing.T) (*staff.Store, staffOpener) {
	t.Helper()
	rdb, keys := storetest.Client(t)
	st := staff.NewStore(rdb, keys, staff.Options{Cost: bcrypt.MinCost})
	kb := bottest.KB(t)
	return st, func(context.Context, string) (*staffEnv, error) {
		return &staffEnv{store: st, dir: kb, close: func() {}}, nil
	}
}

func runUserCmd(open staffOpener, stdin string, args ...string) (string, string, error) {
	var out, errw bytes.Buffer
	err := userCommand(args, strings.NewReader(stdin), &out, &errw, open)
	return out.String(), errw.String(), err
}

func TestUserAdd(t *testing.T) {
	st, open := testStaff(t)
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantErr    string // substring of the error; "usage" for errUsage
		wantStderr string
	}{
		{"staff", "correct-horse\n", []string{"add", "--name", "li", "--role", "staff", "--unit", "税务局", "--region", "葛店开发区"}, "", ""},
		{"manager by alias, CRLF line", "manager-pass\r\n", []string{"add", "--name", "wang", "--role", "manager", "--region", "葛店经开区"}, "", ""},
		{"admin without newline", "admin-pass", []string{"add", "--name", "root", "--role", "admin"}, "", ""},
		{"unknown unit only warns", "correct-horse\n", []string{"add", "--name", "zhao", "--role", "staff", "--unit", "新组建的局", "--region", "河池市"}, "", "warning"},
		{"empty password", "\n", []string{"add", "--name", "a1", "--role", "admin"}, "no password", ""},
		{"no stdin at all", "", []string{"add", "--name", "a2", "--role", "admin"}, "no password", ""},
		{"short password", "short\n", []string{"add", "--name", "a3", "--role", "admin"}, "password_too_short", ""},
		{"staff without unit", "correct-horse\n", []string{"add", "--name", "a4", "--role", "staff", "--region", "河池市"}, "staff_needs_unit", ""},
		{"manager without region", "correct-horse\n", []string{"add", "--name", "a5", "--role", "manager"}, "manager_needs_region", ""},
		{"unknown region", "correct-horse\n", []string{"add", "--name", "a6", "--role", "manager", "--region", "火星区"}, "unknown_region", ""},
		{"bad role", "correct-horse\n", []string{"add", "--name", "a7", "--role", "boss"}, "bad_role", ""},
		{"bad name", "correct-horse\n", []string{"add", "--name", "a b", "--role", "admin"}, "bad_name", ""},
		{"twice", "correct-horse\n", []string{"add", "--name", "li", "--role", "admin"}, "user_exists", ""},
		{"no name", "correct-horse\n", []string{"add", "--role", "admin"}, "usage", ""},
		{"unknown flag", "", []string{"add", "--nome", "x"}, "usage", ""},
		{"unknown subcommand", "", []string{"remove", "--name", "li"}, "usage", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runUserCmd(open, tt.stdin, tt.args...)
			switch {
			case tt.wantErr == "usage":
				if err != errUsage {
					t.Errorf("err = %v, want usage", err)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("err = %v", err)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantStderr)
			}
		})
	}
	ctx := context.Background()
	u, err := st.Get(ctx, "wang")
	if err != nil || u.Region != "葛店开发区" || u.Role != staff.RoleManager || u.Tenant != "demo" {
		t.Errorf("wang = %+v, %v", u, err)
	}
	if _, _, err := st.Login(ctx, "root", "admin-pass", ""); err != nil {
		t.Errorf("the password read from stdin does not log in: %v", err)
	}
	if _, _, err := st.Login(ctx, "wang", "manager-pass", ""); err != nil {
		t.Errorf("the CRLF line was not trimmed: %v", err)
	}
}

func TestUserPasswdDisableList(t *testing.T) {
	st, open := testStaff(t)
	ctx := context.Background()
	if _, _, err := runUserCmd(open, "first-pass\n", "add", "--name", "li", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runUserCmd(open, "second-pass\n", "passwd", "--name", "li"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Login(ctx, "li", "first-pass", ""); fault.KindOf(err) != fault.Unauthorized {
		t.Errorf("old password still works: %v", err)
	}
	if _, _, err := st.Login(ctx, "li", "second-pass", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, _, err := runUserCmd(open, "x\n", "passwd", "--name", "nobody"); err == nil || !strings.Contains(err.Error(), "user_not_found") {
		t.Errorf("passwd of an unknown user: %v", err)
	}
	if _, _, err := runUserCmd(open, "", "disable", "--name", "li"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Login(ctx, "li", "second-pass", ""); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("disabled user logs in: %v", err)
	}
	out, _, err := runUserCmd(open, "", "list")
	if err != nil || !strings.Contains(out, "li\tadmin") || !strings.Contains(out, "(disabled)") {
		t.Errorf("list = %q, %v", out, err)
	}
	out, _, err = runUserCmd(open, "", "list", "--json")
	if err != nil || !strings.Contains(out, `"name":"li"`) || strings.Contains(out, "hash") {
		t.Errorf("list --json = %q, %v", out, err)
	}
	if _, _, err := runUserCmd(open, "", "enable", "--name", "li"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Login(ctx, "li", "second-pass", ""); err != nil {
		t.Errorf("re-enabled user: %v", err)
	}
}

func TestHelpListsConsoleCommands(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"help"}, &out, &out); code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, want := range []string{"user", "report"} {
		if !strings.Contains(out.String(), "  "+want+" ") {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
