package console

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot"
	"frontdoor/bot/fault"
	"frontdoor/bot/report"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
	"frontdoor/handlers/httpkit"
)

// pageData is what every console page renders with: the layout's fields
// and the page's own content in Body.
type pageData struct {
	Title   string
	User    *staff.User
	CSRF    string
	Nav     string
	Flash   string
	Error   string
	Body    any
	Reports bool
	// Editor may improve the knowledge base from the gaps page.
	Editor bool
}

func (c *console) pageData(g *gin.Context, title string, body any) pageData {
	pd := pageData{Title: title, Body: body}
	if p := principalOf(g); p != nil {
		pd.User, pd.CSRF = p.user, p.sess.CSRF
		pd.Reports = p.user.Role == staff.RoleManager || p.user.Role == staff.RoleAdmin
		pd.Editor = p.user.Role == staff.RoleEditor || p.user.Role == staff.RoleAdmin
	}
	return pd
}

// html adapts a page handler: its error becomes an error page.
func (c *console) html(h httpkit.Handler) gin.HandlerFunc {
	return func(g *gin.Context) {
		if err := h(g); err != nil {
			c.renderError(g, err)
		}
	}
}

// render executes a page into a buffer first, so that a template error
// never sends half a page.
func (c *console) render(g *gin.Context, status int, page string, pd pageData) {
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", pd); err != nil {
		c.kit.Log.ErrorContext(g.Request.Context(), "render page", "page", page, "err", err, "request_id", httpkit.RequestID(g))
		g.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	g.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// renderError shows an error as a page, with the status the API would give.
func (c *console) renderError(g *gin.Context, err error) {
	fe := c.kit.Fault(g, err)
	if fe.RetryAfter > 0 {
		g.Header("Retry-After", httpkit.RetrySeconds(fe.RetryAfter))
	}
	pd := c.pageData(g, "出错了", fe.Code)
	pd.Error = messageOf(fe)
	c.render(g, httpkit.Status(fe.Kind), "error", pd)
	g.Abort()
}

// queueData is the queue page's content.
type queueData struct {
	Filter  queueFilter
	Tickets []ticketView
	Units   []string
	Kinds   []option
	States  []option
	Now     time.Time
}

type option struct{ Value, Text string }

// queuePage lists the user's tickets, due first. GET /console/.
func (c *console) queuePage(g *gin.Context) error {
	d, err := c.queueData(g)
	if err != nil {
		return err
	}
	pd := c.pageData(g, "工单队列", d)
	pd.Nav = "queue"
	pd.Flash = doneText[g.Query("done")]
	c.render(g, http.StatusOK, "queue", pd)
	return nil
}

// queueFragment is the queue's rows alone, for the live update.
// GET /console/queue.
func (c *console) queueFragment(g *gin.Context) error {
	d, err := c.queueData(g)
	if err != nil {
		return err
	}
	return c.fragment(g, "queue", "rows", d)
}

func (c *console) queueData(g *gin.Context) (queueData, error) {
	p := principalOf(g)
	f, err := readFilter(g, "open")
	if err != nil {
		return queueData{}, err
	}
	ts, err := c.queue(g.Request.Context(), p.user, f)
	if err != nil {
		return queueData{}, err
	}
	now := c.tickets.Now()
	d := queueData{Filter: f, Now: now, Kinds: kindOptions(), States: statusOptions()}
	for _, t := range ts {
		d.Tickets = append(d.Tickets, listed(viewTicket(t, now)))
		d.Units = append(d.Units, t.Units...)
		if t.Desk != "" {
			d.Units = append(d.Units, t.Desk)
		}
	}
	if f.Unit != "" {
		d.Units = append(d.Units, f.Unit)
	}
	if p.user.Unit != "" {
		d.Units = append(d.Units, p.user.Unit)
	}
	slices.Sort(d.Units)
	d.Units = slices.Compact(d.Units)
	return d, nil
}

func kindOptions() []option {
	return []option{{"", "全部类型"}, {string(ticket.Complaint), ticket.Complaint.Chinese()},
		{string(ticket.Assist), ticket.Assist.Chinese()}, {string(ticket.Handoff), ticket.Handoff.Chinese()}}
}

func statusOptions() []option {
	out := []option{{"open", "办理中"}, {"closed", "已办结"}, {"all", "全部"}}
	for _, s := range statuses {
		out = append(out, option{string(s), s.Chinese()})
	}
	return out
}

// ticketData is the ticket page's content.
type ticketData struct {
	*ticketDetail
	Mine bool
	// MaxExtensionDays bounds the extension form.
	MaxExtensionDays int
	// Lead says the user may arrange and release 协办 (the owning unit's
	// staff, managers, admins); MyTask is the user's unit's open task.
	Lead   bool
	MyTask *ticket.Task
}

// ticketPage shows a ticket: thread, cited item, clocks and actions.
// GET /console/tickets/:id.
func (c *console) ticketPage(g *gin.Context) error {
	p := principalOf(g)
	d, err := c.detail(g.Request.Context(), p.user, g.Param("id"))
	if err != nil {
		return err
	}
	pd := c.pageData(g, "工单 "+d.Ticket.ID, pageOfTicket(d, p.user))
	pd.Flash = doneText[g.Query("done")]
	if g.Query("done") == "reply" {
		pd.Flash = "答复已记录:" + deliveryText[g.Query("delivery")]
	}
	c.render(g, http.StatusOK, "ticket", pd)
	return nil
}

var extensionStates = map[string]string{ticket.ExtensionPending: "待审批", ticket.ExtensionApproved: "已同意",
	ticket.ExtensionRefused: "未同意"}

var taskStates = map[string]string{ticket.TaskOpen: "协办中", ticket.TaskDone: "已完成", ticket.TaskReleased: "已撤销"}

var errWorkingDays = fault.Invalidf("extension_days", "延期天数须为整数")

var doneText = map[string]string{"claim": "已接单", "transfer": "已转办", "pause": "已暂停计时", "resume": "已恢复计时",
	"return": "已退单,等待派单单位改派", "extend": "延期申请已提交,等待管理人员审批", "extension": "延期申请已处理",
	"cooperate": "已安排协办,已通知协办单位", "cooperate_done": "协办结果已提交", "cooperate_release": "已撤销协办",
	"resolve": "已办结,已通知企业并邀请评价", "note": "备注已保存"}

// ticketForm runs an action from the ticket page's forms and returns to
// the page. POST /console/tickets/:id/:action.
func (c *console) ticketForm(g *gin.Context) error {
	name, id := g.Param("action"), g.Param("id")
	if !slices.Contains(bot.Actions, name) {
		return errBadAction
	}
	c.kit.LimitBody(g)
	req := bot.Action{Name: name, Text: g.PostForm("text"), Unit: g.PostForm("unit"), Reason: g.PostForm("reason"),
		Summary: g.PostForm("summary"), Note: g.PostForm("note")}
	if d := g.PostForm("working_days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return c.ticketPageWithError(g, id, errWorkingDays)
		}
		req.WorkingDays = n
	}
	if v := g.PostForm("approve"); v == "true" || v == "false" {
		approve := v == "true"
		req.Approve = &approve
	}
	res, err := c.act(g.Request.Context(), principalOf(g).user, id, req)
	if err != nil {
		return c.ticketPageWithError(g, id, err)
	}
	q := url.Values{"done": {name}}
	if res.Delivery != "" {
		q.Set("delivery", res.Delivery)
	}
	if res.Gone { // the ticket has left the user's unit: back to the queue
		g.Redirect(http.StatusSeeOther, "/console/?"+q.Encode())
		return nil
	}
	g.Redirect(http.StatusSeeOther, "/console/tickets/"+url.PathEscape(id)+"?"+q.Encode())
	return nil
}

