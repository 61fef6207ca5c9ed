package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdoor/bot/alert"
	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
	"frontdoor/handlers/handlertest"
)

// dutyGroup stands in for a WeCom group robot: it keeps what it is sent.
type dutyGroup struct {
	*httptest.Server
	mu  sync.Mutex
	got []string
}

func newDutyGroup(t *testing.T) *dutyGroup {
	g := &dutyGroup{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		g.mu.Lock()
		g.got = append(g.got, body.Markdown.Content)
		g.mu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(g.Close)
	return g
}

// wait waits for a message that holds every one of wants.
func (g *dutyGroup) wait(t *testing.T, wants ...string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		for _, m := range g.got {
			ok := true
			for _, w := range wants {
				ok = ok && strings.Contains(m, w)
			}
			if ok {
				g.mu.Unlock()
				return m
			}
		}
		g.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the duty group never heard %q", wants)
	return ""
}

// TestCaseWorkInBrowser walks the whole path of a case as a 12345 desk
// runs it, in a real browser: a business complains in the web chat and
// leaves its company and phone; the duty group's robot hears of the new
// ticket; the unit's clerk sees who the business is and what it said
// before, asks 公安 for its part (协办), which 公安's clerk completes;
// the clerk asks for 3 more working days (延期), which the region's
// manager approves, moving the deadline on the official calendar; the
// clerk's reply appears in the web chat without a reload; the clerk
// resolves and the business rates it. Then another unit returns a
// misdispatched ticket, the dispatcher re-assigns it, and the dashboard
// counts the return, the extension, the 协办 and the re-assignment.
func TestCaseWorkInBrowser(t *testing.T) {
	group := newDutyGroup(t)
	cs := newConsoleServer(t, bottest.Options{Alerts: alert.Config{Targets: []string{group.URL}, Interval: 50 * time.Millisecond,
		ConsoleURL: "https://fd.example.gov.cn"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go cs.env.Alerts.Run(ctx, func() []string { return []string{"demo"} })
	const (
		policeUnit = "区公安分局"
		dispatcher = "区营商环境督导专班"
	)
	for _, u := range []staff.User{
		{Name: "xiaoli", Role: staff.RoleStaff, Unit: marketUnit, Region: zhaoyang},
		{Name: "police", Role: staff.RoleStaff, Unit: policeUnit, Region: zhaoyang},
		{Name: "hrss", Role: staff.RoleStaff, Unit: "区人社局", Region: zhaoyang},
		{Name: "disp", Role: staff.RoleStaff, Unit: dispatcher, Region: zhaoyang},
		{Name: "boss", Role: staff.RoleManager, Region: zhaoyang},
	} {
		cs.addUser(t, u)
	}
	browser := handlertest.Browser(t)
	chat := newDriver(t, cs, browser)
	step := chat.step

	// The business, in the web chat.
	const said = `//div[contains(@class,"msg") and contains(@class,"bot") and contains(., "%s")]`
	chatSay := func(text, want string) {
		t.Helper()
		step("say "+text, chromedp.SendKeys(chromedp.ID("text"), text), chromedp.Click(chromedp.ID("send")),
			chromedp.WaitVisible(strings.Replace(said, "%s", want, 1)))
	}
	step("open the chat", chromedp.Navigate(cs.URL+"/chat"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SetValue(chromedp.ID("region"), zhaoyang))
	chatSay("你好,我们是做机械加工的", "")
	chatSay(complaintText, "联系电话")
	chatSay("长春红旗机械有限公司 13812345678", "已记录")
	ts, err := cs.env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo"})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets: %d %v", len(ts), err)
	}
	id := ts[0].ID
	group.wait(t, "新工单", id, marketUnit)

	// The unit's clerk, in another tab of the same browser.
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	staffTab := newDriver(t, cs, tab)
	page := cs.URL + "/console/tickets/" + id
	staffTab.login("xiaoli")
	staffTab.step("open the ticket", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("thread")))
	if got := staffTab.text("#contact-company"); !strings.Contains(got, "长春红旗机械有限公司") {
		t.Errorf("company = %q", got)
	}
	if got := staffTab.text("#contact-phone"); !strings.Contains(got, "13812345678") {
		t.Errorf("phone = %q", got)
	}
	if got := staffTab.text("#conversation"); !strings.Contains(got, "做机械加工") {
		t.Errorf("conversation before the ticket = %q", got)
	}
	staffTab.submit("claim", chromedp.Click(chromedp.ID("btn-claim")))
	staffTab.screenshot("casework-ticket.png")

	openTicket := func(who string) {
		t.Helper()
		staffTab.logout()
		staffTab.login(who)
		staffTab.step("open the ticket as "+who, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("thread")), openForms)
	}
	// 协办: the clerk asks 公安 for its part; 公安's clerk does it.
	staffTab.step("open the forms", openForms)
	staffTab.step("ask 公安", chromedp.SetValue(chromedp.CSS(`#form-cooperate select[name="unit"]`), policeUnit),
		chromedp.SendKeys(chromedp.CSS(`#form-cooperate input[name="text"]`), "核实企业反映的现场阻工情况"))
	staffTab.submit("cooperate", chromedp.Click(chromedp.ID("btn-cooperate")))
	if got := staffTab.text(`dd.task`); !strings.Contains(got, policeUnit) || !strings.Contains(got, "协办中") {
		t.Errorf("task = %q", got)
	}
	group.wait(t, "新工单", id, policeUnit, "协办")
	openTicket("police")
	staffTab.step("write the result", chromedp.SendKeys(chromedp.CSS(`#form-cooperate-done textarea`), "已出警核实,现场已恢复施工"))
	staffTab.submit("finish the task", chromedp.Click(chromedp.ID("btn-cooperate-done")))
	if got := staffTab.text(`dd.task`); !strings.Contains(got, "已完成") {
		t.Errorf("task after completion = %q", got)
	}

	// 延期: the clerk asks for 3 more working days, the manager approves.
	openTicket("xiaoli")
	before, _ := cs.env.Tickets.Get(context.Background(), "demo", id)
	oldDue := before.Clocks[ticket.ClockResolution].Due
	staffTab.step("ask for more time", chromedp.SetValue(chromedp.CSS(`#form-extend input[name="working_days"]`), "3"),
		chromedp.SendKeys(chromedp.CSS(`#form-extend input[name="reason"]`), "需与公安、街道会商处置方案"))
	staffTab.submit("extend", chromedp.Click(chromedp.CSS(`#form-extend button`)))
	openTicket("boss")
	staffTab.step("approve", chromedp.Click(chromedp.CSS(`#form-extension input[value="true"]`)),
		chromedp.SendKeys(chromedp.CSS(`#form-extension input[name="note"]`), "同意"))
	staffTab.submit("answer the extension", chromedp.Click(chromedp.ID("btn-extension")))
	after, _ := cs.env.Tickets.Get(context.Background(), "demo", id)
	want := cs.env.Tickets.Policy().Calendar().DeadlineWorkingDays(oldDue, 3)
	if got := after.Clocks[ticket.ClockResolution].Due; !got.Equal(want) {
		t.Errorf("deadline %s, want %s (3 working days after %s)", got, want, oldDue)
	}
	if got := staffTab.text(`dd.extension`); !strings.Contains(got, "已同意") {
		t.Errorf("extension = %q", got)
	}
	chat.step("the business hears of the new deadline", chromedp.WaitVisible(strings.Replace(said, "%s", "延长 3 个工作日", 1)))

	// The reply reaches the open chat without a reload; resolve; rating.
	openTicket("xiaoli")
	const reply = "您好,已会同公安核实,现场已恢复施工,抽查安排也已调整。"
	staffTab.step("write the reply", chromedp.SendKeys(chromedp.ID("reply-text"), reply))
	staffTab.submit("send the reply", chromedp.Click(chromedp.ID("btn-reply")))
	chat.step("the reply appears in the chat", chromedp.WaitVisible(
		`//div[contains(@class,"msg") and contains(@class,"staff") and contains(., "已会同公安核实")]`))
	staffTab.step("write the outcome", chromedp.SendKeys(chromedp.ID("resolve-summary"), "已会同公安处置,施工恢复。"))
	staffTab.submit("resolve", chromedp.Click(chromedp.ID("btn-resolve")))
	chat.step("the business hears of the resolution", chromedp.WaitVisible(strings.Replace(said, "%s", "已办结", 1)))
	chatSay("1", "感谢您的评价")
	chat.screenshot("casework-chat.png")
	if rated, _ := cs.env.Tickets.Get(context.Background(), "demo", id); rated.Rating != ticket.Good {
		t.Errorf("rating = %q", rated.Rating)
	}

	// 退单 and 改派: another complaint reaches the market unit, which returns
	// it; the dispatcher re-assigns it to 区人社局.
	id2 := cs.complaint(t, "biz-return", zhaoyang, "企业职工社保缴费基数核定有误,市场监管说不归他们管,我要投诉")
	page = cs.URL + "/console/tickets/" + id2
	if tk, _ := cs.env.Tickets.Get(context.Background(), "demo", id2); tk.Owner() != marketUnit {
		if _, err := cs.env.Tickets.Transfer(context.Background(), "demo", id2, "bot", marketUnit, "测试:先派给市场监管"); err != nil {
			t.Fatal(err)
		}
	}
	openTicket("xiaoli")
	staffTab.step("give the reason", chromedp.SendKeys(chromedp.CSS(`#form-return input[name="reason"]`), "社保缴费不属市场监管职责"))
	staffTab.submit("return", chromedp.Click(chromedp.CSS(`#form-return button`)))
	group.wait(t, "退单待改派", id2, dispatcher)
	openTicket("disp")
	staffTab.step("re-assign", chromedp.SetValue(chromedp.CSS(`#form-transfer select[name="unit"]`), "区人社局"),
		chromedp.SendKeys(chromedp.CSS(`#form-transfer input[name="reason"]`), "属社保事项,改派区人社局"))
	staffTab.submit("transfer", chromedp.Click(chromedp.CSS(`#form-transfer button`)))
	group.wait(t, "新工单", id2, "区人社局")

	// The dashboard counts it all.
	staffTab.logout()
	staffTab.login("boss")
	staffTab.step("dashboard", chromedp.Navigate(cs.URL+"/console/dashboard"), chromedp.WaitVisible(chromedp.ID("unit-table")))
	row := func(unit, field string) string {
		return strings.TrimSpace(staffTab.text(`#unit-table tbody tr[data-unit="` + unit + `"] td[data-field="` + field + `"]`))
	}
	if got := row(marketUnit, "returned"); got != "1" {
		t.Errorf("returns of %s = %q", marketUnit, got)
	}
	if got := row(marketUnit, "extensions"); got != "1/1" {
		t.Errorf("extensions of %s = %q", marketUnit, got)
	}
	if got := row(policeUnit, "cooperations"); got != "1/0/1" {
		t.Errorf("协办 of %s = %q", policeUnit, got)
	}
	if got := staffTab.text(`#dispatch-table tr[data-dispatcher="disp"] td[data-field="reassigned"]`); got != "1" {
		t.Errorf("re-assignments by disp = %q", got)
	}
	staffTab.screenshot("casework-dashboard.png")
}

// openForms opens every folded form of a page.
var openForms = chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(function (d) { d.open = true })`)
