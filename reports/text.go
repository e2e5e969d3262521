package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
)

func opt(f *float64, unit string) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%g%s", *f, unit)
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// recoveryText says how a fault went in two short cells, from its state:
// "no impact", "skipped", "already unhealthy", a shared impact, "did not
// recover", a recovery "hidden by" another fault, "only at lower load", or
// the two times. The note says why.
func recoveryText(f analysis.FaultStats) (impact, recover string) {
	tti, rec := opt(f.TimeToImpactS, " s"), opt(f.TimeToRecoverS, " s")
	switch {
	case !f.Recovered && len(f.HiddenBy) > 0:
		rec = "hidden by " + strings.Join(f.HiddenBy, ", ")
	case !f.Recovered:
		rec = "did not recover"
	}
	switch f.State {
	case analysis.StateSkipped:
		return "skipped", "-"
	case analysis.StateInjectFailed:
		return "inject failed", "-"
	case analysis.StateAlreadyUnhealthy:
		return "already unhealthy", rec
	case analysis.StateLowerLoad:
		return tti, "only at lower load"
	case analysis.StateShared:
		return tti + " (shared with " + strings.Join(f.SharedWith, ", ") + ")", rec
	}
	if !f.Impact {
		return "no impact", "-"
	}
	return tti, rec
}

