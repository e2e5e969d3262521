package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

// settled is a summary whose payments were answered pending and told their
// final state later: 3 of 120 never were, 2 of them under the db fault.
func settled() *analysis.Summary {
	return &analysis.Summary{Scenario: "async/db", Verdict: "unconfirmed", Requests: analysis.Requests{Outcomes: analysis.Outcomes{Pending: 120}}, Settle: &analysis.Settle{
		LimitS: 5, Pending: 120, Settled: 117, Unsettled: 3,
		Outcomes:      analysis.Outcomes{Approved: 110, Declined: 6, Error: 1},
		LatencyMS:     analysis.Latency{P50: 120, P90: 400, P99: 900.5, Max: 1800},
		Notifications: 130, Duplicates: 12, Contradictions: 1, Unknown: 4,
		Phases: []analysis.SettleWindow{
			{Name: "warm", Pending: 40, Settled: 40, LatencyMS: analysis.Latency{P50: 100, P99: 300, Max: 310}},
			{Name: "peak", Pending: 80, Settled: 77, Unsettled: 3, LatencyMS: analysis.Latency{P50: 130, P99: 1000, Max: 1800}},
		},
		Faults: []analysis.SettleWindow{{Name: "db-cut", Pending: 10, Settled: 8, Unsettled: 2, LatencyMS: analysis.Latency{P50: 900, P99: 1800, Max: 1800}}},
	}}
}

// TestSettleReachesEveryReport: the time to the final state, the unsettled,
// duplicate, contradicting and unknown notifications, per phase and per
// fault, show in the terminal summary, report.md and report.html, not only
// in summary.json (golden files: go test -update rewrites them).
func TestSettleReachesEveryReport(t *testing.T) {
	s := settled()
	var term, md bytes.Buffer
	Terminal(&term, s, "")
	settleMarkdown(&md, s)
	checkGolden(t, "settle.txt", []byte(strings.Join(settleLines(s), "\n")+"\n"))
	checkGolden(t, "settle.md", md.Bytes())
	if strings.Contains(term.String()+whole(t, s), "only the ledger") {
		t.Errorf("pending payments said to be confirmed only by the ledger, though their final states were told:\n%s", term.String())
	}
	if !strings.Contains(term.String(), "3 UNSETTLED") || !strings.Contains(term.String(), "settle under db-cut: 10 answered pending, 8 final, 2 unsettled") {
		t.Errorf("terminal summary lacks the settle figures:\n%s", term.String())
	}
	var whole bytes.Buffer
	if err := Markdown(&whole, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(whole.String(), md.String()) {
		t.Errorf("report.md lacks its settle section:\n%s", whole.String())
	}
	var page bytes.Buffer
	if err := HTML(&page, &analysis.Run{}, s, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>Final states told later</h2>", "<td>db-cut</td><td>fault</td><td>10</td><td>8</td><td class=\"fail\">2</td>",
		"<td>peak</td><td>phase</td>", "12 duplicate", "1 contradicting", "4 for no payment of this run", "final state p99<b>900.5 ms</b>3 unsettled of 120"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestNoSettleWithoutAsyncResults: a target that tells no final state later
// adds no settle line or section.
func TestNoSettleWithoutAsyncResults(t *testing.T) {
	s := &analysis.Summary{Scenario: "x", Verdict: "pass"}
	var term, md bytes.Buffer
	Terminal(&term, s, "")
	Markdown(&md, s)
	if strings.Contains(term.String(), "settle") || strings.Contains(md.String(), "told later") {
		t.Errorf("settle shown for a synchronous target:\n%s\n%s", term.String(), md.String())
	}
}

func whole(t *testing.T, s *analysis.Summary) string {
	t.Helper()
	var md bytes.Buffer
	if err := Markdown(&md, s); err != nil {
		t.Fatal(err)
	}
	return md.String()
}
