package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

// TestPendingAndDuplicateShown: the terminal summary and the Markdown
// report show pending and duplicate answers when there are any, and say
// nothing of them when there are none (older reports read the same).
func TestPendingAndDuplicateShown(t *testing.T) {
	for _, c := range []struct {
		name string
		o    analysis.Outcomes
		want bool
	}{
		// Both present: one line says both.
		{"present", analysis.Outcomes{Approved: 5, Pending: 3, Duplicate: 1}, true},
		// None: no line.
		{"absent", analysis.Outcomes{Approved: 5}, false},
	} {
		s := &analysis.Summary{Requests: analysis.Requests{Payments: c.o.Total(), Outcomes: c.o}}
		var term, md bytes.Buffer
		Terminal(&term, s, "dir")
		if err := Markdown(&md, s); err != nil {
			t.Fatal(err)
		}
		for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String()} {
			got := strings.Contains(out, "pending") || strings.Contains(out, "duplicate")
			if got && !(strings.Contains(out, "3 pending") && strings.Contains(out, "1 duplicate")) {
				t.Errorf("%s: %s shows wrong counts:\n%s", c.name, name, out)
			}
			if got != c.want {
				t.Errorf("%s: %s shows pending and duplicate: %v, want %v\n%s", c.name, name, got, c.want, out)
			}
		}
	}
}