// Terminal prints the end-of-run summary.
func Terminal(w io.Writer, s *analysis.Summary, dir string) {
	w = plain{w} // codes and reasons come from the service: no escape sequence reaches the terminal
	fmt.Fprintf(w, "\n%s  %s  (seed %d, %s)\n", strings.ToUpper(s.Verdict), s.Scenario, s.Seed, s.Status)
	for _, d := range s.Damaged {
		fmt.Fprintf(w, "  PARTIAL: the numbers below cover only what could be read: %s\n", d)
	}
	for _, line := range validityLines(s) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	for _, line := range unmappedLines(s) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	q := s.Requests
	fmt.Fprintf(w, "  payments %d of %d planned: %d approved, %d declined, %d rejected, %d shed, %d error, %d timeout, %d conn_error\n",
		q.Payments, q.Planned, q.Approved, q.Declined, q.Rejected, q.Shed, q.Error, q.Timeout, q.ConnError)
	if q.Pending+q.Duplicate > 0 {
		fmt.Fprintf(w, "  %d pending (%s), %d duplicate (the service already had the key)\n", q.Pending, pendingWho(s), q.Duplicate)
	}
	fmt.Fprintf(w, "  failure ratio %s   latency p50 %.1f ms  p99 %.1f ms  max %.1f ms (from scheduled send)\n",
		pct(s.FailureRatio), s.Latency.P50, s.Latency.P99, s.Latency.Max)
	for _, line := range settleLines(s) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	for _, f := range s.Faults {
		impact, rec := recoveryText(f)
		fmt.Fprintf(w, "  fault %-16s %-15s impact %-10s recover %-16s failed during %s\n", f.Name, f.Kind, impact, rec, pct(f.During.FailureRatio))
		if f.Note != "" {
			fmt.Fprintf(w, "        %s\n", f.Note)
		}
		if d := decisionsText(f); d != "" {
			fmt.Fprintf(w, "        %s\n", d)
		}
	}
	for _, r := range s.SLO {
		mark := "pass"
		if !r.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  SLO %-18s %s  value %s  limit %g %s\n", r.Name, mark, opt(r.Value, ""), r.Limit, r.Note)
	}
	for _, f := range s.Flows {
		fmt.Fprintf(w, "  %s\n", flowLine(f))
	}
	if line := serviceLine(s); line != "" {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "  errors with a specific reason: %s of %d failures\n", pct(s.ErrorClarity.SpecificShare), s.ErrorClarity.Failed)
	fmt.Fprintf(w, "  %s\n", auditLine(s))
	if c := coverageLine(s); c != "" {
		fmt.Fprintf(w, "  %s\n", c)
	}
	if b := blindLine(s); b != "" && !strings.Contains(auditLine(s), b) {
		fmt.Fprintf(w, "  INCONCLUSIVE: %s\n", b)
	}
	for _, n := range auditNotes(s) {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if s.Audit != nil {
		for _, v := range s.Audit.Violations {
			mark := "VIOLATION"
			if v.Invariant == "I8" {
				mark = "UNRESOLVED"
			}
			fmt.Fprintf(w, "  %s %s x%d: %s\n", mark, v.Invariant, v.Count, v.Name)
			for _, e := range v.Examples[:min(3, len(v.Examples))] {
				fmt.Fprintf(w, "    %s: told %s; ledger %s\n", exampleOf(e), e.Told, e.Ledger)
			}
		}
	}
	for _, warning := range s.Warnings {
		fmt.Fprintf(w, "  WARNING: %s\n", warning)
	}
	if !s.Generator.Trustworthy {
		fmt.Fprintf(w, "  WARNING: the numbers describe the load generator, not the service: %s\n", strings.Join(s.Generator.Reasons, "; "))
	}
	for _, line := range replayLines(dir, s) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	if dir != "" {
		fmt.Fprintf(w, "  report: %s\n", dir+"/"+HTMLFile)
	}
}

// exampleOf names what an audit example is about: a payment (its key,
// account and amount), or an account alone for an account's invariant.
func exampleOf(e audit.Example) string {
	var parts []string
	if e.Key != "" {
		parts = append(parts, "key "+e.Key)
	}
	if e.Account != "" {
		parts = append(parts, "account "+e.Account)
	}
	if e.Key != "" || e.Amount != 0 {
		parts = append(parts, fmt.Sprintf("amount %d", e.Amount))
	}
	return strings.Join(parts, " ")
}

// pendingWho says what confirms the payments answered pending: their final
// states told later (the settle lines), or only the ledger.
func pendingWho(s *analysis.Summary) string {
	if s.Settle != nil {
		return "their final states told later: settle below"
	}
	return "confirmed only by the ledger"
}

// auditLine sums the money audit up in one line.
func auditLine(s *analysis.Summary) string {
	a := s.Audit
	switch {
	case a == nil:
		return "money audit: not run (the target gave no ledger)"
	case len(a.Blind) > 0 && len(a.Violations) == 0:
		return "money audit: INCONCLUSIVE: " + blindLine(s)
	case !a.Checked && a.Inconclusive:
		return "money audit: INCONCLUSIVE: " + a.Note
	case !a.Checked:
		return fmt.Sprintf("money audit: NOT CHECKED (%s): all %d invariants unchecked", strings.TrimPrefix(a.Note, "not checked: "), len(a.Coverage.Unchecked))
	case len(a.Violations) == 1 && a.Violations[0].Invariant == "I8": // the verdict's rule: unresolved, not broken
		return fmt.Sprintf("money audit: INCONCLUSIVE: %d payments still pending in the ledger (I8), no invariant broken over %d keys",
			a.Violations[0].Count, a.Keys)
	case len(a.Violations) > 0:
		return fmt.Sprintf("money audit: %d invariants BROKEN over %d keys", len(a.Violations), a.Keys)
	case a.Inconclusive:
		return fmt.Sprintf("money audit: INCONCLUSIVE: %d payments unresolved", a.Indeterminate.Unknown)
	}
	i := a.Indeterminate
	return fmt.Sprintf("money audit: clean over %d keys and %d ledger entries; %d payments without an answer resolved (%d committed, %d absent)",
		a.Keys, a.LedgerRecords, i.Total, i.Committed, i.Absent)
}

// coverageLine says which invariants the audit checked and which it could
// not, with the data the ledger source gave: a clean audit is only worth
// what it checked.
func coverageLine(s *analysis.Summary) string {
	a := s.Audit
	if a == nil || !a.Checked {
		return ""
	}
	if len(a.Coverage.Unchecked) == 0 {
		return fmt.Sprintf("ledger from %s: checked all %d invariants (%s)", a.Source, len(a.Coverage.Checked), strings.Join(a.Coverage.Checked, " "))
	}
	var un []string
	for _, u := range a.Coverage.Unchecked {
		un = append(un, fmt.Sprintf("%s (%s)", u.Invariant, u.Reason))
	}
	return fmt.Sprintf("ledger from %s: checked %s; not checked %s", a.Source, strings.Join(a.Coverage.Checked, " "), strings.Join(un, ", "))
}

// validityLines say why the run is not a valid test, why its outcomes are
// unconfirmed, and what else the reader must know, one line each.
func validityLines(s *analysis.Summary) []string {
	v := s.Validity
	var out []string
	for _, r := range v.Reasons {
		out = append(out, "INVALID TEST: "+r)
	}
	if v.Unconfirmed != "" {
		out = append(out, "UNCONFIRMED: "+v.Unconfirmed)
	}
	for _, w := range v.Warnings {
		out = append(out, "WARNING: "+w)
	}
	return out
}
