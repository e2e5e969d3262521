package reports

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
)

// Markdown renders report.md: the verdict and why, the payments, the final
// states told later, the SLOs,
// the phases, the faults, the errors and declines, the flows, the money
// audit, the service's own view and the generator, a section each.
func Markdown(w io.Writer, s *analysis.Summary) error {
	for _, section := range []func(io.Writer, *analysis.Summary){mdHead, mdPayments, settleMarkdown, mdSLO, mdPhases, mdFaults, mdErrors, flowsMarkdown, mdAudit, mdTail} {
		section(w, s)
	}
	return nil
}

// mdHead is the verdict, the run, and what makes the numbers partial,
// invalid or untrustworthy.
func mdHead(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("# %s: %s\n\n", s.Scenario, strings.ToUpper(s.Verdict))
	if s.Description != "" {
		p("%s\n\n", mdLine(s.Description))
	}
	p("Seed %d, run %s, status %s, target %s, %.0f s of load.\n\n", s.Seed, s.RunID, s.Status, s.Target.Kind, s.DurationS)
	for _, d := range s.Damaged {
		p("**Partial: the numbers below cover only what could be read:** %s.\n\n", d)
	}
	for _, line := range validityLines(s) {
		p("**%s**\n\n", line)
	}
	for _, warning := range s.Warnings {
		p("**Warning:** %s\n\n", warning)
	}
	if !s.Generator.Trustworthy {
		p("**Warning: these numbers describe the load generator, not the service:** %s.\n\n", strings.Join(s.Generator.Reasons, "; "))
	}
}

// mdPayments is the payments by outcome and their latency.
func mdPayments(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	q := s.Requests
	p("## Payments\n\n| planned | sent | approved | declined | rejected | shed | error | timeout | conn_error | failure ratio | attempts | retries |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	p("| %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %d | %d |\n\n", q.Planned, q.Sent, q.Approved, q.Declined,
		q.Rejected, q.Shed, q.Error, q.Timeout, q.ConnError, pct(s.FailureRatio), q.Attempts, q.Retries)
	if q.Pending+q.Duplicate > 0 {
		p("Also %d pending (taken for later: %s) and %d duplicate (the service already had the key), neither a failure.\n\n",
			q.Pending, map[bool]string{false: "only the ledger confirms them", true: "their final states were told later, below"}[s.Settle != nil], q.Duplicate)
	}
	p("Latency from the scheduled send (what the user waited, retries included): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms.  \n",
		s.Latency.P50, s.Latency.P90, s.Latency.P99, s.Latency.Max)
	p("Latency of single attempts from the actual send: p50 %.1f ms, p99 %.1f ms, max %.1f ms.\n\n",
		s.ServiceLatency.P50, s.ServiceLatency.P99, s.ServiceLatency.Max)
}

// mdSLO is each SLO rule's verdict.
func mdSLO(w io.Writer, s *analysis.Summary) {
	if len(s.SLO) == 0 {
		return
	}
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("## SLO\n\n| rule | verdict | value | limit |\n|---|---|---|---|\n")
	for _, r := range s.SLO {
		v := markup("pass")
		if !r.Pass {
			v = "**fail**"
		}
		p("| %s | %s | %s | %g %s |\n", r.Name, v, opt(r.Value, ""), r.Limit, r.Note)
	}
	p("\n")
}

// mdPhases is each traffic phase: what was offered, sent and answered.
func mdPhases(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("## Phases\n\n| phase | shape | from | to | offered | sent | achieved | failure ratio | p99 ms |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, ph := range s.Phases {
		p("| %s | %s | %.1f s | %.1f s | %.0f | %d | %s | %s | %.1f |\n", ph.Name, ph.Shape, ph.StartS, ph.EndS, ph.Offered, ph.Sent,
			pct(ph.AchievedRatio), pct(ph.FailureRatio), ph.Latency.P99)
	}
}

