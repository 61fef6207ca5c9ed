package knowledge

import (
	"fmt"
	"testing"
)

func TestScratchRegion(t *testing.T) {
	for _, s := range []string{"中共鄂州市委葛店开发区工委", "2022年红谷滩区关于深入推进优化营商环境", "【朝府办】关于印发2021年朝阳区优化营商环境专项攻坚行动工作方案的通知", "长春市朝阳区人民政府办公室", "——《徐州市2019营商环境提升年工作方案》解读"} {
		for _, m := range reRegion.FindAllStringSubmatch(s, -1) {
			fmt.Printf("%s => %q\n", s, m)
		}
	}
}
