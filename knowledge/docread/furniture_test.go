package docread

import (
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name          string
		line          string
		tail          bool
		wantFurniture bool
		wantDate      string
		wantSource    string
	}{
		// Chrome of many sites, not of one.
		{"accessibility switch", "关怀版", false, true, "", ""},
		{"elder mode and accessibility", "长者模式 | 无障碍浏览", false, true, "", ""},
		{"breadcrumb", "当前位置: 首页 > 专题专栏 > 优化营商环境 > 政策文件", false, true, "", ""},
		{"breadcrumb with your-position", "您现在的位置:首页 » 信息公开", false, true, "", ""},
		{"breadcrumb from home with slashes", "首页 / 政务公开 / 规范性文件", false, true, "", ""},
		{"bare trail", "政务公开 > 政策文件 > 规范性文件", false, true, "", ""},
		{"menu bar", "网站首页 | 政务公开 | 政务服务 | 互动交流", false, true, "", ""},
		{"menu bar with spaces", "首页 走进本区 政务公开 办事服务", false, true, "", ""},
		{"date line with empty source", "发布时间:2022-04-14 16:32:00 来源: 浏览量: 字体:", false, true, "2022-04-14", ""},
		{"date and source", "时间:2021-05-25 11:12 来源:朝阳区政府办", false, true, "2021-05-25", "朝阳区政府办"},
		{"Chinese date and source with space", "发布日期:2023年7月5日 信息来源: 市发展改革委", false, true, "2023-07-05", "市发展改革委"},
		{"publisher", "发布机构:某某市人民政府办公室 成文日期:2020/03/01", false, true, "2020-03-01", "某某市人民政府办公室"},
		{"font sizes", "【字体:大 中 小】【打印本页】【关闭窗口】", false, true, "", ""},
		{"font and print", "【字体: 打印", false, true, "", ""},
		{"font sizes alone", "[ 大 中 小 ]", false, true, "", ""},
		{"scan to read on a phone", "扫一扫在手机打开当前页", true, true, "", ""},
		{"pipe-separated info", "信息来源:某某市人民政府 | 发布时间:2021-05-25 | 浏览次数:1234", false, true, "2021-05-25", "某某市人民政府"},
		{"share", "分享到: 微信 微博 QQ空间", false, true, "", ""},
		{"print and close", "打印此页|关闭窗口", true, true, "", ""},
		{"views", "浏览次数:1234次", false, true, "", ""},
		{"author and editor", "作者:张三 责任编辑:李四", false, true, "", ""},
		{"previous and next", "上一篇:关于做好2021年工作的通知", true, true, "", ""},
		{"footer registration", "京ICP备05060933号-1 京公网安备 11010502000001号", true, true, "", ""},
		{"related reading in the tail", "政策解读:《2021年某区优化营商环境工作方案》政策解读", true, true, "", ""},
		// Content that must survive.
		{"heading", "一、总体要求", false, false, "", ""},
		{"numbered heading with a UI word", "1.分享", false, false, "", ""},
		{"bracketed heading", "(二)时间安排", false, false, "", ""},
		{"article", "第三条 时间:2021年5月25日", false, false, "", ""},
		{"UI word inside a word", "分享经济", false, false, "", ""},
		{"UI word inside a sentence", "大力发展分享经济,打印相关材料。", false, false, "", ""},
		{"short sentence", "现予以印发", false, false, "", ""},
		{"title", "关于印发2021年朝阳区优化营商环境专项攻坚行动工作方案的通知", false, false, "", ""},
		{"signature date", "2021年4月19日", false, false, "", ""},
		{"lone size word", "中", false, false, "", ""},
		{"short fields without home", "组 长 ∶ 胡 澜 市委常委", false, false, "", ""},
		{"table header row", "时间 地点 内容 责任单位", false, false, "", ""},
		{"sizes in prose", "大中小企业", false, false, "", ""},
		{"mangled date", "2021525", false, false, "", ""},
		{"document number", "朝府办〔2021〕7号", false, false, "", ""},
		{"issuer", "长春市朝阳区人民政府办公室", false, false, "", ""},
		{"publication note", "(此件公开发布)", false, false, "", ""},
		{"addressees", "各街、镇,开发区,区政府各部门:", false, false, "", ""},
		{"deadline with a label", "完成时间:2021年6月底", false, false, "", ""},
		{"time with content", "时间:长期推进", false, false, "", ""},
		{"attachment", "附件:1.领导小组成员名单", true, false, "", ""},
		{"related link only in the tail", "政策解读:见附件", false, false, "", ""},
		{"long line with UI words", "发布时间:2022-04-14 为进一步优化提升我区营商环境,致力打造区域性营商环境标杆城区,按照总体部署,结合实际,特制定本方案。", false, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := classify(tt.line, tt.tail)
			if v.furniture != tt.wantFurniture {
				t.Errorf("furniture = %v, want %v", v.furniture, tt.wantFurniture)
			}
			if !tt.wantFurniture {
				return
			}
			if v.date != tt.wantDate {
				t.Errorf("date = %q, want %q", v.date, tt.wantDate)
			}
			if v.source != tt.wantSource {
				t.Errorf("source = %q, want %q", v.source, tt.wantSource)
			}
		})
	}
}