// pageOfTicket is what the ticket page shows u.
func pageOfTicket(d *ticketDetail, u *staff.User) ticketData {
	td := ticketData{ticketDetail: d, Mine: d.Ticket.ClaimedBy == u.Name, MaxExtensionDays: ticket.MaxExtensionDays,
		Lead: u.Role != staff.RoleStaff || u.Unit == d.Ticket.Owner}
	for i, k := range d.Ticket.Tasks {
		if k.State == ticket.TaskOpen && u.Unit != "" && k.Unit == u.Unit {
			td.MyTask = &d.Ticket.Tasks[i]
		}
	}
	return td
}

// ticketLive is the parts of a ticket's page that change — status,
// handler, thread, clocks — for the page to update in place when the
// event stream says the ticket changed. It carries no phone number, so
// it is not a view of one. GET /console/tickets/:id/live.
func (c *console) ticketLive(g *gin.Context) error {
	u := principalOf(g).user
	t, err := c.engine.TicketFor(g.Request.Context(), u, g.Param("id"))
	if err != nil {
		return err
	}
	d, err := c.detailOf(g.Request.Context(), u, t)
	if err != nil {
		return err
	}
	d.Ticket = listed(d.Ticket) // the number masked: this is not a view of it
	return c.fragment(g, "ticket", "live", d)
}

// fragment renders one template of a page alone, for a live update.
func (c *console) fragment(g *gin.Context, page, name string, data any) error {
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	g.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// ticketPageWithError shows the ticket again with why the action failed;
// a ticket the user may not see is an error page of its own.
func (c *console) ticketPageWithError(g *gin.Context, id string, cause error) error {
	p := principalOf(g)
	d, err := c.detail(g.Request.Context(), p.user, id)
	if err != nil {
		return err
	}
	pd := c.pageData(g, "工单 "+d.Ticket.ID, pageOfTicket(d, p.user))
	pd.Error = messageOf(cause)
	c.render(g, httpkit.StatusOf(cause), "ticket", pd)
	return nil
}

// templateFuncs are the helpers the templates use; times are shown in the
// official calendar's zone.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return "—"
				}
				return v.In(loc).Format("01-02 15:04")
			case *time.Time:
				if v == nil || v.IsZero() {
					return "—"
				}
				return v.In(loc).Format("01-02 15:04")
			}
			return "—"
		},
		"date":    func(t time.Time) string { return t.In(loc).Format("2006-01-02") },
		"percent": report.Percent,
		"hours": func(s report.Stat, which string) string {
			if s.Count == 0 {
				return "—"
			}
			if which == "p90" {
				return report.Hours(s.P90)
			}
			return report.Hours(s.Median)
		},
		"lateHours": func(d time.Duration) string { return report.Hours(d) },
		"short": func(s string, n int) string {
			r := []rune(strings.TrimSpace(s))
			if len(r) <= n {
				return string(r)
			}
			return string(r[:n]) + "…"
		},
		"join":  func(s []string) string { return strings.Join(s, "、") },
		"itoa":  strconv.Itoa,
		"level": ticket.LevelName,
		"actorName": func(a string) string {
			switch {
			case strings.HasPrefix(a, "business:"):
				return "企业"
			case a == "bot":
				return "系统"
			case a == "clock":
				return "计时器"
			case strings.HasPrefix(a, "channel:"):
				return "渠道"
			}
			return a
		},
		"ptr":            func(f float64) *float64 { return &f },
		"clockLabel":     ticket.ClockLabel,
		"ratingText":     func(r string) string { return ticket.Rating(r).Chinese() },
		"extensionState": func(s string) string { return extensionStates[s] },
		"taskState":      func(s string) string { return taskStates[s] },
	}
}
