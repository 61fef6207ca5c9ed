package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// MarshalJSON writes durations as whole seconds (exact, for programs) and
// hours (for people); both are null when nothing was measured.
func (s Stat) MarshalJSON() ([]byte, error) {
	type out struct {
		Count         int      `json:"count"`
		MedianSeconds *int64   `json:"median_seconds"`
		P90Seconds    *int64   `json:"p90_seconds"`
		MedianHours   *float64 `json:"median_hours"`
		P90Hours      *float64 `json:"p90_hours"`
	}
	o := out{Count: s.Count}
	if s.Count > 0 {
		ms, ps := int64(s.Median/time.Second), int64(s.P90/time.Second)
		mh, ph := round2(s.Median.Hours()), round2(s.P90.Hours())
		o.MedianSeconds, o.P90Seconds, o.MedianHours, o.P90Hours = &ms, &ps, &mh, &ph
	}
	return json.Marshal(o)
}

// MarshalJSON adds the working time since the due, in seconds.
func (o Overdue) MarshalJSON() ([]byte, error) {
	type plain Overdue
	return json.Marshal(struct {
		plain
		LateSeconds int64 `json:"late_seconds"`
	}{plain(o), int64(o.Late / time.Second)})
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// CSVHeader names the columns of WriteCSV.
var CSVHeader = []string{"unit", "tickets", "resolved", "resolution_rate", "below_target",
	"first_response_count", "first_response_median_hours", "first_response_p90_hours",
	"resolution_count", "resolution_median_hours", "resolution_p90_hours",
	"on_time", "decided", "on_time_rate", "overdue_now",
	"escalations_level1", "escalations_level2", "escalations_level3",
	"rating_good", "rating_neutral", "rating_bad", "bad_rated", "followed_up", "followup_rate",
	"returned", "extensions_asked", "extensions_approved", "cooperations", "cooperations_on_time", "cooperations_late"}

// WriteCSV writes one line per unit and the region's total last, with
// rates as fractions (four decimals) and times in working hours.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, row := range append(append([]Row(nil), r.Units...), r.Total) {
		if err := cw.Write(safeRow(csvRow(row))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeRow neutralises every cell a spreadsheet would read as a formula.
func safeRow(cells []string) []string {
	for i, c := range cells {
		cells[i] = SafeCell(c)
	}
	return cells
}

// SafeCell keeps a spreadsheet from running a cell: one that begins with
// "=", "+", "-", "@", a tab or a carriage return (a unit named
// =HYPERLINK(…) in a report a manager opens in Excel) gets a leading "'",
// which spreadsheets show as text. No figure of the report is negative, so
// no number is touched.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvRow(r Row) []string {
	itoa := strconv.Itoa
	return []string{r.Unit, itoa(r.Tickets), itoa(r.Resolved), fraction(r.ResolutionRate), strconv.FormatBool(r.BelowTarget),
		itoa(r.FirstResponse.Count), statHours(r.FirstResponse, r.FirstResponse.Median), statHours(r.FirstResponse, r.FirstResponse.P90),
		itoa(r.Resolution.Count), statHours(r.Resolution, r.Resolution.Median), statHours(r.Resolution, r.Resolution.P90),
		itoa(r.OnTime), itoa(r.Decided), fraction(r.OnTimeRate), itoa(r.OverdueNow),
		itoa(r.Escalations.Level1), itoa(r.Escalations.Level2), itoa(r.Escalations.Level3),
		itoa(r.Ratings.Good), itoa(r.Ratings.Neutral), itoa(r.Ratings.Bad),
		itoa(r.BadRated), itoa(r.FollowedUp), fraction(r.FollowupRate),
		itoa(r.Returned), itoa(r.ExtensionsAsked), itoa(r.ExtensionsApproved),
		itoa(r.Cooperations), itoa(r.CooperationsOnTime), itoa(r.CooperationsLate)}
}

func fraction(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', 4, 64)
}

func statHours(s Stat, d time.Duration) string {
	if s.Count == 0 {
		return ""
	}
	return Hours(d)
}

// WriteTable prints the report for a terminal: the per-unit table, the
// overdue list and the weekly trend.
func WriteTable(w io.Writer, r *Report) error {
	loc := r.From.Location()
	fmt.Fprintf(w, "%s  %s 至 %s(不含)  生成于 %s\n", r.Region, r.From.In(loc).Format("2006-01-02"),
		r.To.In(loc).Format("2006-01-02"), r.Generated.In(loc).Format("2006-01-02 15:04"))
	if r.Truncated {
		fmt.Fprintln(w, "注意:时段内工单过多,只统计了最新的部分")
	}
	head := []string{"单位", "工单", "办结", "办结率", "首响中位(h)", "首响P90(h)", "办结中位(h)", "办结P90(h)",
		"按时率", "超期", "督办1/2/3", "好/中/差评", "差评回访", "退单", "延期(批/申)", "协办(按时/逾期/总)"}
	rows := [][]string{head}
	for _, row := range append(append([]Row(nil), r.Units...), r.Total) {
		rows = append(rows, tableRow(row))
	}
	writeAligned(w, rows)
	fmt.Fprintf(w, "\n超期工单(%d)\n", len(r.Overdue))
	if len(r.Overdue) > 0 {
		rows = [][]string{{"编号", "单位", "时限", "超期(工作小时)", "督办"}}
		for _, o := range r.Overdue {
			rows = append(rows, []string{o.ID, o.Unit, o.Due.In(loc).Format("2006-01-02 15:04"), Hours(o.Late), dash(o.LevelName)})
		}
		writeAligned(w, rows)
	}
	if len(r.Dispatch) > 0 {
		fmt.Fprintln(w, "\n改派")
		rows = [][]string{{"派单人", "改派"}}
		for _, d := range r.Dispatch {
			rows = append(rows, []string{d.Name, strconv.Itoa(d.Reassigned)})
		}
		writeAligned(w, rows)
	}
	fmt.Fprintln(w, "\n每周趋势")
	rows = [][]string{{"周起", "工单", "办结", "按时率", "超期", "差评"}}
	for _, wk := range r.Weeks {
		rows = append(rows, []string{wk.Start.In(loc).Format("2006-01-02"), strconv.Itoa(wk.Tickets),
			strconv.Itoa(wk.Resolved), Percent(wk.OnTimeRate), strconv.Itoa(wk.Overdue), strconv.Itoa(wk.Bad)})
	}
	writeAligned(w, rows)
	return nil
}

func tableRow(r Row) []string {
	rate := Percent(r.ResolutionRate)
	if r.BelowTarget {
		rate += "!"
	}
	return []string{r.Unit, strconv.Itoa(r.Tickets), strconv.Itoa(r.Resolved), rate,
		dash(statHours(r.FirstResponse, r.FirstResponse.Median)), dash(statHours(r.FirstResponse, r.FirstResponse.P90)),
		dash(statHours(r.Resolution, r.Resolution.Median)), dash(statHours(r.Resolution, r.Resolution.P90)),
		Percent(r.OnTimeRate), strconv.Itoa(r.OverdueNow),
		fmt.Sprintf("%d/%d/%d", r.Escalations.Level1, r.Escalations.Level2, r.Escalations.Level3),
		fmt.Sprintf("%d/%d/%d", r.Ratings.Good, r.Ratings.Neutral, r.Ratings.Bad),
		fmt.Sprintf("%d/%d", r.FollowedUp, r.BadRated), strconv.Itoa(r.Returned),
		fmt.Sprintf("%d/%d", r.ExtensionsApproved, r.ExtensionsAsked),
		fmt.Sprintf("%d/%d/%d", r.CooperationsOnTime, r.CooperationsLate, r.Cooperations)}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// writeAligned pads columns by display width: Chinese characters take
// two terminal columns.
func writeAligned(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