func TestStripFurniture(t *testing.T) {
	body := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "深入推进优化营商环境改革,持续提升市场主体获得感。"
		}
		return out
	}
	tests := []struct {
		name        string
		lines       []string
		wantRemoved []string
		wantMeta    pageMeta
	}{
		{
			name:        "head and tail",
			lines:       append(append([]string{"无障碍", "标题", "时间:2021-05-25 来源:区政府办"}, body(3)...), "分享", "打印此页|关闭窗口"),
			wantRemoved: []string{"无障碍", "时间:2021-05-25 来源:区政府办", "分享", "打印此页|关闭窗口"},
			wantMeta:    pageMeta{published: "2021-05-25", source: "区政府办"},
		},
		{
			name:        "middle is never furniture",
			lines:       append(append(body(30), "分享"), body(20)...),
			wantRemoved: nil,
		},
		{
			name:        "information panel cells",
			lines:       append([]string{"索 引 号:", "000014349/2021-00123", "发布机构:", "某某区人民政府办公室", "成文日期:", "2021-05-25", "标题"}, body(3)...),
			wantRemoved: []string{"索 引 号:", "000014349/2021-00123", "发布机构:", "某某区人民政府办公室", "成文日期:", "2021-05-25"},
			wantMeta:    pageMeta{published: "2021-05-25", source: "某某区人民政府办公室"},
		},
		{
			name:        "empty label does not swallow the title",
			lines:       append([]string{"来源:", "关于印发工作方案的通知"}, body(3)...),
			wantRemoved: []string{"来源:"},
		},
		{
			name:        "labelled date wins over a bare one",
			lines:       append([]string{"2020-01-01 分享", "发布时间:2022-04-14"}, body(3)...),
			wantRemoved: []string{"2020-01-01 分享", "发布时间:2022-04-14"},
			wantMeta:    pageMeta{published: "2022-04-14"},
		},
		{
			name:        "publication date wins over signing date",
			lines:       append([]string{"成文日期:", "2021年05月25日", "发布日期:2021-05-26 来源:区政府办"}, body(3)...),
			wantRemoved: []string{"成文日期:", "2021年05月25日", "发布日期:2021-05-26 来源:区政府办"},
			wantMeta:    pageMeta{published: "2021-05-26", source: "区政府办"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := stripFurniture(tt.lines)
			if !slices.Equal(res.removed, tt.wantRemoved) {
				t.Errorf("removed = %q, want %q", res.removed, tt.wantRemoved)
			}
			if len(res.kept)+len(res.removed) != len(tt.lines) {
				t.Errorf("kept %d + removed %d != %d lines", len(res.kept), len(res.removed), len(tt.lines))
			}
			if res.meta != tt.wantMeta {
				t.Errorf("meta = %+v, want %+v", res.meta, tt.wantMeta)
			}
		})
	}
}

func TestNormDate(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"iso", "2022-04-14 16:32", "2022-04-14"},
		{"chinese", "2021年5月25日", "2021-05-25"},
		{"slashes", "2020/3/1", "2020-03-01"},
		{"dots", "2019.12.31", "2019-12-31"},
		{"invalid month", "2022-13-01", ""},
		{"no date", "浏览量:2022", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findDate(tt.in); got != tt.want {
				t.Errorf("findDate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
