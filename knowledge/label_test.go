package knowledge

import "testing"

func TestItemLabel(t *testing.T) {
	tests := []struct {
		it   Item
		want string
	}{
		{Item{Number: "21", Title: "接电"}, "第21项「接电」"},
		{Item{Number: "一(四)", Title: "开办企业"}, "一(四)「开办企业」"},
		{Item{Number: "3-2", Title: "水电气"}, "「水电气」部分"},
		{Item{Number: "5", Title: "帮办代办", Source: "catalogue"}, "「帮办代办」"},
		{Item{Title: "无编号"}, "「无编号」"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.it.Label(); got != tt.want {
				t.Errorf("Label() = %q, want %q", got, tt.want)
			}
		})
	}
}
