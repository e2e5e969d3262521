package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/analysis"
)

// db is the trial's database fault, if the summary has it.
func (t swarmTrial) db() analysis.FaultStats {
	for _, f := range t.sum.Faults {
		if f.Name == "db-blackhole" {
			return f
		}
	}
	return analysis.FaultStats{}
}

func (t swarmTrial) cells() string {
	s, f := t.sum, t.db()
	r := s.Requests
	return fmt.Sprintf("| %d | %d | %d | %d | %.2f | %.1f | %s | %s | %s | %s | %.0f | %s |", r.Payments, r.Approved, r.Declined, r.Failures(),
		s.Latency.P50, s.Latency.P99, optS(f.TimeToImpactS), optS(f.TimeToRecoverS), f.State, auditCell(s), t.wall.Seconds(), pctCell(t.steal))
}

// mostSteal is the highest of the steal figures measured; NaN when none
// was (an unknown one, NaN, is skipped; the max builtin would return it).
func mostSteal(xs ...float64) float64 {
	most := math.NaN()
	for _, x := range xs {
		if x > most || math.IsNaN(most) {
			most = x
		}
	}
	return most
}

func pctCell(v float64) string {
	if math.IsNaN(v) {
		return "?"
	}
	return fmt.Sprintf("%.1f", v)
}

func auditCell(s *analysis.Summary) string {
	a := s.Audit
	switch {
	case a == nil || !a.Checked:
		return "not checked"
	case len(a.Violations) > 0:
		return fmt.Sprintf("%d violations", len(a.Violations))
	case a.Inconclusive:
		return "inconclusive: " + a.Note
	}
	return fmt.Sprintf("clean, %d keys (%s)", a.Keys, a.Source)
}

