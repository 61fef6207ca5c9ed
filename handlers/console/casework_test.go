package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"frontdoor/bot/bottest"
	"frontdoor/bot/report"
	"frontdoor/bot/staff"
	"frontdoor/bot/ticket"
	"frontdoor/handlers/console"
	"frontdoor/handlers/handlertest"
)

// zhaoyangDispatcher is 朝阳区's dispatch unit in the shipped catalogue.
const zhaoyangDispatcher = "区营商环境督导专班"

// TestReturnReassignAndExtend walks a misdispatched complaint through the
// staff API as a 12345 desk works it: the unit returns it (退单), the
// region's dispatcher re-assigns it (改派), the new unit asks for more
// time (延期) and the region's manager approves; every step is refused to
// those of another unit or region, and the report counts it all.
func TestReturnReassignAndExtend(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	cs.addUser(t, staff.User{Name: "disp", Role: staff.RoleStaff, Unit: zhaoyangDispatcher, Region: zhaoyang})
	id := cs.complaint(t, "biz-ret", zhaoyang, complaintText)
	s := map[string]*session{}
	for _, n := range []string{"market", "other", "hgt", "boss", "hgtboss", "disp"} {
		s[n] = cs.login(t, n)
	}
	base := "/api/v1/staff/tickets/" + id
	step := func(t *testing.T, who, action string, body any, want int) {
		t.Helper()
		if got := cs.status(t, s[who], "POST", base+"/"+action, body); got != want {
			t.Fatalf("%s %s: %d, want %d", who, action, got, want)
		}
	}
	reason := map[string]string{"reason": "企业反映的是社保缴费问题,不属市场监管职责"}

	t.Run("return", func(t *testing.T) {
		step(t, "other", "return", reason, http.StatusNotFound) // another unit does not see it
		step(t, "hgt", "return", reason, http.StatusNotFound)   // the same unit name in another region
		step(t, "boss", "return", reason, http.StatusForbidden) // a manager has no unit to return from
		step(t, "market", "return", map[string]string{"reason": " "}, http.StatusBadRequest)
		step(t, "market", "return", reason, http.StatusOK)
		step(t, "market", "return", reason, http.StatusNotFound) // gone from the unit's queue
		if !slices.Contains(cs.ticketIDs(t, s["disp"]), id) {
			t.Fatal("the dispatcher's queue lacks the returned ticket")
		}
	})
	t.Run("re-assign", func(t *testing.T) {
		step(t, "other", "transfer", map[string]string{"unit": "区人社局", "reason": "改派"}, http.StatusNotFound)
		step(t, "disp", "transfer", map[string]string{"unit": "区人社局", "reason": "属社保事项,改派区人社局"}, http.StatusOK)
		if !slices.Contains(cs.ticketIDs(t, s["other"]), id) {
			t.Fatal("the new unit's queue lacks the re-assigned ticket")
		}
	})
	t.Run("extend", func(t *testing.T) {
		ask := map[string]any{"working_days": 3, "reason": "需与区社保中心会商"}
		step(t, "market", "extend", ask, http.StatusNotFound)
		step(t, "other", "extend", map[string]any{"working_days": 99, "reason": "x"}, http.StatusBadRequest)
		step(t, "other", "extend", map[string]any{"working_days": "3", "reason": "x"}, http.StatusBadRequest)
		step(t, "other", "extend", ask, http.StatusOK)
		step(t, "other", "extend", ask, http.StatusConflict) // one pending request at a time
		step(t, "other", "extension", map[string]any{"approve": true}, http.StatusForbidden)
		step(t, "hgtboss", "extension", map[string]any{"approve": true}, http.StatusNotFound)
		step(t, "boss", "extension", map[string]any{}, http.StatusBadRequest)
		before := cs.ticket(t, s["boss"], id)
		var after struct {
			Ticket console.TicketView `json:"ticket"`
		}
		decode(t, cs.request(t, "POST", base+"/extension", s["boss"].Token, "application/json",
			[]byte(`{"approve": true, "note": "同意"}`), nil), &after)
		x := after.Ticket.Extensions
		if len(x) != 1 || x[0].State != ticket.ExtensionApproved || !x[0].DueBefore.Equal(*before.Due) ||
			!after.Ticket.Due.Equal(x[0].DueAfter) || !after.Ticket.Due.After(*before.Due) {
			t.Fatalf("after approval: due %v, extensions %+v (was %v)", after.Ticket.Due, x, before.Due)
		}
		msgs, _, err := cs.env.Outbox.List(context.Background(), "demo", "biz-ret", "", 10)
		if err != nil || len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Text, "延长 3 个工作日") {
			t.Errorf("the business was not told of the extension: %+v %v", msgs, err)
		}
	})
	t.Run("report", func(t *testing.T) {
		var r report.Report
		decode(t, cs.request(t, "GET", "/api/v1/reports/units?region="+zhaoyang, s["boss"].Token, "", nil, nil), &r)
		rows := map[string]report.Row{}
		for _, row := range r.Units {
			rows[row.Unit] = row
		}
		if rows[marketUnit].Returned != 1 || rows["区人社局"].ExtensionsApproved != 1 || r.Total.Returned != 1 {
			t.Errorf("rows: %s %+v, 区人社局 %+v", marketUnit, rows[marketUnit], rows["区人社局"])
		}
		if len(r.Dispatch) != 1 || r.Dispatch[0].Name != "disp" || r.Dispatch[0].Reassigned != 1 {
			t.Errorf("dispatch = %+v", r.Dispatch)
		}
	})
}

