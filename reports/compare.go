package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

// Thresholds say how much worse a new run may be before it is a regression.
type Thresholds struct {
	// FailureRatio is the largest allowed increase, absolute (0.01 = one point).
	FailureRatio float64
	// P99 is the largest allowed increase, relative (0.2 = 20% slower).
	P99 float64
	// RecoverS is the largest allowed increase of a fault's time to recover.
	RecoverS float64
	// Capacity is the largest allowed drop of sustainable rate, relative.
	Capacity float64
}

// Row is one compared measure.
type Row struct {
	Measure    string
	Base, New  string
	Change     string
	Limit      string
	Regression bool
}

// Compare lines two summaries up and flags each regression beyond t.
// Faults are matched by name.
func Compare(base, next *analysis.Summary, t Thresholds) []Row {
	var rows []Row
	d := next.FailureRatio - base.FailureRatio
	rows = append(rows, Row{"failure ratio", pct(base.FailureRatio), pct(next.FailureRatio), fmt.Sprintf("%+.2f pt", 100*d),
		fmt.Sprintf("+%.2f pt", 100*t.FailureRatio), d > t.FailureRatio+1e-12})
	rel := 0.0
	if base.Latency.P99 > 0 {
		rel = next.Latency.P99/base.Latency.P99 - 1
	}
	rows = append(rows, Row{"p99 latency", fmt.Sprintf("%.1f ms", base.Latency.P99), fmt.Sprintf("%.1f ms", next.Latency.P99),
		fmt.Sprintf("%+.1f%%", 100*rel), fmt.Sprintf("+%.0f%%", 100*t.P99), rel > t.P99})
	for _, nf := range next.Faults {
		for _, bf := range base.Faults {
			if bf.Name != nf.Name {
				continue
			}
			row := Row{Measure: "time to recover after " + nf.Name, Base: recoverText(bf), New: recoverText(nf),
				Limit: fmt.Sprintf("+%gs", t.RecoverS)}
			switch {
			case bf.Recovered && !nf.Recovered:
				row.Change, row.Regression = "no longer recovers", true
			case bf.TimeToRecoverS != nil && nf.TimeToRecoverS != nil:
				dr := *nf.TimeToRecoverS - *bf.TimeToRecoverS
				row.Change, row.Regression = fmt.Sprintf("%+.1f s", dr), dr > t.RecoverS
			default:
				row.Change = "-"
			}
			rows = append(rows, row)
			if bf.Decisions != nil && nf.Decisions != nil {
				rows = append(rows, decisionsRow(nf.Name, bf.Decisions, nf.Decisions, t.RecoverS))
			}
		}
	}
	return rows
}

// decisionsRow compares a fault's recovery on the decision clock (an
// asynchronous service's final states): no longer in time again, or later
// by more than the allowed seconds, is a regression.
func decisionsRow(name string, b, n *analysis.Decisions, allowS float64) Row {
	text := func(d *analysis.Decisions) string {
		switch {
		case d.State == analysis.StateSkipped || d.State == analysis.StateAlreadyUnhealthy:
			return strings.ReplaceAll(d.State, "_", " ")
		case !d.Impact:
			return "no impact"
		case d.Recovered:
			return opt(d.TimeToRecoverS, " s")
		}
		return "did not recover"
	}
	row := Row{Measure: "decisions in time again after " + name, Base: text(b), New: text(n), Limit: fmt.Sprintf("+%gs", allowS), Change: "-"}
	switch {
	case b.Recovered && n.Impact && !n.Recovered:
		row.Change, row.Regression = "no longer recovers", true
	case b.TimeToRecoverS != nil && n.TimeToRecoverS != nil:
		dr := *n.TimeToRecoverS - *b.TimeToRecoverS
		row.Change, row.Regression = fmt.Sprintf("%+.1f s", dr), dr > allowS
	}
	return row
}

// CapacityFigure is one CPU limit's sustainable rate in capacity.json, and,
// when it is no finding about the service (the host or the generator bound
// it, nothing explained it, or it was flagged as non-monotone), why.
type CapacityFigure struct {
	Rate       float64
	NotFinding string
}

// CompareCapacity adds the sustainable rate per CPU limit of two capacity
// runs, in the order of the limits; a drop beyond t.Capacity is a
// regression only when both figures are findings about the service: a
// figure the machine bound is shown, with why, and never fails the check.
func CompareCapacity(base, next map[float64]CapacityFigure, t Thresholds) []Row {
	var rows []Row
	for _, cpus := range slices.Sorted(maps.Keys(base)) {
		b, n := base[cpus], next[cpus]
		if _, ok := next[cpus]; !ok || b.Rate <= 0 {
			continue
		}
		drop := 1 - n.Rate/b.Rate
		limit, why := fmt.Sprintf("-%.0f%%", 100*t.Capacity), ""
		switch {
		case b.NotFinding != "":
			why = "base: " + b.NotFinding
		case n.NotFinding != "":
			why = "new: " + n.NotFinding
		}
		if why != "" {
			limit = "not compared (" + why + ")"
		}
		rows = append(rows, Row{fmt.Sprintf("capacity at %g CPUs", cpus), fmt.Sprintf("%.0f/s", b.Rate), fmt.Sprintf("%.0f/s", n.Rate),
			fmt.Sprintf("%+.1f%%", -100*drop), limit, why == "" && drop > t.Capacity})
	}
	return rows
}

func recoverText(f analysis.FaultStats) string {
	_, r := recoveryText(f)
	return r
}

// CompareMarkdown prints the rows as a Markdown table for a CI log and
// reports whether any is a regression.
func CompareMarkdown(w io.Writer, base, next string, rows []Row) bool {
	mdf(w, "| measure | base (%s) | new (%s) | change | allowed | |\n|---|---|---|---|---|---|\n", base, next)
	bad := false
	for _, r := range rows {
		mark := markup("ok")
		if r.Regression {
			mark, bad = "**regression**", true
		}
		mdf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Measure, r.Base, r.New, r.Change, r.Limit, mark)
	}
	return bad
}
