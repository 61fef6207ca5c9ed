// Package evaluate measures the conversation engine on a set of labelled
// business messages: intent accuracy, retrieval (top-1, top-3), routing,
// whether answers state the promised figure, and latency.
package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/intent"
)

// Case is one labelled message (the evaluation format of the brief).
type Case struct {
	ID           string   `json:"id"`
	Region       string   `json:"region"`
	Text         string   `json:"text"`
	Intent       string   `json:"intent"`
	Seed         *string  `json:"seed"`
	ItemContains *string  `json:"item_contains"`
	LeadUnits    []string `json:"lead_units"`
	Commitment   *string  `json:"commitment"`
}

// Read parses a JSON-lines set; a bad line is an error naming its number.
func Read(r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c Case
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if c.ID == "" {
			c.ID = fmt.Sprintf("line-%d", n)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// Outcome is what the engine did with one case.
type Outcome struct {
	Case     Case     `json:"case"`
	Intent   string   `json:"intent"`
	Rank     int      `json:"rank"` // of the expected item among citations; -1 if absent
	Units    []string `json:"units"`
	RoutedOK *bool    `json:"routed_ok,omitempty"`
	FigureOK *bool    `json:"figure_ok,omitempty"`
	// HeadlineOK: the figure is stated in the reply's first line.
	HeadlineOK *bool `json:"headline_ok,omitempty"`
	// Asked: the engine answered with a question and numbered choices.
	Asked     bool          `json:"asked,omitempty"`
	Latency   time.Duration `json:"latency_ns"`
	Err       string        `json:"error,omitempty"`
	Reply     string        `json:"reply"`
	Citations []string      `json:"citations"`
}

// Report sums up a run.
type Report struct {
	// Set names the evaluation set, when several are run.
	Set             string  `json:"set,omitempty"`
	Cases           int     `json:"cases"`
	IntentAccuracy  float64 `json:"intent_accuracy"`
	RetrievalCases  int     `json:"retrieval_cases"`
	Top1            float64 `json:"top1"`
	Top3            float64 `json:"top3"`
	RoutingCases    int     `json:"routing_cases"`
	RoutingAccuracy float64 `json:"routing_accuracy"`
	FigureCases     int     `json:"commitment_cases"`
	FigureRecall    float64 `json:"commitment_recall"`
	// HeadlineRecall is the share of figure cases whose reply states the
	// figure in its first line.
	HeadlineRecall float64 `json:"headline_recall"`
	// AskRate is the share of messages answered with a question back.
	AskRate    float64   `json:"ask_rate"`
	LatencyP50 float64   `json:"latency_p50_ms"`
	LatencyP90 float64   `json:"latency_p90_ms"`
	LatencyP99 float64   `json:"latency_p99_ms"`
	Errors     int       `json:"errors"`
	Outcomes   []Outcome `json:"outcomes,omitempty"`
	// CrossValidation is the intent model's k-fold figures on its corpus.
	CrossValidation *intent.CVReport `json:"cross_validation,omitempty"`
	// Retrieval is the ranking's and the routing's k-fold figures on the
	// corpus's messages about an item.
	Retrieval *RetrievalReport `json:"retrieval_cross_validation,omitempty"`
}

// Handler is the engine under test.
type Handler interface {
	Handle(ctx context.Context, in bot.Inbound) (bot.Reply, error)
}

// Run sends every case through the engine as a fresh user (so that no
// session carries over) and measures the outcome.
func Run(ctx context.Context, h Handler, tenant, runID string, cases []Case) Report {
	var rep Report
	var lat []time.Duration
	var intents, top1, top3, routed, figures, headlines, asks int
	for i, c := range cases {
		in := bot.Inbound{Tenant: tenant, Region: c.Region, User: fmt.Sprintf("eval-%s-%d", runID, i),
			Text: c.Text, MsgID: c.ID, Channel: bot.ChannelAPI}
		start := time.Now()
		r, err := h.Handle(ctx, in)
		o := Outcome{Case: c, Latency: time.Since(start), Rank: -1}
		lat = append(lat, o.Latency)
		if err != nil {
			o.Err = err.Error()
			rep.Errors++
		}
		o.Intent, o.Reply, o.Asked = string(r.Intent), r.Text, len(r.Choices) > 0
		if o.Asked {
			asks++
		}
		for _, ct := range r.Citations {
			o.Citations = append(o.Citations, ct.Doc+"#"+ct.Item)
		}
		if o.Intent == c.Intent {
			intents++
		}
		if c.ItemContains != nil {
			rep.RetrievalCases++
			for k, ct := range r.Citations {
				if (c.Seed == nil || ct.Doc == *c.Seed) && strings.Contains(ct.Text, *c.ItemContains) {
					o.Rank = k
					break
				}
			}
			if o.Rank == 0 {
				top1++
			}
			if o.Rank >= 0 && o.Rank < 3 {
				top3++
			}
		}
		if r.Ticket != nil {
			o.Units = r.Ticket.Units
		}
		if len(c.LeadUnits) > 0 {
			rep.RoutingCases++
			ok := sameSet(o.Units, c.LeadUnits)
			o.RoutedOK = &ok
			if ok {
				routed++
			}
		}
		if c.Commitment != nil && *c.Commitment != "" {
			rep.FigureCases++
			ok := strings.Contains(r.Text, *c.Commitment)
			o.FigureOK = &ok
			if ok {
				figures++
			}
			first, _, _ := strings.Cut(r.Text, "\n")
			head := strings.Contains(first, *c.Commitment)
			o.HeadlineOK = &head
			if head {
				headlines++
			}
		}
		rep.Outcomes = append(rep.Outcomes, o)
	}
	rep.Cases = len(cases)
	rep.IntentAccuracy = ratio(intents, len(cases))
	rep.Top1, rep.Top3 = ratio(top1, rep.RetrievalCases), ratio(top3, rep.RetrievalCases)
	rep.RoutingAccuracy = ratio(routed, rep.RoutingCases)
	rep.FigureRecall = ratio(figures, rep.FigureCases)
	rep.HeadlineRecall = ratio(headlines, rep.FigureCases)
	rep.AskRate = ratio(asks, len(cases))
	rep.LatencyP50, rep.LatencyP90, rep.LatencyP99 = percentile(lat, 0.5), percentile(lat, 0.9), percentile(lat, 0.99)
	return rep
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s)-1) + 0.5)
	return float64(s[i].Microseconds()) / 1000
}

