package reports

import (
	"fmt"
	"io"

	"github.com/authquake/authquake/harness/analysis"
)

// flowLine sums one follow-up call up: how its calls ended, how long they
// took from their scheduled time, and how late they left.
func flowLine(f analysis.FlowStats) string {
	o := f.Outcomes
	return fmt.Sprintf("%s: %d calls, %d done, %d refused, %d failed, %d not sent; p50 %.1f ms, p99 %.1f ms, send lag p99 %.1f ms",
		f.Call, f.Calls, o.Approved, refused(o), o.Failures(), f.NotSent, f.Latency.P50, f.Latency.P99, f.SendLag.P99)
}

// flowsMarkdown is the follow-up calls' table; nothing without a flow.
func flowsMarkdown(w io.Writer, s *analysis.Summary) {
	if len(s.Flows) == 0 {
		return
	}
	fmt.Fprintf(w, "## Flows\n\nFollow-up calls of the payments; no payment figure above counts them.\n\n")
	fmt.Fprintf(w, "| call | calls | done | refused | failed | not sent | p50 ms | p99 ms | send lag p99 ms |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range s.Flows {
		o := f.Outcomes
		mdf(w, "| %s | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f |\n", f.Call, f.Calls, o.Approved, refused(o),
			o.Failures(), f.NotSent, f.Latency.P50, f.Latency.P99, f.SendLag.P99)
	}
	fmt.Fprintf(w, "\n")
}

// refused counts the follow-ups the service answered but did not carry out.
func refused(o analysis.Outcomes) int { return o.Declined + o.Rejected + o.Duplicate }
