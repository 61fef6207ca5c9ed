package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"frontdoor/bot/calendar"
)

func mustParse(tb testing.TB, doc string) *calendar.Data {
	tb.Helper()
	d, err := calendar.Parse([]byte(doc))
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return d
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int    // line of the first reported problem
		msg  string // part of the message
	}{
		{
			name: "bad date",
			doc: `years:
  2026:
    holidays:
      - {name: 春节, from: 2026-02-15, to: 2026-02-30}
`,
			line: 4, msg: `bad date "2026-02-30"`,
		},
		{
			name: "date in another notation",
			doc: `years:
  2026:
    holidays:
      - {name: 元旦, date: 2026/01/01}
`,
			line: 4, msg: "YYYY-MM-DD",
		},
		{
			name: "from after to",
			doc: `years:
  2026:
    holidays:
      - {name: 元旦, from: 2026-01-01, to: 2026-01-03}
      - name: 春节
        from: 2026-02-23
        to: 2026-02-15
`,
			line: 7, msg: "from 2026-02-23 is after to 2026-02-15",
		},
		{
			name: "date both holiday and workday",
			doc: `years:
  2026:
    holidays:
      - {name: 元旦, from: 2026-01-01, to: 2026-01-04}
    workdays:
      - 2026-01-04
`,
			line: 6, msg: `2026-01-04 is listed as a workday here and as holiday "元旦" on line 4`,
		},
		{
			name: "workday listed before the clashing holiday",
			doc: `years:
  2026:
    workdays: [2026-01-04]
    holidays:
      - {name: 元旦, from: 2026-01-01, to: 2026-01-04}
`,
			line: 5, msg: "and as a workday on line 3",
		},
		{
			name: "overlapping holidays",
			doc: `years:
  2026:
    holidays:
      - {name: 中秋节, from: 2026-09-25, to: 2026-10-01}
      - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}
`,
			line: 5, msg: `2026-10-01 is listed as holiday "国庆节" here and as holiday "中秋节" on line 4`,
		},
		{
			name: "workday listed twice",
			doc: `years:
  2026:
    holidays: [{name: 元旦, date: 2026-01-01}]
    workdays:
      - 2026-01-04
      - 2026-01-04
`,
			line: 6, msg: "as a workday on line 5",
		},
		{
			name: "workday that is not a weekend",
			doc: `years:
  2026:
    holidays: [{name: 元旦, date: 2026-01-01}]
    workdays:
      - 2026-01-05
`,
			line: 5, msg: "workday 2026-01-05 is a Monday",
		},
		{
			name: "holiday outside its year",
			doc: `years:
  2026:
    holidays:
      - {name: 元旦, from: 2025-12-31, to: 2026-01-01}
`,
			line: 4, msg: "2025-12-31 is outside year 2026",
		},
		{
			name: "workday outside its year",
			doc: `years:
  2026:
    holidays: [{name: 元旦, date: 2026-01-01}]
    workdays: [2025-12-27]
`,
			line: 4, msg: "workday 2025-12-27 is outside year 2026",
		},
		{
			name: "misspelt key",
			doc: `years:
  2026:
    holiday:
      - {name: 元旦, date: 2026-01-01}
`,
			line: 3, msg: `unknown key "holiday"`,
		},
		{
			name: "unknown top-level key",
			doc:  "timezone: Asia/Shanghai\noverride:\n  2026-12-31: off\n",
			line: 2, msg: `unknown key "override"`,
		},
		{
			name: "year without holidays",
			doc:  "years:\n  2027:\n    source: draft\n",
			line: 3, msg: "year 2027 lists no holidays",
		},
		{
			name: "year key is not a year",
			doc:  "years:\n  twenty26:\n    holidays: [{name: 元旦, date: 2026-01-01}]\n",
			line: 2, msg: `"twenty26" is not a year`,
		},
		{
			name: "year given twice",
			doc: `years:
  2026:
    holidays: [{name: 元旦, date: 2026-01-01}]
  2026:
    holidays: [{name: 元旦, date: 2026-01-02}]
`,
			line: 4, msg: "repeats the one on line 2",
		},
		{
			name: "holiday without name",
			doc:  "years:\n  2026:\n    holidays:\n      - {date: 2026-01-01}\n",
			line: 4, msg: "needs a name",
		},
		{
			name: "holiday with date and range",
			doc:  "years:\n  2026:\n    holidays:\n      - {name: 元旦, date: 2026-01-01, to: 2026-01-03}\n",
			line: 4, msg: "either date or from and to",
		},
		{
			name: "holiday with only from",
			doc:  "years:\n  2026:\n    holidays:\n      - {name: 元旦, from: 2026-01-01}\n",
			line: 4, msg: "needs date, or from and to",
		},
		{
			name: "holiday as a bare date",
			doc:  "years:\n  2026:\n    holidays:\n      - 2026-01-01\n",
			line: 4, msg: "must be a mapping",
		},
		{
			name: "holidays not a list",
			doc:  "years:\n  2026:\n    holidays: 2026-01-01\n",
			line: 3, msg: "holidays must be a list",
		},
		{
			name: "bad override value",
			doc:  "overrides:\n  \"2026-12-31\": maybe\n",
			line: 2, msg: "must be on (working day) or off (day off)",
		},
		{
			name: "bad override date",
			doc:  "overrides:\n  \"2026-13-01\": off\n",
			line: 2, msg: `bad date "2026-13-01"`,
		},
		{
			name: "override given twice",
			doc:  "overrides:\n  \"2026-12-31\": off\n  2026-12-31: on\n",
			line: 3, msg: `key "2026-12-31" repeats the one on line 2`,
		},
		{
			name: "unknown timezone",
			doc:  "timezone: Mars/Olympus\n",
			line: 1, msg: `unknown timezone "Mars/Olympus"`,
		},
		{
			name: "host-dependent timezone",
			doc:  "timezone: Local\n",
			line: 1, msg: "IANA zone name",
		},
		{
			name: "alias",
			doc: `years:
  2025:
    holidays: &h
      - {name: 元旦, date: 2025-01-01}
  2026:
    holidays: *h
`,
			line: 6, msg: "aliases are not supported",
		},
		{
			name: "not a mapping",
			doc:  "- 2026-01-01\n",
			line: 1, msg: "calendar must be a mapping",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := calendar.Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded (%v), want error on line %d", d.Years(), tt.line)
			}
			var pe *calendar.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q is not a *ParseError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (error: %v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q has no line number", err)
			}
		})
	}
}