// median of f over trials; NaN when a trial has no value.
func median(ts []swarmTrial, f func(swarmTrial) *float64) float64 {
	var xs []float64
	for _, t := range ts {
		v := f(t)
		if v == nil {
			return math.NaN()
		}
		xs = append(xs, *v)
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func (c swarmConfig) table(res [2][]swarmTrial, began time.Time, load0 string) string {
	var rows []string
	names := []string{"`authquake run`", fmt.Sprintf("`authquake swarm --workers %d`", c.workers)}
	for k := range c.trials {
		for i := range 2 {
			rows = append(rows, fmt.Sprintf("| %d | %s %s", k+1, names[i], res[i][k].cells()))
		}
	}
	num := func(x float64) *float64 { return &x }
	m := func(i int, f func(swarmTrial) *float64) float64 { return median(res[i], f) }
	get := []func(swarmTrial) *float64{
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Approved)) },
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Declined)) },
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Failures())) },
		func(t swarmTrial) *float64 { return num(t.sum.Latency.P50) },
		func(t swarmTrial) *float64 { return num(t.sum.Latency.P99) },
		func(t swarmTrial) *float64 { return t.db().TimeToImpactS },
		func(t swarmTrial) *float64 { return t.db().TimeToRecoverS },
	}
	var med [2][]float64
	for i := range 2 {
		cells := []string{}
		for _, f := range get {
			med[i] = append(med[i], m(i, f))
			cells = append(cells, strings.Replace(fmt.Sprintf("%.4g", med[i][len(med[i])-1]), "NaN", "-", 1))
		}
		rows = append(rows, fmt.Sprintf("| median | %s | | %s | | | | | |", names[i], strings.Join(cells, " | ")))
	}
	// The bar, each part from the medians.
	samePayments := true
	for i := range 2 {
		for _, t := range res[i] {
			samePayments = samePayments && t.sum.Requests.Payments == res[0][0].sum.Requests.Payments
		}
	}
	spread := func(i, j int) float64 { // the most one outcome count moves between trials of run i
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range res[i] {
			v := *get[j](t)
			lo, hi = min(lo, v), max(hi, v)
		}
		return hi - lo
	}
	var outcomes []string
	within := true
	for j, o := range []string{"approved", "declined", "failed"} {
		d := med[1][j] - med[0][j]
		within = within && abs(d) <= spread(0, j)
		outcomes = append(outcomes, fmt.Sprintf("%s %+.0f (single runs among themselves: %.0f)", o, d, spread(0, j)))
	}
	d50, d99 := pct(med[1][3], med[0][3]), pct(med[1][4], med[0][4])
	dI, dR := med[1][5]-med[0][5], med[1][6]-med[0][6]
	bucket := res[0][0].sum.BucketS
	held := func(ok bool) string {
		if ok {
			return "held"
		}
		return "**not met**"
	}
	fault := held(abs(dI) <= bucket && abs(dR) <= bucket)
	if math.IsNaN(dI + dR) {
		fault = "**not comparable**: a trial saw no impact or no recovery"
	}
	payments := fmt.Sprintf("the same %d in every run", res[0][0].sum.Requests.Payments)
	steal := func(i int) float64 { return m(i, func(t swarmTrial) *float64 { return num(t.steal) }) }
	var steals []float64
	for i := range 2 {
		for _, t := range res[i] {
			steals = append(steals, t.steal)
		}
	}
	most := mostSteal(steals...)
	stealText := fmt.Sprintf("hypervisor steal, medians: run %s%%, swarm %s%%, the most in a trial %s%%", pctCell(steal(0)), pctCell(steal(1)), pctCell(most))
	if most > analysis.StealWarn {
		stealText += fmt.Sprintf(": above %g%%, other machines on this host took CPU time the trials needed, and their latency says as much of them as of authquake", analysis.StealWarn)
	}
	switch {
	case len(c.repeated) > 0:
		stealText += fmt.Sprintf(". Repeated for steal past %g%% (the table keeps the repeat): %s", c.maxSteal, strings.Join(c.repeated, ", "))
	case c.maxSteal > 0:
		stealText += fmt.Sprintf(". No pair of trials was repeated (steal past %g%% repeats one, at most twice)", c.maxSteal)
	}
	if !samePayments {
		payments = "**they differ**"
	}
	return fmt.Sprintf(`<!-- swarm -->
## Swarm with an authsim target (`+"`make bench-swarm`"+`)

`+"`%s`"+`: authsim with a database blackhole (timeout on db, at %s for %s),
%g/s for %s, seed 23, one attempt a payment with a 1 s timeout, as a single `+"`authquake run`"+` and as `+"`authquake swarm --workers %d`"+`
(`+"`--lead 10s`"+`; the swarm command starts authsim once, runs the fault from the shards' start instant and reads the ledger),
alternating, %d trials each, on a single-node swarm made for each swarm trial and left after it. Measured %s to %s UTC on %s;
load average %s at the start, %s at the end (what else ran shows there). Failed: shed, error, timeout, connection error.

| trial | run | payments | approved | declined | failed | p50 ms | p99 ms | db fault: time to impact | time to recover | state | audit | wall s | steal %% |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
%s

The bar (swarm medians against the single run's):
- payments: %s (the schedule's payments are a function of the seed). Which of them the blackhole catches
  depends on when each is answered, so no two runs have equal outcome counts, single runs included; the bar
  taken: the swarm's median counts within the single runs' own spread: %s (%s).
- p50 %+.1f%%, p99 %+.1f%%: %s (within 5%%).
- time to impact %+.2f s, to recover %+.2f s: %s (within one bucket, %g s).
- %s.
<!-- /swarm -->
`, c.command, c.at, c.length, c.rate, c.dur, c.workers, c.trials, began.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"), machine(), load0, loadAvg(),
		strings.Join(rows, "\n"), payments, held(within), strings.Join(outcomes, ", "),
		d50, d99, held(abs(d50) <= 5 && abs(d99) <= 5), dI, dR, fault, bucket, stealText)
}
