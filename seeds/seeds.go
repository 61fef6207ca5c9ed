// Package seeds ships the documents and curated data a fresh deployment starts
// with: the policy documents, the catalogue (regions, synonyms, extra items)
// and the official working-day calendar. A deployment normally points
// FRONTDOOR_SEEDS at its own directory; the embedded copy lets the binary run
// anywhere, and lets tests load the same data without touching the disk.
package seeds

import "embed"

// FS holds every file of this directory that the product reads.
//
//go:embed *.txt *.yaml questions/*.yaml corpus/*.jsonl
var FS embed.FS