// Print writes the report for people: the figures, then every miss.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "cases               %d (errors %d)\n", r.Cases, r.Errors)
	fmt.Fprintf(w, "intent accuracy     %.3f\n", r.IntentAccuracy)
	fmt.Fprintf(w, "retrieval top-1     %.3f  (%d cases with an item)\n", r.Top1, r.RetrievalCases)
	fmt.Fprintf(w, "retrieval top-3     %.3f\n", r.Top3)
	fmt.Fprintf(w, "routing accuracy    %.3f  (%d cases with lead units)\n", r.RoutingAccuracy, r.RoutingCases)
	fmt.Fprintf(w, "commitment recall   %.3f  (%d cases with a figure)\n", r.FigureRecall, r.FigureCases)
	fmt.Fprintf(w, "headline figure     %.3f  (the figure in the reply's first line)\n", r.HeadlineRecall)
	fmt.Fprintf(w, "asked back          %.3f  (replies that ask which was meant)\n", r.AskRate)
	fmt.Fprintf(w, "latency ms          p50 %.2f  p90 %.2f  p99 %.2f\n", r.LatencyP50, r.LatencyP90, r.LatencyP99)
	for _, o := range r.Outcomes {
		var why []string
		if o.Err != "" {
			why = append(why, "error: "+o.Err)
		}
		if o.Intent != o.Case.Intent {
			why = append(why, fmt.Sprintf("intent %s, want %s", o.Intent, o.Case.Intent))
		}
		if o.Case.ItemContains != nil && o.Rank != 0 {
			why = append(why, fmt.Sprintf("item rank %d (want %q), cited %v", o.Rank, *o.Case.ItemContains, o.Citations))
		}
		if o.RoutedOK != nil && !*o.RoutedOK {
			why = append(why, fmt.Sprintf("routed to %v, want %v", o.Units, o.Case.LeadUnits))
		}
		if o.FigureOK != nil && !*o.FigureOK {
			why = append(why, fmt.Sprintf("reply lacks %q", *o.Case.Commitment))
		} else if o.HeadlineOK != nil && !*o.HeadlineOK {
			first, _, _ := strings.Cut(o.Reply, "\n")
			why = append(why, fmt.Sprintf("first line lacks %q: %q", *o.Case.Commitment, first))
		}
		if o.Asked {
			first, _, _ := strings.Cut(o.Reply, "\n")
			why = append(why, "asked back: "+strings.ReplaceAll(strings.TrimPrefix(o.Reply, first+"\n"), "\n", " "))
		}
		if len(why) > 0 {
			fmt.Fprintf(w, "MISS %s %q: %s\n", o.Case.ID, o.Case.Text, strings.Join(why, "; "))
		}
	}
}
