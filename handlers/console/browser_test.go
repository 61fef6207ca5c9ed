package console_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/handlers/handlertest"
)

// TestConsoleInBrowser walks a real browser through the console: a staff
// member of the unit a complaint is routed to logs in, sees it in the
// queue (and a new hand-off arrive without reloading), opens it, claims
// it, replies — which the business receives — and resolves it; then the
// region's manager finds it in the unit's row of the dashboard.
func TestConsoleInBrowser(t *testing.T) {
	cs := newConsoleServer(t, bottest.Options{})
	cs.addUser(t, staff.User{Name: "xiaoli", Role: staff.RoleStaff, Unit: marketUnit, Region: zhaoyang})
	cs.addUser(t, staff.User{Name: "zhaoyang-boss", Role: staff.RoleManager, Region: zhaoyang})
	id := cs.complaint(t, "biz-browser", zhaoyang, complaintText)
	d := newDriver(t, cs, handlertest.Browser(t))
	ctx, step, submit, text, screenshot, login := d.ctx, d.step, d.submit, d.text, d.screenshot, d.login
	login("xiaoli")
	row := `tr[data-ticket="` + id + `"]`
	step("see the complaint in the queue", chromedp.WaitVisible(chromedp.CSS(row)))
	if got := text(row); !strings.Contains(got, marketUnit) || !strings.Contains(got, "准时") {
		t.Errorf("queue row = %q", got)
	}

	// a hand-off arrives while the queue is open: it appears without reloading
	b, _ := json.Marshal(map[string]string{"user": "biz-handoff", "region": zhaoyang, "text": "不想跟机器人聊了,帮我转人工客服"})
	var handoff struct {
		Ticket struct {
			ID string `json:"id"`
		} `json:"ticket"`
	}
	decode(t, cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil), &handoff)
	step("see the hand-off arrive live", chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket="`+handoff.Ticket.ID+`"]`)))
	step("live notice", chromedp.WaitVisible(chromedp.ID("live")))
	screenshot("console-queue.png")

	submit("open the ticket", chromedp.Click(chromedp.CSS(row+" a.tid")))
	step("ticket page", chromedp.WaitVisible(chromedp.ID("thread")))
	if got := text(".item"); !strings.Contains(got, "牵头单位") {
		t.Errorf("cited item = %q", got)
	}
	submit("claim", chromedp.Click(chromedp.ID("btn-claim")))
	if got := text("#claimed-by"); got != "xiaoli" {
		t.Errorf("claimed by %q", got)
	}
	// a colleague's note, made elsewhere, appears in the open page's thread
	colleague := &staff.User{Name: "xiaowang", Role: staff.RoleStaff, Unit: marketUnit, Region: zhaoyang, Tenant: "demo"}
	if _, err := cs.env.Engine.Act(context.Background(), colleague, id, bot.Action{Name: "note", Text: "企业上次抽查记录已调出"}); err != nil {
		t.Fatal(err)
	}
	step("see the note arrive live", chromedp.WaitVisible(chromedp.CSS(`#thread .ev-note`)))
	if got := text("#thread .ev-note .body"); got != "企业上次抽查记录已调出" {
		t.Errorf("live note = %q", got)
	}
	const reply = "您好,我是市场监管局朝阳分局。按信用分类监管,A类企业抽查比例较低,我们已核实本次抽查情况,会在3个工作日内回复。"
	step("write a reply", chromedp.SendKeys(chromedp.ID("reply-text"), reply))
	submit("send the reply", chromedp.Click(chromedp.ID("btn-reply")))
	if got := text(".flash.ok"); !strings.Contains(got, "答复已记录") {
		t.Errorf("reply flash = %q", got)
	}
	if got := text(".ev-reply .delivery"); !strings.Contains(got, "已发送") {
		t.Errorf("delivery status = %q", got)
	}
	screenshot("console-ticket.png")

	var outbox struct {
		Messages []struct {
			Text string `json:"text"`
			From string `json:"from"`
		} `json:"messages"`
	}
	decode(t, cs.request(t, "GET", "/api/v1/messages?user=biz-browser", handlertest.Key, "", nil, nil), &outbox)
	if len(outbox.Messages) != 1 || outbox.Messages[0].From != "staff" || outbox.Messages[0].Text != reply {
		t.Fatalf("the business did not receive the reply: %+v", outbox.Messages)
	}

	step("write the outcome", chromedp.SendKeys(chromedp.ID("resolve-summary"), "已核实并调整抽查计划,今后按信用等级抽查。"))
	submit("resolve", chromedp.Click(chromedp.ID("btn-resolve")))
	if got := text("#ticket-status"); got != "已办结" {
		t.Errorf("status after resolving = %q", got)
	}
	decode(t, cs.request(t, "GET", "/api/v1/messages?user=biz-browser", handlertest.Key, "", nil, nil), &outbox)
	if len(outbox.Messages) != 2 || !strings.Contains(outbox.Messages[1].Text, "已办结") {
		t.Errorf("the business was not told of the resolution: %+v", outbox.Messages)
	}

	step("phone-sized queue", chromedp.EmulateViewport(390, 844), chromedp.Navigate(cs.URL+"/console/?status=all"),
		chromedp.WaitVisible(chromedp.CSS(row)))
	screenshot("console-phone.png")
	step("back to laptop size", chromedp.EmulateViewport(1280, 900))

	d.logout()
	login("zhaoyang-boss")
	unitRow := `#unit-table tbody tr[data-unit="` + marketUnit + `"]`
	step("dashboard", chromedp.WaitVisible(chromedp.CSS(unitRow)))
	if got := text(unitRow + ` td[data-field="tickets"]`); got != "1" {
		t.Errorf("tickets in %s's row = %q, want 1", marketUnit, got)
	}
	if got := text(unitRow + ` td[data-field="resolved"]`); got != "1" {
		t.Errorf("resolved in %s's row = %q, want 1", marketUnit, got)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("csv-link"), "href"))
	if err != nil || !strings.Contains(href.Value, "format=csv") || !strings.Contains(href.Value, url.QueryEscape(zhaoyang)) {
		t.Errorf("CSV link = %+v, %v", href, err)
	}
	screenshot("dashboard.png")

	// a new complaint for the unit: the dashboard's figures follow by themselves
	cs.complaint(t, "biz-browser-2", zhaoyang, complaintText+"(第二次)")
	step("see the figures refresh", chromedp.Poll[chromedp.Void](`document.querySelector('`+unitRow+` td[data-field="tickets"]').textContent.trim() === "2"`,
		chromedp.WithPollingTimeout(20*time.Second)))
}

