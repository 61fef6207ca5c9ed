package privacy

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"mobile in text", "我的电话13812345678请回电", "我的电话138****5678请回电"},
		{"mobile with +86", "+86 13912345678", "+86 139****5678"},
		{"two mobiles", "13812345678,13912345678", "138****5678,139****5678"},
		{"id card", "身份证110101199003071234", "身份证110101********1234"},
		{"id card with X", "证件号11010119900307123X。", "证件号110101********123X。"},
		{"hotline untouched", "拨打12345或967788", "拨打12345或967788"},
		{"longer number untouched", "订单号123813812345678999", "订单号123813812345678999"},
		{"landline untouched", "0791-88888888", "0791-88888888"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHandlerMasksEverywhere(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	log = log.With("user_phone", "13812345678")
	log.Info("call 13912345678", "text", "身份证110101199003071234",
		slog.Group("g", "p", "13700001111"), "err", errors.New("bad 13600001111"))
	out := buf.String()
	for _, leak := range []string{"13812345678", "13912345678", "110101199003071234", "13700001111", "13600001111"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %s: %s", leak, out)
		}
	}
	if !strings.Contains(out, "139****5678") {
		t.Errorf("message not masked as expected: %s", out)
	}
}

// maskByExpressions is Mask without its digit-run check.
func maskByExpressions(s string) string {
	s = reIDCard.ReplaceAllString(s, "${1}${2}********${3}${4}")
	for i := 0; i < 2; i++ {
		s = rePhone.ReplaceAllString(s, "${1}${2}****${4}${5}")
	}
	return s
}

// FuzzMask holds Mask to its expressions: the digit-run check may only
// skip strings they would leave alone.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"我的电话13812345678请回电", "+86 13912345678", "11010119900307123X", "1381234567", "订单号123813812345678999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Mask(s), maskByExpressions(s); got != want {
			t.Errorf("Mask(%q) = %q, the expressions give %q", s, got, want)
		}
	})
}
