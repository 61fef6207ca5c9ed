package knowledge

import (
	"strings"
	"testing"
)

// TestRegionIndexLimit: a region with more items or sentences than its
// postings can number is refused with a message that names it, instead of
// being indexed wrongly.
func TestRegionIndexLimit(t *testing.T) {
	kb := seedBase(t)
	region := kb.Regions()[0]
	items := kb.regions[region].items
	if _, err := buildRegionIndex(kb.an, newDictionary(), items, 3); err == nil || !strings.Contains(err.Error(), region) {
		t.Errorf("a region over the limit: %v, want an error naming %s", err, region)
	}
	if _, err := buildRegionIndex(kb.an, newDictionary(), items, maxRegionItems); err != nil {
		t.Errorf("the seed region at the real limit: %v", err)
	}
}