func TestParseErrorsWithoutPosition(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		msg  string
	}{
		{"empty document", "", "empty"},
		{"only comments", "# nothing yet\n", "empty"},
		{"YAML syntax error", "years:\n  2026: [\n", "line "},
		{"tab indentation", "years:\n\t2026: {}\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calendar.Parse([]byte(tt.doc))
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "calendar: ") {
				t.Errorf("error %q: want prefix %q and mention of %q", err, "calendar: ", tt.msg)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	doc := `years:
  2026:
    holidays:
      - {name: 元旦, date: 2026-01-32}
    workdays:
      - 2026-01-05
overrides:
  "2026-12-31": maybe
`
	_, err := calendar.Parse([]byte(doc))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	for _, want := range []string{"line 4,", "line 6,", "line 8,"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"empty mapping", "{}\n"},
		{"only overrides", "overrides:\n  \"2026-12-31\": off\n  2026-12-26: ON\n"},
		{"empty workdays and overrides", "years:\n  2026:\n    holidays: [{name: 元旦, date: 2026-01-01}]\n    workdays:\noverrides:\n"},
		{"single-day range", "years:\n  2026:\n    holidays: [{name: 元旦, from: 2026-01-01, to: 2026-01-01}]\n"},
		{"other zone", "timezone: UTC\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := calendar.Parse([]byte(tt.doc)); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestTimezoneFromData(t *testing.T) {
	c := calendar.New(mustParse(t, "timezone: UTC\n"))
	// 2026-03-06 20:00 UTC is Saturday in Beijing but still Friday in UTC.
	if !c.IsWorkday(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)) {
		t.Error("Friday evening UTC not a workday in a UTC calendar")
	}
	if got := c.DeadlineWorkingDays(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC), 0); got.Location() != time.UTC {
		t.Errorf("result in %v, want UTC", got.Location())
	}
}

