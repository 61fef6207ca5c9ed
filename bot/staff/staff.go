// Package staff keeps the people who work tickets — service staff of a
// government unit, managers of a region, administrators — in Redis: their
// accounts with bcrypt password hashes, their console sessions, the
// throttling of login attempts, and the decision of which tickets and
// reports each of them may see. It knows nothing of HTTP.
package staff

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"frontdoor/bot/fault"
)

// Role is what a user may do.
type Role string

// The roles.
const (
	// RoleStaff works the tickets routed to their unit and the hand-offs
	// of their region (政务服务小哥, a unit's clerk).
	RoleStaff Role = "staff"
	// RoleManager reviews a region (营商办 / 优化办): every ticket of the
	// region, the dashboard and the reports.
	RoleManager Role = "manager"
	// RoleAdmin sees everything of their tenant.
	RoleAdmin Role = "admin"
	// RoleEditor improves a region's knowledge base from the console: it
	// reads the region's gaps and adds questions to its items.
	RoleEditor Role = "editor"
)

// Chinese names the role for the console.
func (r Role) Chinese() string {
	switch r {
	case RoleStaff:
		return "工作人员"
	case RoleManager:
		return "管理人员"
	case RoleAdmin:
		return "系统管理员"
	case RoleEditor:
		return "知识编辑"
	}
	return string(r)
}

// DefaultTenant is the tenant users belong to when none is given.
const DefaultTenant = "demo"

// Password limits: bcrypt reads at most 72 bytes, and anything shorter
// than eight characters is guessed too easily.
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 72
)

// User is a person who signs in to the console.
type User struct {
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	Unit   string `json:"unit,omitempty"`
	Region string `json:"region,omitempty"`
	Tenant string `json:"tenant"`
	// Disabled users cannot sign in and lose their sessions.
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Directory is what validation needs to know about the knowledge base:
// the regions and the units each one names. *knowledge.Base is one.
type Directory interface {
	Regions() []string
	Units(region string) []string
}

// regionResolver maps aliases (红谷滩, 长春市朝阳区) to a region's name;
// the knowledge base offers it, and validation uses it when present.
type regionResolver interface {
	ResolveRegion(name string) (string, bool)
}

// reName keeps names usable as Redis key parts and in logs: letters
// (Chinese included), digits and a few separators, no spaces or colons.
var reName = regexp.MustCompile(`^[\p{L}\p{N}._@-]{1,64}$`)

// Validate checks a user before it is stored, normalising the region to
// its canonical name. Staff need a unit and a region, managers a region;
// the region must be one the knowledge base knows. A unit the region's
// documents do not name is only a warning: units are renamed and
// reorganised more often than documents are reissued.
func (u *User) Validate(dir Directory) (warnings []string, err error) {
	u.Name, u.Unit, u.Region = strings.TrimSpace(u.Name), strings.TrimSpace(u.Unit), strings.TrimSpace(u.Region)
	if u.Tenant = strings.TrimSpace(u.Tenant); u.Tenant == "" {
		u.Tenant = DefaultTenant
	}
	if !reName.MatchString(u.Name) {
		return nil, fault.Invalidf("bad_name", "用户名需为1–64个字母、汉字、数字或 . _ @ -,不能含空格或冒号")
	}
	if strings.ContainsAny(u.Tenant, "{}: \t") {
		return nil, fault.Invalidf("bad_tenant", "租户 %q 不能含括号、冒号或空格", u.Tenant)
	}
	switch u.Role {
	case RoleStaff:
		if u.Unit == "" || u.Region == "" {
			return nil, fault.Invalidf("staff_needs_unit", "工作人员(staff)需要 --unit 和 --region")
		}
	case RoleManager:
		if u.Region == "" {
			return nil, fault.Invalidf("manager_needs_region", "管理人员(manager)需要 --region")
		}
		if u.Unit != "" {
			warnings = append(warnings, fmt.Sprintf("管理人员不属于某个单位,已忽略单位 %q", u.Unit))
			u.Unit = ""
		}
	case RoleAdmin:
		u.Unit = ""
	case RoleEditor:
		if u.Region == "" {
			return nil, fault.Invalidf("editor_needs_region", "知识编辑(editor)需要 --region")
		}
		u.Unit = ""
	default:
		return nil, fault.Invalidf("bad_role", "角色 %q 无效:应为 staff、manager、admin 或 editor", u.Role)
	}
	if u.Region == "" {
		return warnings, nil
	}
	region, ok := resolveRegion(dir, u.Region)
	if !ok {
		return nil, fault.Invalidf("unknown_region", "未知区域 %q;已知区域:%s", u.Region, strings.Join(dir.Regions(), "、"))
	}
	u.Region = region
	if u.Unit != "" && !slices.Contains(dir.Units(region), u.Unit) {
		warnings = append(warnings, fmt.Sprintf("%s 的文件中没有单位 %q;若单位已更名请确认拼写,工单按单位名称精确匹配", region, u.Unit))
	}
	return warnings, nil
}

func resolveRegion(dir Directory, name string) (string, bool) {
	if slices.Contains(dir.Regions(), name) {
		return name, true
	}
	if r, ok := dir.(regionResolver); ok {
		return r.ResolveRegion(name)
	}
	return "", false
}

// CheckPassword refuses passwords that are too short for an account that
// can read businesses' requests, or too long for bcrypt.
func CheckPassword(p string) error {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordRunes:
		return fault.Invalidf("password_too_short", "密码至少 %d 个字符", MinPasswordRunes)
	case len(p) > MaxPasswordBytes:
		return fault.Invalidf("password_too_long", "密码最多 %d 字节", MaxPasswordBytes)
	case !utf8.ValidString(p):
		return fault.Invalidf("password_encoding", "密码必须是 UTF-8 文本")
	}
	return nil
}