// ticket reads one ticket through the staff API.
func (cs *consoleServer) ticket(t *testing.T, s *session, id string) console.TicketView {
	t.Helper()
	var d struct {
		Ticket console.TicketView `json:"ticket"`
	}
	decode(t, cs.request(t, "GET", "/api/v1/staff/tickets/"+id, s.Token, "", nil, nil), &d)
	return d.Ticket
}

// TestStaffSeeWhoTheyHelp: the business's company and phone, given after
// the bot asked, reach the ticket: masked in the queue, whole on the
// ticket's own page and in its API answer, each such view in the audit
// trail; the conversation before the ticket comes with it. Another unit
// sees none of it.
func TestStaffSeeWhoTheyHelp(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	say := func(text string) map[string]any {
		b, _ := json.Marshal(map[string]string{"user": "biz-who", "region": zhaoyang, "text": text})
		var out map[string]any
		decode(t, cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil), &out)
		return out
	}
	say("你好,想问个事")
	id := cs.complaint(t, "biz-who", zhaoyang, complaintText)
	if r := say("长春红旗机械有限公司 13812345678"); !strings.Contains(fmt.Sprint(r["reply"]), "138****5678") {
		t.Fatalf("contact reply: %v", r)
	}
	market, other := cs.login(t, "market"), cs.login(t, "other")

	var list struct {
		Tickets []console.TicketView `json:"tickets"`
	}
	decode(t, cs.request(t, "GET", "/api/v1/staff/tickets", market.Token, "", nil, nil), &list)
	i := slices.IndexFunc(list.Tickets, func(v console.TicketView) bool { return v.ID == id })
	if i < 0 || list.Tickets[i].Contact == nil || list.Tickets[i].Contact.Phone != "138****5678" ||
		list.Tickets[i].Contact.Company != "长春红旗机械有限公司" {
		t.Fatalf("queue entry: %+v", list.Tickets)
	}
	full := cs.ticket(t, market, id)
	if full.Contact == nil || full.Contact.Phone != "13812345678" || len(full.Conversation) < 2 ||
		full.Conversation[0].Text != "你好,想问个事" {
		t.Fatalf("ticket: contact %+v conversation %+v", full.Contact, full.Conversation)
	}
	page := cs.request(t, "GET", "/console/tickets/"+id, "", "", nil, map[string]string{"Cookie": cookieOf(t, cs, "market")})
	body, _ := io.ReadAll(page.Body)
	if page.StatusCode != 200 || !strings.Contains(string(body), "13812345678") || !strings.Contains(string(body), "你好,想问个事") {
		t.Errorf("ticket page %d lacks the contact or the conversation", page.StatusCode)
	}
	evs, err := cs.env.Tickets.Events(context.Background(), "demo", id)
	if err != nil {
		t.Fatal(err)
	}
	views := 0
	for _, ev := range evs {
		if ev.Type == ticket.EvContactViewed && ev.Actor == "market" {
			views++
		}
	}
	if views != 2 {
		t.Errorf("%d views of the number in the trail, want 2 (API and page)", views)
	}
	if code := cs.status(t, other, "GET", "/api/v1/staff/tickets/"+id, nil); code != http.StatusNotFound {
		t.Errorf("another unit reads the ticket: %d", code)
	}
}

// cookieOf logs name in and returns its session cookie as a header value.
func cookieOf(t *testing.T, cs *consoleServer, name string) string {
	t.Helper()
	s := cs.login(t, name)
	return s.cookie.Name + "=" + s.cookie.Value
}

