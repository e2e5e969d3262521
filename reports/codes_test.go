package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

// TestCodeTablesAreCapped: a service whose declines carry 25 codes shows 20
// rows in report.html and report.md, the rest counted in one line, so the
// money audit stays near the top; unmapped codes show with their rule.
func TestCodeTablesAreCapped(t *testing.T) {
	s := &analysis.Summary{Scenario: "t", Status: "completed", Verdict: analysis.VerdictPass}
	for i := range 25 {
		s.DeclineCodes = append(s.DeclineCodes, analysis.CodeCount{Code: fmt.Sprintf("D%02d", i), Reason: "no funds on <id>", Count: 100 - i,
			Example: "no funds on acct-1"})
	}
	s.Validity.Unmapped = []analysis.Unmapped{{Status: 400, Code: "NSF", Outcome: "rejected", Count: 7, Example: "insufficient funds",
		Rule: "{status: 400, json: {path: code, equals: NSF}, outcome: declined}"}}
	var page, md bytes.Buffer
	if err := HTML(&page, &analysis.Run{}, s, nil); err != nil {
		t.Fatal(err)
	}
	Markdown(&md, s)
	for name, out := range map[string]string{"report.html": page.String(), "report.md": md.String()} {
		if n := strings.Count(out, "no funds on acct-1"); n != maxCodeRows {
			t.Errorf("%s: %d decline rows, want %d", name, n, maxCodeRows)
		}
		if !strings.Contains(out, "and 5 more codes (390 answers)") {
			t.Errorf("%s does not count the codes left out", name)
		}
		if !strings.Contains(out, "NSF") || !strings.Contains(out, "outcome: declined}") {
			t.Errorf("%s does not show the unmapped code and its rule", name)
		}
	}
	if strings.Index(page.String(), "money audit") > strings.Index(page.String(), "D00") {
		t.Errorf("report.html: the money audit line comes after the decline table")
	}
}
