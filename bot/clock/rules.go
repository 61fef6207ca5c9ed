// Package clock runs the 有呼必应 response clocks of tickets: how long a
// unit has to respond and to resolve, in official working time, with pauses
// added back, warnings before a deadline and an escalation ladder after it.
package clock

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"frontdoor/bot/calendar"
)

// Duration is an amount of working time: hours inside working hours
// ("2h", "30m") or whole working days ("5d", counted from the day after
// arrival, as the official rule says).
type Duration struct {
	Days  int
	Hours time.Duration
}

var reDuration = regexp.MustCompile(`^(\d+(?:\.\d+)?)([dhm])$`)

// ParseDuration reads "2h", "90m", "5d".
func ParseDuration(s string) (Duration, error) {
	m := reDuration.FindStringSubmatch(s)
	if m == nil {
		return Duration{}, fmt.Errorf("working duration %q: want a number and d (working days), h or m (working hours/minutes)", s)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "d":
		if v != math.Trunc(v) || v > 3650 {
			return Duration{}, fmt.Errorf("working duration %q: days must be a whole number up to 3650", s)
		}
		return Duration{Days: int(v)}, nil
	case "h":
		return Duration{Hours: time.Duration(v * float64(time.Hour))}, nil
	default:
		return Duration{Hours: time.Duration(v * float64(time.Minute))}, nil
	}
}

// String prints the duration as it is written in configuration.
func (d Duration) String() string {
	if d.Days > 0 {
		return strconv.Itoa(d.Days) + "d"
	}
	if d.Hours%time.Hour == 0 {
		return strconv.Itoa(int(d.Hours/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d.Hours/time.Minute)) + "m"
}

// Chinese says the duration the way a reply to a business does.
func (d Duration) Chinese() string {
	if d.Days > 0 {
		return strconv.Itoa(d.Days) + "个工作日"
	}
	if d.Hours%time.Hour == 0 {
		return strconv.Itoa(int(d.Hours/time.Hour)) + "个工作小时"
	}
	return strconv.Itoa(int(d.Hours/time.Minute)) + "个工作分钟"
}

// Rules are a region's clock durations.
type Rules struct {
	FirstResponse Duration // 有呼必应: first answer by a person
	General       Duration // resolution of a general problem (一般问题)
	Difficult     Duration // resolution of a difficult one (疑难问题)
	Followup      Duration // 差评回访整改
	Cooperate     Duration // a cooperating unit's task (协办)
	WarnAt        float64  // share of a clock after which it warns
	Level2After   Duration // 一次督办 → 二次督办
	Level3After   Duration // 二次督办 → 问责
	Hours         calendar.Hours
}

// DefaultRules follow the seed documents: a first response within two
// working hours, 5 working days for general and 15 for difficult problems
// (葛店 item 53), 3 working days to follow up a bad rating, and 3 for a
// cooperating unit's part of a case (协办 3, 主办 5: a common rule).
func DefaultRules() Rules {
	return Rules{
		FirstResponse: Duration{Hours: 2 * time.Hour},
		General:       Duration{Days: 5},
		Difficult:     Duration{Days: 15},
		Followup:      Duration{Days: 3},
		Cooperate:     Duration{Days: 3},
		WarnAt:        0.75,
		Level2After:   Duration{Days: 2},
		Level3After:   Duration{Days: 3},
		Hours:         calendar.DefaultHours(),
	}
}

// Override applies a region's settings ("general: 5d", "warn_at: 0.8",
// hours "09:00-12:00,13:30-17:30") on top of r.
func (r Rules) Override(clocks map[string]string, hours string) (Rules, error) {
	for k, v := range clocks {
		if k == "warn_at" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f >= 1 {
				return r, fmt.Errorf("warn_at %q: want a share between 0 and 1", v)
			}
			r.WarnAt = f
			continue
		}
		d, err := ParseDuration(v)
		if err != nil {
			return r, fmt.Errorf("%s: %w", k, err)
		}
		switch k {
		case "first_response":
			r.FirstResponse = d
		case "general":
			r.General = d
		case "difficult":
			r.Difficult = d
		case "followup":
			r.Followup = d
		case "cooperate":
			r.Cooperate = d
		case "level2_after":
			r.Level2After = d
		case "level3_after":
			r.Level3After = d
		default:
			return r, fmt.Errorf("unknown clock %q", k)
		}
	}
	if hours != "" {
		h, err := calendar.ParseHours(hours)
		if err != nil {
			return r, fmt.Errorf("hours: %w", err)
		}
		r.Hours = h
	}
	return r, nil
}

// Policy computes deadlines on the official calendar with each region's
// rules. It is immutable and safe for concurrent use.
type Policy struct {
	cal     *calendar.Calendar
	def     Rules
	regions map[string]Rules
}

// NewPolicy builds a policy; regions without their own rules use def.
func NewPolicy(cal *calendar.Calendar, def Rules, regions map[string]Rules) *Policy {
	return &Policy{cal: cal, def: def, regions: regions}
}

// Calendar is the calendar deadlines are computed on.
func (p *Policy) Calendar() *calendar.Calendar { return p.cal }

// Rules returns a region's rules.
func (p *Policy) Rules(region string) Rules {
	if r, ok := p.regions[region]; ok {
		return r
	}
	return p.def
}

// Deadline is when d of working time after start ends in the region.
func (p *Policy) Deadline(region string, start time.Time, d Duration) time.Time {
	if d.Days > 0 {
		return p.cal.DeadlineWorkingDays(start, d.Days)
	}
	return p.cal.AddWorkingTime(start, d.Hours, p.Rules(region).Hours)
}

// Extend moves a deadline by the working time a clock spent paused
// between from and to: by working hours for hour clocks, by whole working
// days (rounded up) for day clocks.
func (p *Policy) Extend(region string, due time.Time, d Duration, from, to time.Time) time.Time {
	h := p.Rules(region).Hours
	paused := p.cal.WorkingTimeBetween(from, to, h)
	if paused <= 0 {
		return due
	}
	if d.Days > 0 {
		days := int(math.Ceil(float64(paused) / float64(h.PerDay())))
		return p.cal.DeadlineWorkingDays(due, days)
	}
	return p.cal.AddWorkingTime(due, paused, h)
}

// WarnAt is the moment a clock running from start to due should warn.
func (p *Policy) WarnAt(region string, start, due time.Time) time.Time {
	r := p.Rules(region)
	total := p.cal.WorkingTimeBetween(start, due, r.Hours)
	if total <= 0 {
		return due
	}
	return p.cal.AddWorkingTime(start, time.Duration(float64(total)*r.WarnAt), r.Hours)
}

// Elapsed is the working time between two moments in the region.
func (p *Policy) Elapsed(region string, from, to time.Time) time.Duration {
	return p.cal.WorkingTimeBetween(from, to, p.Rules(region).Hours)
}

// RegionSettings is what a region's catalogue entry says about clocks.
type RegionSettings struct {
	Name   string
	Clocks map[string]string
	Hours  string
}

// PolicyFor builds the policy for a set of regions' settings on top of the
// defaults, reporting the first region whose settings do not parse.
func PolicyFor(cal *calendar.Calendar, regions []RegionSettings) (*Policy, error) {
	def := DefaultRules()
	out := map[string]Rules{}
	for _, r := range regions {
		if len(r.Clocks) == 0 && r.Hours == "" {
			continue
		}
		rules, err := def.Override(r.Clocks, r.Hours)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		out[r.Name] = rules
	}
	return NewPolicy(cal, def, out), nil
}