func TestMergeAndOverrides(t *testing.T) {
	seed := loadSeed(t)
	catalogue := `# region settings ...
regions: {}
calendar:
  years:
    2027:
      source: 国务院办公厅关于2027年部分节假日安排的通知
      holidays:
        - {name: 元旦, date: 2027-01-01}
  overrides:
    "2026-12-31": off
    "2026-12-26": on
    "2026-10-08": off
`
	var cat struct {
		Calendar *calendar.Data `yaml:"calendar"`
	}
	if err := yaml.Unmarshal([]byte(catalogue), &cat); err != nil {
		t.Fatalf("decode catalogue: %v", err)
	}
	replace2026 := mustParse(t, "years:\n  2026:\n    holidays: [{name: 测试, date: 2026-03-09}]\n")

	tests := []struct {
		name    string
		data    *calendar.Data
		day     string
		work    bool
		missing []int
	}{
		{"seed alone: ordinary Thursday", seed, "2026-12-31", true, nil},
		{"override turns a weekday off", calendar.Merge(seed, cat.Calendar), "2026-12-31", false, nil},
		{"override turns a Saturday on", calendar.Merge(seed, cat.Calendar), "2026-12-26", true, nil},
		{"override beats the schedule", calendar.Merge(seed, cat.Calendar), "2026-10-08", false, nil},
		{"override beats a later schedule", calendar.Merge(cat.Calendar, seed), "2026-10-08", false, nil},
		{"untouched holiday stays", calendar.Merge(seed, cat.Calendar), "2026-10-07", false, nil},
		{"added year is used", calendar.Merge(seed, cat.Calendar), "2027-01-01", false, nil},
		{"added year is no longer missing", calendar.Merge(seed, cat.Calendar), "2027-01-04", true, nil},
		{"seed alone misses 2027", seed, "2027-01-01", true, []int{2027}},
		{"later year replaces whole: new holiday", calendar.Merge(seed, replace2026), "2026-03-09", false, nil},
		{"later year replaces whole: old holiday gone", calendar.Merge(seed, replace2026), "2026-10-01", true, nil},
		{"earlier year loses to seed", calendar.Merge(replace2026, seed), "2026-10-01", false, nil},
		{"nil inputs are skipped", calendar.Merge(nil, seed, nil), "2026-10-01", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m missingYears
			c := calendar.New(tt.data, calendar.OnMissingYear(m.record))
			if got := c.IsWorkday(at(t, tt.day+" 10:00")); got != tt.work {
				t.Errorf("IsWorkday(%s) = %v, want %v", tt.day, got, tt.work)
			}
			if got := m.got(); len(got) != len(tt.missing) || (len(got) > 0 && got[0] != tt.missing[0]) {
				t.Errorf("missing years = %v, want %v", got, tt.missing)
			}
		})
	}

	t.Run("inputs are not modified", func(t *testing.T) {
		calendar.Merge(seed, cat.Calendar, replace2026)
		if got := seed.Years(); len(got) != 3 {
			t.Errorf("seed years after merge = %v", got)
		}
		c := calendar.New(seed)
		if !c.IsWorkday(at(t, "2026-12-31 10:00")) || c.IsWorkday(at(t, "2026-10-01 10:00")) {
			t.Error("seed changed by Merge")
		}
	})

	t.Run("catalogue errors carry document lines", func(t *testing.T) {
		bad := strings.Replace(catalogue, `"2026-12-26": on`, `"2026-12-26": yes`, 1)
		err := yaml.Unmarshal([]byte(bad), &cat)
		var pe *calendar.ParseError
		if !errors.As(err, &pe) || pe.Line != 11 {
			t.Errorf("error = %v, want a ParseError on line 11", err)
		}
	})
}

func TestDeadlineWithOverrides(t *testing.T) {
	d := calendar.Merge(loadSeed(t), mustParse(t, "overrides:\n  2026-12-31: off\n  2026-12-26: on\n"))
	c := calendar.New(d)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"lands on the worked Saturday", "2026-12-25 10:00", 1, "2026-12-26"},
		{"skips the extra day off", "2026-12-30 10:00", 1, "2027-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.DeadlineWorkingDays(at(t, tt.from), tt.n); !got.Equal(endOf(t, tt.want)) {
				t.Errorf("deadline = %s, want end of %s", got, tt.want)
			}
		})
	}
}
