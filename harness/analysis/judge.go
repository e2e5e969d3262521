package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// onset is how a fault began to hurt, before its recovery is judged.
type onset struct {
	pre        damage   // what the payments answered before it showed
	bad        int      // its first damaged answer bucket that it explains; -1 if none
	shared     []string // the faults that explain that bucket too
	attributed []string // the faults damage in its window went to instead
	note       string
}

// onset finds where fault k began to hurt: the first unhealthy answer
// bucket from its start (within its horizon) that it explains. When the
// payments answered before it were slow, only failures are new. Damage it
// explains by its after-effects alone (no payment of it caught) is not its
// once a healthy stretch has come after its revert: the service had
// recovered from it.
func (a *attributor) onset(k int) onset {
	f := a.faults[k]
	o := onset{bad: -1}
	if !f.injected {
		return o
	}
	o.pre = a.before(f.start)
	if o.pre == failing {
		return o
	}
	for i := a.at(f.start); i < min(a.at(f.horizon)+1, len(a.answers)); i++ {
		d := a.h.damage(a.answers[i])
		if d == none || o.pre == slow && d == slow {
			continue
		}
		ow := a.owners(i)
		if slices.Contains(ow, k) && at(a.an.credits[k], i).n == 0 && a.healedBefore(f.end, a.answers[i].T) {
			break
		}
		if slices.Contains(ow, k) {
			o.bad, o.shared = i, a.names(ow, k)
			return o
		}
		if len(o.attributed) == 0 {
			o.note = fmt.Sprintf("the damage from %g s is attributed to %s", round(a.answers[i].T, 3), listed(a.names(ow, k)))
		}
		o.attributed = addNames(o.attributed, a.names(ow, k)...)
	}
	return o
}

// judge says how fault k hurt and how the service came back.
func (a *attributor) judge(k int, o onset, harmful func(int) bool) Recovery {
	f := a.faults[k]
	if !f.injected {
		return Recovery{State: StateSkipped}
	}
	r := Recovery{AttributedTo: o.attributed, Note: o.note, CaughtInFlight: a.an.caught[k]}
	bad := o.bad
	switch {
	case o.pre == failing:
		r.State, r.Note = StateAlreadyUnhealthy, "the payments answered before the fault began were already failing"
		bad = min(a.at(f.start), len(a.answers))
	case bad < 0 && o.pre == slow:
		r.State = StateAlreadyUnhealthy
		r.Note = strings.TrimSuffix("the payments answered before the fault began were already slow, so only failures would be its impact, and none came; "+r.Note, "; ")
		bad = min(a.at(f.start), len(a.answers))
	case bad < 0:
		zero := 0.0
		r.State, r.Recovered, r.TimeToRecoverS, r.CaughtInFlight = StateNoImpact, true, &zero, 0
		return r
	default:
		r.Impact, r.SharedWith = true, o.shared
		tti := round(math.Max(0, a.firstDamage(k, bad)-f.start), 3)
		r.TimeToImpactS = &tti
	}
	next, hidden := a.limits(k, harmful)
	stop := min(a.at(next), len(a.answers))
	lower := false
	if len(hidden) == 0 {
		if rec, after := a.stretch(a.clean, a.at(f.end), a.at(next)); rec >= 0 {
			ttr := round(math.Max(0, a.clean[rec].T-f.end), 3)
			pre, post := a.offered(a.at(f.start-math.Max(f.end-f.start, float64(a.need)*a.bs)), a.at(f.start)), a.offered(rec, after)
			if lower = pre > 0 && post < lowerLoad*pre; lower {
				r.Note = fmt.Sprintf("healthy again %g s after the end, but only at %.3g/s offered against %.3g/s before the fault: not counted as a recovery",
					ttr, post/a.bs, pre/a.bs)
			} else {
				r.Recovered, r.TimeToRecoverS = true, &ttr
			}
		} else if !math.IsInf(next, 1) && next-f.end < f.horizon-f.end {
			hidden = a.hiddenBy(next)
		} else if !math.IsInf(next, 1) {
			r.Note = fmt.Sprintf("not healthy again in the %s between its revert and %s", secsAfter(next-f.end), listed(a.hiddenBy(next)))
		}
		if ans, _ := a.stretch(a.answers, a.at(f.end), a.at(next)); ans >= 0 && r.Recovered {
			t := round(math.Max(0, a.answers[ans].T-f.end), 3)
			r.TimeToRecoverByAnswerS, stop = &t, ans
		}
	}
	if len(hidden) > 0 {
		r.HiddenBy = hidden
		r.Note = a.hiddenNote(k, hidden, next)
	}
	a.unhealthy(&r, k, bad, stop)
	if !r.Recovered && r.Note == "" && len(hidden) == 0 && a.healthyTail(bad) {
		r.Note = "the run ended before a recovery could be seen"
	}
	switch {
	case r.State != "":
	case len(r.SharedWith) > 0:
		r.State = StateShared
		if r.Note == "" {
			r.Note = "the damage began while " + were(r.SharedWith) + " in force too: it cannot be told apart"
		}
	case r.Recovered:
		r.State = StateImpactRecovered
	case len(r.HiddenBy) > 0:
		r.State = StateRecoveryHidden
	case lower:
		r.State = StateLowerLoad
	default:
		r.State = StateDidNotRecover
	}
	return r
}

