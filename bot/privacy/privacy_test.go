package privacy

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"mobile in text", "我的电话13812345678请回电", "我的电话138****5678请回电"},
		{"mobile with +86", "+86 13912345678", "+86 139****5678"},
		{"mobile with +86 joined", "+8613912345678", "+86139****5678"},
		{"two mobiles", "13812345678,13912345678", "138****5678,139****5678"},
		{"two mobiles apart by a space", "13812345678 13912345678", "138****5678 139****5678"},
		{"mobile in groups", "电话138 1234 5678", "电话138 **** 5678"},
		{"mobile with dashes", "138-1234-5678", "138-****-5678"},
		{"mobile in full-width digits", "电话１３８１２３４５６７８", "电话１３８****５６７８"},
		{"mobile after a date", "2024-01-15 13812345678", "2024-01-15 138****5678"},
		{"id card", "身份证110101199003071234", "身份证110101********1234"},
		{"id card with X", "证件号11010119900307123X。", "证件号110101********123X。"},
		{"id card in groups", "110101 19900307 1234", "110101 ******** 1234"},
		{"id card in full-width digits with X", "１１０１０１１９９００３０７１２３Ｘ", "１１０１０１********１２３Ｘ"},
		{"bank card", "卡号6222021234567890123", "卡号622202*********0123"},
		{"bank card of 16 digits", "6222021234567890", "622202******7890"},
		{"bank card in fours", "卡号 6222 0212 3456 7890 123", "卡号 6222 02** **** ***0 123"},
		{"bank card with dashes", "6222-0212-3456-7890", "6222-02**-****-7890"},
		{"bank card in full-width groups", "６２２２　０２１２　３４５６　７８９０", "６２２２　０２**　****　７８９０"},
		{"hotline untouched", "拨打12345或967788", "拨打12345或967788"},
		{"ticket number untouched", "12345编号 2026081400321 处理得怎么样了", "12345编号 2026081400321 处理得怎么样了"},
		{"longer number untouched", "订单号12381381234567899912", "订单号12381381234567899912"},
		{"any 16 to 19 digits may be a card", "订单号123813812345678999", "订单号123813********8999"},
		{"groups not in fours untouched", "2024 0115 13 812 3", "2024 0115 13 812 3"},
		{"landline untouched", "0791-88888888", "0791-88888888"},
		{"amount untouched", "补贴1,000,000元", "补贴1,000,000元"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskOutbound(t *testing.T) {
	tests := []struct {
		name, in string
		public   []string
		want     string
	}{
		{"what Mask hides", "电话13812345678,身份证110101199003071234", nil, "电话138****5678,身份证110101********1234"},
		{"landline with area code", "座机0791-88888888", nil, "座机0791-****8888"},
		{"landline of a three-digit area", "010 12345678", nil, "010 ****5678"},
		{"landline written whole", "07918888888", nil, "0791***8888"},
		{"e-mail", "发到zhang.san@example.com。", nil, "发到z***@example.com。"},
		{"hotline untouched", "拨打12345或967788", nil, "拨打12345或967788"},
		{"published landline stays", "打0791-88888888问问", []string{"咨询电话:0791 88888888"}, "打0791-88888888问问"},
		{"published mobile stays", "联系13812345678", []string{"联系人电话13812345678"}, "联系13812345678"},
		{"other numbers still masked", "我的0791-66666666", []string{"咨询电话:0791-88888888"}, "我的0791-****6666"},
		{"published e-mail stays", "邮箱Office@example.gov.cn", []string{"office@example.gov.cn"}, "邮箱Office@example.gov.cn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskOutbound(tt.in, tt.public...); got != tt.want {
				t.Errorf("MaskOutbound(%q) = %q, want %q", tt.in, got, tt.want)
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

// FuzzMask holds Mask to the full scan: the digit count may only skip
// strings the scan would leave alone, and masking keeps every character
// in place.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"我的电话13812345678请回电", "+86 13912345678", "11010119900307123X", "1381234567",
		"订单号123813812345678999", "6222 0212 3456 7890 123", "１３８１２３４５６７８", "0791-88888888", "a@b.cn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Mask(s)
		if want := maskNumbers(s, false, nil, nil); got != want {
			t.Errorf("Mask(%q) = %q, the scan gives %q", s, got, want)
		}
		if utf8.ValidString(s) && utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Errorf("Mask(%q) = %q moved characters", s, got)
		}
		MaskOutbound(s, s[:len(s)/2])
	})
}

func TestPhones(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"红星机械厂 13812345678", []string{"13812345678"}},
		{"电话 138 1234 5678,座机 0791-88886666", []string{"13812345678", "079188886666"}},
		{"手机１３９１２３４５６７８", []string{"13912345678"}},
		{"身份证 110101199003071234 不是电话", nil},
		{"卡号 6222 0212 3456 7890", nil},
		{"12345 热线,编号 20261207", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Phones(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Phones(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
