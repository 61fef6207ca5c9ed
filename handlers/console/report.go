package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/report"
	"frontdoor/bot/staff"
)

// reportRequest is what a report is asked for with.
type reportRequest struct {
	Region, From, To string
}

func readReportRequest(g *gin.Context) reportRequest {
	return reportRequest{Region: g.Query("region"), From: g.Query("from"), To: g.Query("to")}
}

// buildReport checks that the user may read the region's figures and
// computes them: the one path behind the API, the dashboard and the CSV.
func (c *console) buildReport(ctx context.Context, u *staff.User, req reportRequest) (*report.Report, error) {
	region, from, to, err := c.reportScope(u, req, (*staff.User).CanReport)
	if err != nil {
		return nil, err
	}
	return report.Build(ctx, c.tickets, report.Options{Tenant: u.Tenant, Region: region, From: from, To: to,
		Target: c.deps.ResolutionTarget})
}

// reportScope is the region and period a report is asked for, once the
// user is known to be allowed (may) to read them.
func (c *console) reportScope(u *staff.User, req reportRequest, may func(*staff.User, string) bool) (region string, from, to time.Time, err error) {
	if u.Role == staff.RoleStaff {
		return "", from, to, staff.ErrNoReports
	}
	region = req.Region
	if region == "" {
		region = u.Region
	}
	if region == "" {
		if rs := c.engine.KB().Regions(); len(rs) > 0 {
			region = rs[0]
		}
	}
	if r, ok := c.engine.KB().ResolveRegion(region); ok {
		region = r
	} else {
		return "", from, to, fault.Invalidf("unknown_region", "未知区域 %q", region)
	}
	if !may(u, region) {
		return "", from, to, fault.New(fault.Forbidden, "other_region", "只能查看本区域的报表")
	}
	from, to, err = report.ParsePeriod(req.From, req.To, c.tickets.Now(), c.location())
	return region, from, to, err
}

// apiItems answers how a region's items were used, the most cited first.
// GET /api/v1/reports/items?region=R.
func (c *console) apiItems(g *gin.Context) error {
	u := principalOf(g).user
	region, _, _, err := c.reportScope(u, readReportRequest(g), (*staff.User).CanReport)
	if err != nil {
		return err
	}
	uses, err := c.engine.ItemUses(g.Request.Context(), u, region)
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, gin.H{"region": region, "items": uses})
	return nil
}

// apiReport answers the per-unit figures, as JSON or (format=csv) CSV.
// GET /api/v1/reports/units?region=R&from=DATE&to=DATE[&format=csv].
func (c *console) apiReport(g *gin.Context) error {
	format, err := readFormat(g)
	if err != nil {
		return err
	}
	r, err := c.buildReport(g.Request.Context(), principalOf(g).user, readReportRequest(g))
	if err != nil {
		return err
	}
	if format == "json" {
		g.JSON(http.StatusOK, r)
		return nil
	}
	return c.sendCSV(g, "report", r.Region, r.From, r.To, func(w io.Writer) error { return report.WriteCSV(w, r) })
}

// readFormat is a report's format=json|csv.
func readFormat(g *gin.Context) (string, error) {
	format := g.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		return "", fault.Invalidf("bad_format", "format 应为 json 或 csv")
	}
	return format, nil
}

// sendCSV answers a report as a CSV download named after it, its region
// and its period.
func (c *console) sendCSV(g *gin.Context, kind, region string, from, to time.Time, write func(io.Writer) error) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // spreadsheet programs read UTF-8 Chinese only with the mark
	if err := write(&buf); err != nil {
		return err
	}
	loc := c.location()
	name := fmt.Sprintf("%s-%s-%s-%s.csv", kind, region, from.In(loc).Format("20060102"), to.In(loc).Format("20060102"))
	g.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	g.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// dashboardData is the dashboard page's content.
type dashboardData struct {
	Report *report.Report
	Period periodForm
	Charts []chart
	// Live is where the page fetches its figures again.
	Live string
	// Items are the region's most used items.
	Items []bot.ItemUse
}

// periodForm is a report page's picker of region and period, and the
// link to the same report as CSV.
type periodForm struct {
	Action, CSVID string
	Region        string
	Regions       []string // the regions the user may pick
	From, To      string   // the inclusive dates shown in the pickers
	CSV           string
	query         url.Values // region, from and to, for the page's other links
}

// periodForm is the picker of a page at action showing region over
// [from, to), whose CSV is at csvPath.
func (c *console) periodForm(u *staff.User, action, csvPath, csvID, region string, from, to time.Time) periodForm {
	regions := []string{region}
	if u.Role == staff.RoleAdmin {
		regions = c.engine.KB().Regions()
	}
	loc := c.location()
	q := url.Values{"region": {region}, "from": {from.In(loc).Format("2006-01-02")}, "to": {to.In(loc).Format("2006-01-02")}}
	csvQ := url.Values{"format": {"csv"}}
	maps.Copy(csvQ, q)
	return periodForm{Action: action, CSVID: csvID, Region: region, Regions: regions, From: q.Get("from"), To: q.Get("to"),
		CSV: csvPath + "?" + csvQ.Encode(), query: q}
}

// maxItemsShown bounds the dashboard's table of item use.
const maxItemsShown = 20

// dashboardPage shows a region's figures to its managers and admins.
// GET /console/dashboard?region=&from=&to=.
func (c *console) dashboardPage(g *gin.Context) error {
	d, err := c.dashboard(g)
	if err != nil {
		return err
	}
	c.render(g, http.StatusOK, "dashboard", c.pageData(g, "管理看板", d))
	return nil
}

