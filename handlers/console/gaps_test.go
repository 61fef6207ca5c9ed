package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"frontdoor/bot/bottest"
	"frontdoor/handlers/handlertest"
)

// TestGapsReport: questions the bot could not answer appear, grouped by
// similar wording and counted, in the region's gaps report — JSON, CSV and
// the console page — for its managers only.
func TestGapsReport(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	for i, text := range []string{"今晚去哪里吃火锅比较好啊", "今晚去哪吃火锅好", "明天会不会下雨"} {
		b, _ := json.Marshal(map[string]string{"user": "biz-g" + string(rune('a'+i)), "region": zhaoyang, "text": text})
		cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil)
	}
	boss := cs.login(t, "boss")
	path := "/api/v1/reports/gaps?region=" + url.QueryEscape(zhaoyang)
	var r struct {
		Questions int `json:"questions"`
		Groups    []struct {
			Example string         `json:"example"`
			Count   int            `json:"count"`
			Reasons map[string]int `json:"reasons"`
		} `json:"groups"`
	}
	decode(t, cs.request(t, "GET", path, boss.Token, "", nil, nil), &r)
	if r.Questions < 3 || len(r.Groups) < 2 {
		t.Fatalf("report: %+v", r)
	}
	found := false
	for _, g := range r.Groups {
		if strings.Contains(g.Example, "火锅") {
			found = g.Count == 2
		}
	}
	if !found {
		t.Errorf("the two wordings of one question are not one group of two: %+v", r.Groups)
	}
	resp := cs.request(t, "GET", path+"&format=csv", boss.Token, "", nil, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "count,example,reasons") || !strings.Contains(string(body), "火锅") {
		t.Errorf("CSV %d: %s", resp.StatusCode, body)
	}
	page := cs.request(t, "GET", "/console/gaps?region="+url.QueryEscape(zhaoyang), "", "", nil,
		map[string]string{"Cookie": cookieOf(t, cs, "boss")})
	body, _ = io.ReadAll(page.Body)
	if page.StatusCode != 200 || !strings.Contains(string(body), "火锅") {
		t.Errorf("page %d", page.StatusCode)
	}
	for who, want := range map[string]int{"market": http.StatusForbidden, "hgtboss": http.StatusForbidden} {
		if code := cs.status(t, cs.login(t, who), "GET", path, nil); code != want {
			t.Errorf("%s reads %s's gaps: %d, want %d", who, zhaoyang, code, want)
		}
	}
}

// TestItemUseOnTheDashboard: the dashboard and the API show how the
// region's items were used, to its managers only.
func TestItemUseOnTheDashboard(t *testing.T) {
	cs := staffFixture(t, bottest.Options{})
	b, _ := json.Marshal(map[string]string{"user": "biz-use", "region": zhaoyang, "text": "企业开办全流程要几天能办完"})
	cs.request(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b, nil)
	boss := cs.login(t, "boss")
	var r struct {
		Items []struct {
			ID    string `json:"id"`
			Cited int    `json:"cited"`
		} `json:"items"`
	}
	decode(t, cs.request(t, "GET", "/api/v1/reports/items?region="+url.QueryEscape(zhaoyang), boss.Token, "", nil, nil), &r)
	if len(r.Items) != 1 || r.Items[0].Cited != 1 {
		t.Fatalf("items = %+v", r.Items)
	}
	page := cs.request(t, "GET", "/console/dashboard?region="+url.QueryEscape(zhaoyang), "", "", nil,
		map[string]string{"Cookie": cookieOf(t, cs, "boss")})
	body, _ := io.ReadAll(page.Body)
	if !strings.Contains(string(body), `data-item="`+r.Items[0].ID+`"`) {
		t.Errorf("the dashboard lacks the item's row")
	}
	for _, who := range []string{"market", "hgtboss"} {
		if code := cs.status(t, cs.login(t, who), "GET", "/api/v1/reports/items?region="+url.QueryEscape(zhaoyang), nil); code != http.StatusForbidden {
			t.Errorf("%s reads the item use: %d", who, code)
		}
	}
}