// limits bounds fault k's recovery: the harmful faults in force at its
// revert (reverted more than half a bucket after it) hide it at once;
// otherwise a recovery must be seen before next, when the next harmful
// fault began (+Inf if none did). A next fault that began only after k's
// horizon (its length again, at least 10 s) did not cut a recovery short:
// the service was watched that long and was not healthy, so k did not
// recover.
func (a *attributor) limits(k int, harmful func(int) bool) (next float64, hidden []string) {
	f := a.faults[k]
	next = math.Inf(1)
	for j, g := range a.faults {
		switch {
		case j == k || !harmful(j):
		case g.start <= f.end && (g.end > f.end+a.bs/2 || g.end <= g.start && g.start == f.end):
			hidden = addNames(hidden, g.name)
		case g.start > f.end:
			next = math.Min(next, g.start)
		}
	}
	return next, hidden
}

// hiddenBy names the harmful faults that began at next.
func (a *attributor) hiddenBy(next float64) []string { return startingAt(a.faults, next) }

// startingAt names the injected faults that began at t.
func startingAt(faults []suspect, t float64) []string {
	var out []string
	for _, g := range faults {
		if g.injected && g.start == t {
			out = addNames(out, g.name)
		}
	}
	return out
}

func (a *attributor) hiddenNote(k int, hidden []string, next float64) string {
	f := a.faults[k]
	if math.IsInf(next, 1) || next <= f.end || a.hiddenBy(next) == nil || !slices.Equal(a.hiddenBy(next), hidden) {
		return listed(hidden) + " was still in force when this fault was reverted: its recovery cannot be seen"
	}
	return fmt.Sprintf("%s began %s after the revert, before %s of healthy payments sent after it could be seen: the recovery is hidden",
		listed(hidden), secsAfter(next-f.end), secsAfter(float64(a.need)*a.bs))
}

// unhealthy adds up fault k's unhealthy time and worst bucket on the answer
// axis, from its first damaged bucket to stop.
func (a *attributor) unhealthy(r *Recovery, k, bad, stop int) {
	for i := bad; i < min(stop, len(a.answers)); i++ {
		b := a.answers[i]
		if a.h.damage(b) == none || !slices.Contains(a.owners(i), k) {
			continue
		}
		r.UnhealthyS += a.bs
		if r.Worst == nil || b.FailureRatio > r.Worst.FailureRatio ||
			b.FailureRatio == r.Worst.FailureRatio && b.Latency.P99 > r.Worst.P99MS {
			r.Worst = &Worst{T: b.T, FailureRatio: b.FailureRatio, P99MS: b.Latency.P99}
		}
	}
	r.UnhealthyS = round(r.UnhealthyS, 3)
}

// healthyTail says whether the answer axis ends healthy after bucket i: in
// a healthy stretch too short to count as a recovery.
func (a *attributor) healthyTail(i int) bool {
	for j := len(a.answers) - 1; j > i; j-- {
		if judged(a.answers[j]) {
			return a.h.healthy(a.answers[j])
		}
	}
	return false
}

// firstDamage is when fault k's damage on answer bucket i was first known:
// the first damage it caught there, or, if it owns the bucket by its
// after-effects only, the first damage no fault caught; the bucket's start
// if neither is known.
func (a *attributor) firstDamage(k, i int) float64 {
	for _, d := range []damages{at(a.an.credits[k], i), at(a.an.unexposed, i)} {
		if d.n > 0 {
			return math.Max(d.first.Seconds(), a.answers[i].T)
		}
	}
	return a.answers[i].T
}

// healedBefore says whether a healthy stretch of need judged answer buckets
// lies wholly in [from, to).
func (a *attributor) healedBefore(from, to float64) bool {
	i := min(max(int(math.Ceil(from/a.bs-1e-9)), 0), len(a.answers))
	rec, after := a.stretch(a.answers, i, a.at(to))
	return rec >= 0 && after <= a.at(to)
}