// dashboardLive is the dashboard's figures alone, which the page fetches
// again every minute and after ticket changes.
// GET /console/dashboard/live?region=&from=&to=.
func (c *console) dashboardLive(g *gin.Context) error {
	d, err := c.dashboard(g)
	if err != nil {
		return err
	}
	return c.fragment(g, "dashboard", "figures", d)
}

// dashboard computes what the dashboard shows.
func (c *console) dashboard(g *gin.Context) (dashboardData, error) {
	p := principalOf(g)
	r, err := c.buildReport(g.Request.Context(), p.user, readReportRequest(g))
	if err != nil {
		return dashboardData{}, err
	}
	period := c.periodForm(p.user, "/console/dashboard", "/api/v1/reports/units", "csv-link", r.Region, r.From, r.To)
	d := dashboardData{Report: r, Period: period, Charts: trendCharts(r, c.location()),
		Live: "/console/dashboard/live?" + period.query.Encode()}
	uses, err := c.engine.ItemUses(g.Request.Context(), p.user, r.Region)
	if err != nil {
		return dashboardData{}, err
	}
	d.Items = uses[:min(len(uses), maxItemsShown)]
	return d, nil
}

// chart is a small server-rendered SVG chart: bars and an optional line.
type chart struct {
	Title  string
	Legend []legend
	Width  int
	Height int
	Bars   []bar
	Line   string // SVG polyline points
	Dots   []dot
	Labels []axisLabel
	Grid   []gridLine
	Empty  bool
}

type legend struct{ Class, Text string }

type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

type dot struct {
	X, Y  int
	Title string
}

type axisLabel struct {
	X, Y int
	Text string
}

type gridLine struct {
	Y    int
	Text string
}

// Chart geometry, in SVG user units (the SVG scales to its box).
const (
	chartW, chartH          = 640, 220
	chartLeft, chartRight   = 40, 10
	chartTop, chartBottom   = 16, 34
	chartPlotW, chartPlotH  = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartBarGap, chartSlots = 6, 2
)

// trendCharts draws the weekly trends: tickets and resolved per week, and
// the on-time rate.
func trendCharts(r *report.Report, loc *time.Location) []chart {
	return []chart{volumeChart(r, loc), onTimeChart(r, loc)}
}

func volumeChart(r *report.Report, loc *time.Location) chart {
	ch := newChart("每周工单量", []legend{{"bar-tickets", "受理"}, {"bar-resolved", "办结"}})
	n := len(r.Weeks)
	if n == 0 {
		ch.Empty = true
		return ch
	}
	top := 1
	for _, w := range r.Weeks {
		top = max(top, w.Tickets, w.Resolved)
	}
	top = niceCeil(top)
	slot := chartPlotW / n
	bw := max((slot-chartBarGap)/chartSlots, 1)
	for i, w := range r.Weeks {
		x := chartLeft + i*slot + chartBarGap/2
		label := w.Start.In(loc).Format("01-02")
		for j, v := range []int{w.Tickets, w.Resolved} {
			h := v * chartPlotH / top
			ch.Bars = append(ch.Bars, bar{X: x + j*bw, Y: chartTop + chartPlotH - h, W: bw - 1, H: h,
				Class: ch.Legend[j].Class, Title: fmt.Sprintf("%s 周 %s %d 件", label, ch.Legend[j].Text, v)})
		}
		ch.Labels = append(ch.Labels, axisLabel{X: x + slot/2 - chartBarGap/2, Y: chartH - 12, Text: label})
	}
	for _, v := range []int{0, top / 2, top} {
		ch.Grid = append(ch.Grid, gridLine{Y: chartTop + chartPlotH - v*chartPlotH/top, Text: fmt.Sprint(v)})
	}
	return ch
}

func onTimeChart(r *report.Report, loc *time.Location) chart {
	ch := newChart("每周按时办结率", []legend{{"line-ontime", "按时率"}})
	n := len(r.Weeks)
	if n == 0 {
		ch.Empty = true
		return ch
	}
	slot := chartPlotW / n
	var pts bytes.Buffer
	for i, w := range r.Weeks {
		x := chartLeft + i*slot + slot/2
		label := w.Start.In(loc).Format("01-02")
		ch.Labels = append(ch.Labels, axisLabel{X: x, Y: chartH - 12, Text: label})
		if w.OnTimeRate == nil {
			continue
		}
		y := chartTop + chartPlotH - int(*w.OnTimeRate*float64(chartPlotH))
		fmt.Fprintf(&pts, "%d,%d ", x, y)
		ch.Dots = append(ch.Dots, dot{X: x, Y: y, Title: fmt.Sprintf("%s 周 %s", label, report.Percent(w.OnTimeRate))})
	}
	ch.Line = pts.String()
	for _, v := range []int{0, 50, 100} {
		ch.Grid = append(ch.Grid, gridLine{Y: chartTop + chartPlotH - v*chartPlotH/100, Text: fmt.Sprintf("%d%%", v)})
	}
	return ch
}

func newChart(title string, l []legend) chart {
	return chart{Title: title, Legend: l, Width: chartW, Height: chartH}
}

// niceCeil rounds a chart's top up to a number the grid reads well.
func niceCeil(n int) int {
	for _, step := range []int{2, 4, 10, 20, 50, 100, 200, 500, 1000} {
		if n <= step {
			return step
		}
	}
	return (n + 999) / 1000 * 1000
}