// TestCooperationThroughTheAPI: the lead unit asks 公安 for its part
// (协办); 公安 sees the ticket and finishes its task; the lead unit
// resolves only after that. Other units and regions are refused at each
// step, and the report counts the task for 公安.
func TestCooperationThroughTheAPI(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	const policeUnit = "区公安分局"
	cs.addUser(t, staff.User{Name: "police", Role: staff.RoleStaff, Unit: policeUnit, Region: zhaoyang})
	id := cs.complaint(t, "biz-coop", zhaoyang, complaintText)
	s := map[string]*session{}
	for _, n := range []string{"market", "other", "hgt", "boss", "police"} {
		s[n] = cs.login(t, n)
	}
	base := "/api/v1/staff/tickets/" + id
	step := func(who, action string, body any, want int) {
		t.Helper()
		if got := cs.status(t, s[who], "POST", base+"/"+action, body); got != want {
			t.Fatalf("%s %s: %d, want %d", who, action, got, want)
		}
	}
	task := map[string]string{"unit": policeUnit, "text": "核实企业反映的现场阻工情况"}
	step("other", "cooperate", task, http.StatusNotFound)
	step("hgt", "cooperate", task, http.StatusNotFound)
	step("police", "cooperate", task, http.StatusNotFound) // not on the ticket yet
	step("market", "cooperate", map[string]string{"unit": "不存在的单位", "text": "x"}, http.StatusBadRequest)
	step("market", "cooperate", task, http.StatusOK)
	if !slices.Contains(cs.ticketIDs(t, s["police"]), id) {
		t.Fatal("the cooperating unit's queue lacks the ticket")
	}
	step("police", "cooperate", map[string]string{"unit": "区人社局", "text": "再找一家"}, http.StatusForbidden)
	step("police", "cooperate_release", map[string]string{"unit": policeUnit, "reason": "不想办"}, http.StatusForbidden)
	step("market", "cooperate_done", map[string]string{"text": "不是我的任务"}, http.StatusConflict)
	step("market", "resolve", map[string]string{"summary": "已处理"}, http.StatusConflict)
	step("police", "cooperate_done", map[string]string{"text": "已出警核实,现场已恢复施工"}, http.StatusOK)
	if v := cs.ticket(t, s["market"], id); len(v.Tasks) != 1 || v.Tasks[0].State != ticket.TaskDone {
		t.Fatalf("tasks = %+v", v.Tasks)
	}
	step("market", "resolve", map[string]string{"summary": "已会同公安处置"}, http.StatusOK)

	var r report.Report
	decode(t, cs.request(t, "GET", "/api/v1/reports/units?region="+zhaoyang, s["boss"].Token, "", nil, nil), &r)
	for _, row := range r.Units {
		if row.Unit == policeUnit && (row.Cooperations != 1 || row.CooperationsOnTime != 1) {
			t.Errorf("%s row: %+v", policeUnit, row)
		}
	}
	if r.Total.Cooperations != 1 {
		t.Errorf("total cooperations = %d", r.Total.Cooperations)
	}
}

// TestLiveFragmentsKeepTheirWalls: the live parts of a ticket page and of
// the dashboard are refused to whoever may not see the page itself.
func TestLiveFragmentsKeepTheirWalls(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	id := cs.complaint(t, "biz-live", zhaoyang, complaintText)
	get := func(who, path string) (int, string) {
		t.Helper()
		resp := cs.request(t, "GET", path, "", "", nil, map[string]string{"Cookie": cookieOf(t, cs, who)})
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("market", "/console/tickets/"+id+"/live"); code != 200 || !strings.Contains(body, `data-part="thread"`) {
		t.Errorf("the unit's live fragment: %d", code)
	}
	for _, who := range []string{"other", "hgt"} {
		if code, _ := get(who, "/console/tickets/"+id+"/live"); code != http.StatusNotFound {
			t.Errorf("%s reads the live fragment: %d", who, code)
		}
	}
	live := "/console/dashboard/live?region=" + url.QueryEscape(zhaoyang)
	if code, body := get("boss", live); code != 200 || !strings.Contains(body, `id="unit-table"`) {
		t.Errorf("the manager's dashboard figures: %d", code)
	}
	for who, want := range map[string]int{"market": http.StatusForbidden, "hgtboss": http.StatusForbidden} {
		if code, _ := get(who, live); code != want {
			t.Errorf("%s reads %s's figures: %d, want %d", who, zhaoyang, code, want)
		}
	}
}
