package system_test

import (
	"testing"
	"time"

	"frontdoor/bot/system"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// TestPolicyLaysTheCatalogueOverTheCalendar: a day the catalogue's
// calendar section takes off is off in the policy every part counts
// with — the server's and the tests' alike, since both are built here.
func TestPolicyLaysTheCatalogueOverTheCalendar(t *testing.T) {
	data, err := seeds.FS.ReadFile("calendar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, 12, 30, 10, 0, 0, 0, loc) // a Wednesday
	plain, err := system.Policy(data, &knowledge.Base{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !plain.Calendar().IsWorkday(day) {
		t.Fatalf("%s is a workday on the official calendar", day.Format(time.DateOnly))
	}
	b := &knowledge.Base{Catalog: &knowledge.Catalogue{Calendar: []byte("overrides:\n  \"2026-12-30\": off\n")}}
	local, err := system.Policy(data, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if local.Calendar().IsWorkday(day) {
		t.Errorf("the catalogue took %s off, but the policy still works it", day.Format(time.DateOnly))
	}
	b.Catalog.Calendar = []byte("overrides: [not, a, map]\n")
	if _, err := system.Policy(data, b, nil); err == nil {
		t.Error("a broken catalogue calendar section was accepted")
	}
}
