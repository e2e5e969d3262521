package reports

import (
	"fmt"
	"io"

	"github.com/authquake/authquake/harness/analysis"
)

// maxCodeRows is how many codes a table of report.html or report.md shows;
// the rest are counted in one line, so that a service writing a fresh id
// into every reason cannot push the money audit off the first screen.
const maxCodeRows = 20

// codeTable is a table's rows, at most maxCodeRows, and what was left out.
type codeTable struct {
	Rows              []analysis.CodeCount
	More, MoreAnswers int
}

// topCodes keeps the most frequent codes of cs (it is sorted so).
func topCodes(cs []analysis.CodeCount) codeTable {
	t := codeTable{Rows: cs[:min(len(cs), maxCodeRows)]}
	for _, c := range cs[len(t.Rows):] {
		t.More++
		t.MoreAnswers += c.Count
	}
	return t
}

// unmappedLines say, one line each, which codes fell to a default outcome
// and the rule that would map each.
func unmappedLines(s *analysis.Summary) []string {
	us := s.Validity.Unmapped
	var out []string
	for i, u := range us {
		if i == maxCodeRows {
			out = append(out, fmt.Sprintf("and %d more unmapped codes", len(us)-i))
			break
		}
		out = append(out, fmt.Sprintf("unmapped: status %d code %s x%d fell to %s (e.g. %q); add to target.response.rules: %s",
			u.Status, u.Code, u.Count, u.Outcome, u.Example, u.Rule))
	}
	return out
}

// codesMarkdown writes the answered failures' and the declines' codes,
// and the unmapped ones, as tables of at most maxCodeRows rows.
func codesMarkdown(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	if us := s.Validity.Unmapped; len(us) > 0 {
		p("Codes the scenario does not map (they fell to their status's default):\n\n| status | code | fell to | count | example reason | rule to add |\n|---|---|---|---|---|---|\n")
		for _, u := range us[:min(len(us), maxCodeRows)] {
			p("| %d | %s | %s | %d | %s | %s |\n", u.Status, u.Code, u.Outcome, u.Count, u.Example, u.Rule)
		}
		if n := len(us) - maxCodeRows; n > 0 {
			p("\nand %d more codes.\n", n)
		}
		p("\n")
	}
	c := s.ErrorClarity
	if n := c.ByReason["timeout"] + c.ByReason["conn_error"]; n > 0 {
		p("No answer: %d timeouts, %d broken connections.\n\n", c.ByReason["timeout"], c.ByReason["conn_error"])
	}
	for _, x := range []struct {
		title string
		cs    []analysis.CodeCount
	}{{"failure", c.Codes}, {"decline", s.DeclineCodes}} {
		if len(x.cs) == 0 {
			continue
		}
		t := topCodes(x.cs)
		p("| %s code | reason (numbers and ids folded) | count | example |\n|---|---|---|---|\n", x.title)
		for _, r := range t.Rows {
			p("| %s | %s | %d | %s |\n", r.Code, r.Reason, r.Count, r.Example)
		}
		if t.More > 0 {
			p("\nand %d more codes (%d answers).\n", t.More, t.MoreAnswers)
		}
		p("\n")
	}
}
