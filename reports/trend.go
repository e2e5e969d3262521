package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/analysis"
)

// TrendInput is one saved run for the trend.
type TrendInput struct {
	// Name is the run directory's base name.
	Name    string
	Started time.Time
	Summary *analysis.Summary
}

// FirstRegression is the first run where a measure regressed beyond the
// thresholds, against the run before it (as compare would say).
type FirstRegression struct {
	Measure string
	Run     string // the run that regressed
	Base    string // the run before it
	From    string // the measure in Base
	To      string // and in Run
	Change  string
	Index   int // of Run in the trend
}

// TrendReport is the runs in start order, the fault names seen, and the
// first regression of each measure.
type TrendReport struct {
	Runs        []TrendInput
	Faults      []string
	Regressions []FirstRegression
}

// Trend orders runs by start time and finds where each measure first
// regressed: every run is compared with the one before it by Compare, with
// the same thresholds; a verdict that stops passing, an audit that stops
// being clean and a generator that stops being trustworthy count too.
// It is a pure function of its input.
func Trend(in []TrendInput, t Thresholds) TrendReport {
	runs := append([]TrendInput(nil), in...)
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Started.Equal(runs[j].Started) {
			return runs[i].Started.Before(runs[j].Started)
		}
		return runs[i].Name < runs[j].Name
	})
	r := TrendReport{Runs: runs}
	seen := map[string]bool{}
	for _, run := range runs {
		for _, f := range run.Summary.Faults {
			if !seen[f.Name] {
				seen[f.Name] = true
				r.Faults = append(r.Faults, f.Name)
			}
		}
	}
	first := map[string]bool{}
	add := func(i int, measure, from, to, change string) {
		if first[measure] {
			return
		}
		first[measure] = true
		r.Regressions = append(r.Regressions, FirstRegression{Measure: measure, Run: runs[i].Name, Base: runs[i-1].Name,
			From: from, To: to, Change: change, Index: i})
	}
	for i := 1; i < len(runs); i++ {
		b, n := runs[i-1].Summary, runs[i].Summary
		if b.Verdict == analysis.VerdictPass && n.Verdict != analysis.VerdictPass {
			add(i, "verdict", b.Verdict, n.Verdict, "no longer passes")
		}
		for _, row := range Compare(b, n, t) {
			if row.Regression {
				add(i, row.Measure, row.Base, row.New, row.Change)
			}
		}
		if ab, an := auditWord(b), auditWord(n); ab == "clean" && an != "clean" {
			add(i, "money audit", ab, an, "no longer clean")
		}
		if b.Generator.Trustworthy && !n.Generator.Trustworthy {
			add(i, "generator", "trustworthy", "not trustworthy", strings.Join(n.Generator.Reasons, "; "))
		}
	}
	return r
}

// auditWord says the audit's result in a word or two.
func auditWord(s *analysis.Summary) string {
	a := s.Audit
	switch {
	case a == nil:
		return "none"
	case len(a.Violations) > 0:
		n := 0
		for _, v := range a.Violations {
			n += v.Count
		}
		return fmt.Sprintf("broken (%d)", n)
	case a.Inconclusive:
		return "inconclusive"
	case !a.Checked:
		return "not checked"
	}
	return "clean"
}

// faultOf finds a fault by name in a run.
func faultOf(s *analysis.Summary, name string) (analysis.FaultStats, bool) {
	for _, f := range s.Faults {
		if f.Name == name {
			return f, true
		}
	}
	return analysis.FaultStats{}, false
}

// TrendMarkdown writes the trend as a Markdown table, then the first
// regression of each measure.
func TrendMarkdown(w io.Writer, r TrendReport) {
	mdf(w, "| run | started (UTC) | verdict | failure ratio | p99 ms |")
	sep := "|---|---|---|---|---|"
	for _, f := range r.Faults {
		mdf(w, " recover %s |", f)
		sep += "---|"
	}
	mdf(w, " audit | generator |\n%s---|---|\n", markup(sep))
	for _, run := range r.Runs {
		s := run.Summary
		mdf(w, "| %s | %s | %s | %s | %.1f |", run.Name, run.Started.UTC().Format("2006-01-02 15:04"), s.Verdict, pct(s.FailureRatio), s.Latency.P99)
		for _, name := range r.Faults {
			text := "-"
			if f, ok := faultOf(s, name); ok {
				text = recoverText(f)
			}
			mdf(w, " %s |", text)
		}
		gen := markup("trustworthy")
		if !s.Generator.Trustworthy {
			gen = "**not trustworthy**"
		}
		mdf(w, " %s | %s |\n", auditWord(s), gen)
	}
	if len(r.Regressions) == 0 {
		fmt.Fprintln(w, "\nNo regression beyond the thresholds.")
		return
	}
	fmt.Fprintln(w, "\n| first regression | run | before it | from | to | change |\n|---|---|---|---|---|---|")
	for _, g := range r.Regressions {
		mdf(w, "| %s | **%s** | %s | %s | %s | %s |\n", g.Measure, g.Run, g.Base, g.From, g.To, g.Change)
	}
}