// mdFaults is each fault: when it was in force, how it went, and the
// payments before, caught by and after it.
func mdFaults(w io.Writer, s *analysis.Summary) {
	if len(s.Faults) == 0 {
		return
	}
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("\n## Faults\n\nHealthy means failure ratio at most %s and p99 at most %.0f ms (%s).\n\n", pct(s.Health.MaxFailureRatio), s.Health.MaxP99MS, s.Health.Rule)
	p("| fault | kind | target | in force | state | time to impact | time to recover | unhealthy | failed before / during / after | p99 ms before / during / after | note |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range s.Faults {
		impact, rec := recoveryText(f)
		p("| %s | %s | %s | %.2f-%.2f s | %s | %s | %s | %.1f s | %s / %s / %s | %.0f / %.0f / %.0f | %s |\n", f.Name, f.Kind, f.Target, f.StartS, f.EndS,
			f.State, impact, rec, f.UnhealthyS, pct(f.Before.FailureRatio), pct(f.During.FailureRatio), pct(f.After.FailureRatio),
			f.Before.Latency.P99, f.During.Latency.P99, f.After.Latency.P99, f.Note)
	}
	for _, f := range s.Faults {
		if d := decisionsText(f); d != "" {
			p("\n%s: %s.\n", f.Name, d)
		}
	}
}

// amountCell is an example's amount, "-" for an account's invariant.
func amountCell(e audit.Example) string {
	if e.Key == "" && e.Amount == 0 {
		return "-"
	}
	return fmt.Sprint(e.Amount)
}

// mdErrors is how clearly failures said why, and the codes of failures,
// declines and the answers the scenario does not map.
func mdErrors(w io.Writer, s *analysis.Summary) {
	c := s.ErrorClarity
	mdf(w, "\n## Errors\n\n%d failed payments: %d with a specific reason (%s), %d generic, %d without an answer (timeout or broken connection).\n\n",
		c.Failed, c.Specific, pct(c.SpecificShare), c.Generic, c.NoAnswer)
	codesMarkdown(w, s)
}

// mdAudit is the money audit: its verdict, what it checked, and each
// broken invariant's examples.
func mdAudit(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	p("## Money audit\n\n%s.\n\n", auditLine(s))
	if c := coverageLine(s); c != "" {
		p("%s.\n\n", strings.ToUpper(c[:1])+c[1:])
	}
	if b := blindLine(s); b != "" && !strings.Contains(auditLine(s), b) {
		p("**Inconclusive:** %s.\n\n", b)
	}
	for _, n := range auditNotes(s) {
		p("%s.\n\n", mdLine(strings.ToUpper(n[:1])+n[1:]))
	}
	if a := s.Audit; a != nil && len(a.Violations) > 0 {
		p("| invariant | count | example key | account | amount | told | ledger |\n|---|---|---|---|---|---|---|\n")
		for _, v := range a.Violations {
			for i, e := range v.Examples {
				name := ""
				if i == 0 {
					name = fmt.Sprintf("%s %s", v.Invariant, v.Name)
				}
				p("| %s | %d | %s | %s | %s | %s | %s |\n", name, v.Count, cmp.Or(e.Key, "-"), cmp.Or(e.Account, "-"), amountCell(e), e.Told, e.Ledger)
			}
		}
		p("\n")
	}
}

// mdTail is the service's own view and the load generator's health.
func mdTail(w io.Writer, s *analysis.Summary) {
	p := func(format string, args ...any) { mdf(w, format, args...) }
	if line := serviceLine(s); line != "" {
		p("## The service's own view\n\n%s.\n\n", line)
	}
	g := s.Generator
	p("## Load generator\n\nSend lag p50 %.2f ms, p99 %.2f ms, max %.2f ms; CPU at most %.0f%% of %d cores. Trustworthy: %v.\n",
		g.SendLag.P50, g.SendLag.P99, g.SendLag.Max, g.CPUMaxPct, g.CPUs, g.Trustworthy)
}
