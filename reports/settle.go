package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

// settleLines sum up the final states told later (summary.settle): how many
// payments were answered pending, how many reached a final state within
// target.settle and how fast, what the notifications and polls told beside
// them, and each fault's share. Nothing when the target tells none later.
func settleLines(s *analysis.Summary) []string {
	st := s.Settle
	if st == nil {
		return nil
	}
	o := st.Outcomes
	out := []string{fmt.Sprintf("settle: %d answered pending, %d final within %g s (%d approved, %d declined, %d other), %d UNSETTLED; %s",
		st.Pending, st.Settled, st.LimitS, o.Approved, o.Declined, st.Settled-o.Approved-o.Declined, st.Unsettled, settleTimes(st.Settled, st.LatencyMS)),
		fmt.Sprintf("settle: %d notifications, %d polls; %d duplicate, %d contradicting, %d for no payment of this run",
			st.Notifications, st.Polls, st.Duplicates, st.Contradictions, st.Unknown)}
	if st.Unsettled == 0 {
		out[0] = strings.Replace(out[0], " UNSETTLED", " unsettled", 1)
	}
	for _, f := range st.Faults {
		out = append(out, fmt.Sprintf("settle under %s: %d answered pending, %d final, %d unsettled; %s",
			f.Name, f.Pending, f.Settled, f.Unsettled, settleTimes(f.Settled, f.LatencyMS)))
	}
	return out
}

// settleTimes is the time to the final state, or why there is none.
func settleTimes(settled int, l analysis.Latency) string {
	if settled == 0 {
		return "no final state to time"
	}
	return fmt.Sprintf("time to final state p50 %.1f ms, p99 %.1f ms, max %.1f ms", l.P50, l.P99, l.Max)
}

// settleRows are the table rows of report.md and report.html: the whole
// run, each phase, then each fault in force when payments were answered.
func settleRows(st *analysis.Settle) []settleRow {
	rows := []settleRow{{"all", "run", analysis.SettleWindow{Pending: st.Pending, Settled: st.Settled, Unsettled: st.Unsettled, LatencyMS: st.LatencyMS}}}
	for _, p := range st.Phases {
		rows = append(rows, settleRow{p.Name, "phase", p})
	}
	for _, f := range st.Faults {
		rows = append(rows, settleRow{f.Name, "fault", f})
	}
	return rows
}

type settleRow struct {
	Name, Kind string
	W          analysis.SettleWindow
}

// settleMarkdown is report.md's section on final states told later.
func settleMarkdown(w io.Writer, s *analysis.Summary) {
	st := s.Settle
	if st == nil {
		return
	}
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("## Final states told later\n\n")
	p("%d payments were answered pending; %d reached a final state within %g s (`target.settle`) and %d did not (unsettled: a failure of its own kind). "+
		"%d notifications and %d polls told states: %d duplicate (the same final state again, or confirming a final answer), %d contradicting, %d for no payment of this run.\n\n",
		st.Pending, st.Settled, st.LimitS, st.Unsettled, st.Notifications, st.Polls, st.Duplicates, st.Contradictions, st.Unknown)
	p("| window | by | answered pending | final | unsettled | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range settleRows(st) {
		p("| %s | %s | %d | %d | %d | %.1f | %.1f | %.1f |\n", r.Name, r.Kind, r.W.Pending, r.W.Settled, r.W.Unsettled,
			r.W.LatencyMS.P50, r.W.LatencyMS.P99, r.W.LatencyMS.Max)
	}
	p("\nA phase counts the payments scheduled in it; a fault those answered while it was in force, whose unsettled are final states lost to it (notifications lost, or a status no poll found).\n\n")
}

// decisionsText says how a fault went on the decision clock of a service
// that tells final states later (FaultStats.Decisions); "" for one that
// answers final at once.
func decisionsText(f analysis.FaultStats) string {
	d := f.Decisions
	if d == nil {
		return ""
	}
	head := fmt.Sprintf("decisions told later (late past %g ms, %s): ", d.LimitMS, d.Rule)
	switch {
	case d.State == analysis.StateSkipped:
		return ""
	case d.State == analysis.StateAlreadyUnhealthy:
		return head + "already late before the fault began"
	case !d.Impact:
		return head + "no impact"
	}
	out := head + fmt.Sprintf("%d late, known late %s after the start; ", d.Late, opt(d.TimeToImpactS, " s"))
	switch {
	case d.Recovered:
		out += fmt.Sprintf("in time again %s after the revert", opt(d.TimeToRecoverS, " s"))
	case len(d.HiddenBy) > 0:
		out += "recovery hidden by " + strings.Join(d.HiddenBy, ", ")
	default:
		out += "NOT in time again"
	}
	if d.Note != "" {
		out += " (" + d.Note + ")"
	}
	return out
}