// driver walks a browser tab through the console.
type driver struct {
	t     *testing.T
	cs    *consoleServer
	ctx   context.Context
	shots string
}

func newDriver(t *testing.T, cs *consoleServer, ctx context.Context) *driver {
	return &driver{t: t, cs: cs, ctx: ctx, shots: handlertest.ArtifactsDir(t)}
}

// step runs actions, failing the test with name.
func (d *driver) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, actions...); err != nil {
		d.t.Fatalf("%s: %v", name, err)
	}
}

// submit runs actions that load a page and wants it to succeed.
func (d *driver) submit(name string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	resp, err := chromedp.RunResponse(d.ctx, actions...)
	if err != nil {
		d.t.Fatalf("%s: %v", name, err)
	}
	if resp.Status >= 400 {
		d.t.Fatalf("%s: HTTP %d", name, resp.Status)
	}
}

// text is the text of the element sel finds.
func (d *driver) text(sel string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		d.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// screenshot saves the page under the artifacts directory.
func (d *driver) screenshot(name string) {
	d.t.Helper()
	png, err := chromedp.Run(d.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(d.shots, name), png, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// login signs name in through the login page.
func (d *driver) login(name string) {
	d.t.Helper()
	d.step("open login page", chromedp.Navigate(d.cs.URL+"/console/login"))
	d.step("type credentials",
		chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword))
	d.submit("log in as "+name, chromedp.Click(chromedp.ID("login-submit")))
}

// logout signs the current user out.
func (d *driver) logout() {
	d.t.Helper()
	d.submit("log out", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)))
}
