package console

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/gaps"
	"frontdoor/bot/report"
	"frontdoor/bot/staff"
)

// maxGapsRead bounds the questions one gaps report reads.
const maxGapsRead = 20000

// gapsReport is the questions the bot did not answer well in a region
// over a period, grouped by similar wording.
type gapsReport struct {
	Region    string       `json:"region"`
	From      time.Time    `json:"from"`
	To        time.Time    `json:"to"`
	Questions int          `json:"questions"`
	Truncated bool         `json:"truncated,omitempty"`
	Groups    []gaps.Group `json:"groups"`
}

// buildGaps checks the user may read the region's reports and groups its
// gaps: the one path behind the API, its CSV and the console page.
func (c *console) buildGaps(ctx context.Context, u *staff.User, req reportRequest) (*gapsReport, error) {
	region, from, to, err := c.reportScope(u, req, func(u *staff.User, region string) bool {
		return u.CanReport(region) || u.CanEdit(region)
	})
	if err != nil {
		return nil, err
	}
	list, err := c.engine.Gaps().List(ctx, u.Tenant, region, from, to, maxGapsRead)
	if err != nil {
		return nil, err
	}
	groups := gaps.Cluster(list)
	if groups == nil {
		groups = []gaps.Group{}
	}
	return &gapsReport{Region: region, From: from, To: to, Questions: len(list), Truncated: len(list) == maxGapsRead,
		Groups: groups}, nil
}

// apiGaps answers the gaps report as JSON or (format=csv) CSV.
// GET /api/v1/reports/gaps?region=R&from=DATE&to=DATE[&format=csv].
func (c *console) apiGaps(g *gin.Context) error {
	format, err := readFormat(g)
	if err != nil {
		return err
	}
	r, err := c.buildGaps(g.Request.Context(), principalOf(g).user, readReportRequest(g))
	if err != nil {
		return err
	}
	if format == "json" {
		g.JSON(http.StatusOK, r)
		return nil
	}
	loc := c.location()
	return c.sendCSV(g, "gaps", r.Region, r.From, r.To, func(out io.Writer) error {
		w := csv.NewWriter(out)
		_ = w.Write([]string{"count", "example", "reasons", "items", "last", "examples"})
		for _, gr := range r.Groups {
			row := []string{strconv.Itoa(gr.Count), gr.Example, reasonList(gr.Reasons), strings.Join(gr.Items, " "),
				gr.Last.In(loc).Format("2006-01-02 15:04"), strings.Join(gr.Examples, " | ")}
			for i := range row {
				row[i] = report.SafeCell(row[i])
			}
			_ = w.Write(row)
		}
		w.Flush()
		return w.Error()
	})
}

// reasonNames say why a question is a gap, for managers.
var reasonNames = map[string]string{gaps.OutOfScope: "答非所辖", gaps.NotFound: "未找到依据", gaps.Asked: "需要追问",
	gaps.Handoff: "随后转人工", gaps.BadRating: "办理后差评"}

// reasonList is reasons as "name:count", most first.
func reasonList(rs map[string]int) string {
	keys := make([]string, 0, len(rs))
	for k := range rs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rs[keys[i]] != rs[keys[j]] {
			return rs[keys[i]] > rs[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.Itoa(rs[k])
	}
	return strings.Join(parts, ";")
}

// gapsData is the gaps page's content.
type gapsData struct {
	Report  *gapsReport
	Period  periodForm
	Reasons map[string]string
	// Items are the region's items an editor may add a question to, as
	// "doc#item" with their titles.
	Items []itemChoice
	// Synonyms are the region's own synonym groups, shown to its editors.
	Synonyms [][]string
	// Editor says whether the reader may edit the region's knowledge.
	Editor bool
}

// itemChoice is an item offered in the gaps page's picker.
type itemChoice struct{ Value, Label string }

// gapsPage shows a region's gaps to its managers, editors and admins.
// GET /console/gaps?region=&from=&to=.
func (c *console) gapsPage(g *gin.Context) error {
	flash := ""
	switch g.Query("added") {
	case "":
	case "synonyms":
		flash = "已加入本区域的同义词组,各服务器数秒内生效"
	default:
		flash = "已加入条目的问题,各服务器数秒内生效"
	}
	return c.showGaps(g, readReportRequest(g), http.StatusOK, flash, nil)
}

// showGaps renders the gaps page, with a notice or the reason an edit
// failed.
func (c *console) showGaps(g *gin.Context, req reportRequest, status int, flash string, cause error) error {
	p := principalOf(g)
	r, err := c.buildGaps(g.Request.Context(), p.user, req)
	if err != nil {
		return err
	}
	d := gapsData{Report: r, Reasons: reasonNames,
		Period: c.periodForm(p.user, "/console/gaps", "/api/v1/reports/gaps", "gaps-csv", r.Region, r.From, r.To)}
	if p.user.CanEdit(r.Region) {
		d.Editor, d.Synonyms = true, c.engine.KB().RegionSynonyms(r.Region)
		for _, it := range c.engine.KB().RegionItems(r.Region) {
			d.Items = append(d.Items, itemChoice{Value: it.ID, Label: it.Number + " " + it.Title})
		}
	}
	pd := c.pageData(g, "未答好的问题", d)
	pd.Nav, pd.Flash = "gaps", flash
	if cause != nil {
		pd.Error = messageOf(cause)
	}
	c.render(g, status, "gaps", pd)
	return nil
}
