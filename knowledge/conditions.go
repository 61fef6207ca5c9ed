package knowledge

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Business sizes, as 划型 names them: 微型, 小型, 中型, 大型.
var Sizes = []string{"micro", "small", "medium", "large"}

// sizeNames are the sizes as a business reads them.
var sizeNames = map[string]string{"micro": "微型", "small": "小型", "medium": "中型", "large": "大型"}

// SizeName is a size as a business reads it (微型 …).
func SizeName(size string) string { return sizeNames[size] }

// Conditions say which businesses a curated benefit (免申即享) fits: any
// of the industries, any of the sizes, registered within the years. An
// empty part fits every business.
type Conditions struct {
	Industries     []string `yaml:"industries,omitempty" json:"industries,omitempty"`
	Sizes          []string `yaml:"sizes,omitempty" json:"sizes,omitempty"`
	RegisteredFrom int      `yaml:"registered_from,omitempty" json:"registered_from,omitempty"`
	RegisteredTo   int      `yaml:"registered_to,omitempty" json:"registered_to,omitempty"`
}

// Business is what a benefit's conditions are checked against.
type Business struct {
	Industry       string
	Size           string
	RegisteredYear int
}

// Fits reports whether b meets every part of c. A part the business has
// not said anything about is not met: a business is told only what it
// certainly qualifies for.
func (c *Conditions) Fits(b Business) bool {
	if c == nil {
		return true
	}
	if len(c.Industries) > 0 && !slices.ContainsFunc(c.Industries, func(s string) bool {
		return b.Industry != "" && strings.Contains(b.Industry, s)
	}) {
		return false
	}
	if len(c.Sizes) > 0 && !slices.Contains(c.Sizes, b.Size) {
		return false
	}
	if c.RegisteredFrom > 0 && (b.RegisteredYear == 0 || b.RegisteredYear < c.RegisteredFrom) {
		return false
	}
	if c.RegisteredTo > 0 && (b.RegisteredYear == 0 || b.RegisteredYear > c.RegisteredTo) {
		return false
	}
	return true
}

// String says the conditions as a business reads them.
func (c *Conditions) String() string {
	if c == nil {
		return "不限"
	}
	var parts []string
	if len(c.Industries) > 0 {
		parts = append(parts, "行业:"+strings.Join(c.Industries, "、"))
	}
	if len(c.Sizes) > 0 {
		names := make([]string, len(c.Sizes))
		for i, s := range c.Sizes {
			names[i] = sizeNames[s]
		}
		parts = append(parts, "规模:"+strings.Join(names, "、")+"企业")
	}
	switch {
	case c.RegisteredFrom > 0 && c.RegisteredTo > 0:
		parts = append(parts, fmt.Sprintf("%d–%d 年成立", c.RegisteredFrom, c.RegisteredTo))
	case c.RegisteredFrom > 0:
		parts = append(parts, strconv.Itoa(c.RegisteredFrom)+" 年及以后成立")
	case c.RegisteredTo > 0:
		parts = append(parts, strconv.Itoa(c.RegisteredTo)+" 年及以前成立")
	}
	if len(parts) == 0 {
		return "不限"
	}
	return strings.Join(parts, ";")
}

// validate names a condition that cannot be met as written.
func (c *Conditions) validate() string {
	if c == nil {
		return ""
	}
	for _, s := range c.Sizes {
		if !slices.Contains(Sizes, s) {
			return fmt.Sprintf("conditions.sizes %q: want micro, small, medium or large", s)
		}
	}
	if c.RegisteredFrom > 0 && c.RegisteredTo > 0 && c.RegisteredFrom > c.RegisteredTo {
		return "conditions: registered_from is after registered_to"
	}
	return ""
}
