package console_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdoor/bot/bottest"
	"frontdoor/bot/staff"
	"frontdoor/handlers/handlertest"
)

// TestGapToQuestionInBrowser: a question the bot could not answer appears
// on the editor's gaps page; the editor makes it, in one step, a question
// of the item that answers it. (That every replica then answers it with
// the item is TestEditsReachEveryReplica's part, on two servers.)
func TestGapToQuestionInBrowser(t *testing.T) {
	cs := newConsoleServer(t, bottest.Options{})
	cs.addUser(t, staff.User{Name: "editor", Role: staff.RoleEditor, Region: zhaoyang})
	const question = "今晚去哪里吃火锅比较好啊"
	b, _ := json.Marshal(map[string]string{"user": "biz-gap", "region": zhaoyang, "text": question})
	cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil)
	var doc, path string
	for _, it := range cs.env.KB.RegionItems(zhaoyang) {
		doc, path = it.Doc, it.Path
		break
	}
	d := newDriver(t, cs, handlertest.Browser(t))
	d.login("editor")
	d.step("the gaps page", chromedp.WaitVisible(chromedp.ID("gaps-table")))
	if got := d.text("#gaps-table tbody"); !strings.Contains(got, question) {
		t.Fatalf("gaps = %q", got)
	}
	d.step("pick the item", chromedp.SetValue(chromedp.CSS(`form.gap-to-question select[name="item"]`), doc+"#"+path))
	d.submit("add the question", chromedp.Click(chromedp.CSS(`form.gap-to-question button`)))
	if got := d.text(".flash"); !strings.Contains(got, "已加入") {
		t.Errorf("flash = %q", got)
	}
	d.screenshot("gaps.png")
	edits, err := cs.env.Engine.KBEdits().All(context.Background())
	if err != nil || len(edits) != 1 || edits[0].Text != question || edits[0].Path != path || edits[0].By != "editor" {
		t.Errorf("edits = %+v, %v", edits, err)
	}
}
