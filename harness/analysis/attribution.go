package analysis

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/rundir"
)

// Fault states in summary.json: one word for how each fault went.
const (
	StateImpactRecovered = "impact_and_recovered"
	StateNoImpact        = "no_impact"
	StateDidNotRecover   = "did_not_recover"
	// StateLowerLoad: healthy again only once the offered load had fallen
	// below half its rate before the fault; not counted as a recovery.
	StateLowerLoad = "recovered_at_lower_load"
	// StateShared: the damage began while another fault was in force too,
	// and the two cannot be told apart (shared_with names it).
	StateShared = "shared"
	// StateAlreadyUnhealthy: the payments answered before the fault began
	// were already failing (or slow, and the fault failed none), so its
	// impact cannot be measured.
	StateAlreadyUnhealthy = "already_unhealthy"
	// StateRecoveryHidden: the fault hurt, and another harmful fault was in
	// force at its revert or began before a recovery could be seen
	// (hidden_by names it): no time to recover is given.
	StateRecoveryHidden = "recovery_hidden"
	// StateSkipped: never injected (the run was stopping or had ended).
	StateSkipped = "skipped"
	// StateInjectFailed: the inject call failed and no impact was seen.
	StateInjectFailed = "inject_failed"
)

// lowerLoad is the share of the pre-fault offered rate below which a
// recovery is not counted.
const lowerLoad = 0.5

// damage is what an unhealthy bucket shows: only slow answers, or failures.
type damage int

const (
	none damage = iota
	slow
	failing
)

// slowShare is the share of a bucket's payments over the latency limit
// that makes it slow: more than this, and its p99 is over the limit.
const slowShare = 0.01

func (h Health) damage(b Bucket) damage {
	n := float64(b.Payments + b.Waiting)
	switch {
	case !judged(b):
		return none
	case float64(b.Outcomes.Failures()) > h.MaxFailureRatio*n:
		return failing
	case float64(b.Slow) > slowShare*n:
		return slow
	}
	return none
}

// canFail says whether a fault can make payments fail, not only delay or
// decline them: its effect as the timeline recorded it (rundir.Event.EffectOn)
// for this client timeout.
func canFail(e faultEvent, clientTimeout float64) bool {
	return e.EffectOn(time.Duration(math.Round(clientTimeout*1e9))) == rundir.Fails
}

// owners are the faults that explain the damage of answer bucket i: those
// that caught its damaged payments in flight (at least a fifth as many as
// the fault that caught most: a few payments a fault caught at its very
// edge do not make it an explanation), and, for damaged payments no fault
// caught, those whose after-effects may still show (injected before the
// bucket ended, within their horizon). Of those:
//
//  1. Failures are not charged to a fault that can only slow payments
//     while one that can fail them is among the owners.
//  2. A fault that was in force for a healthy bucket before a later fault
//     began did not do it alone: the later one explains the damage. (A
//     fault that was slowing payments all along may be what fails them
//     now: its timeouts land late.)
//
// More than one owner means the damage is shared.
func (a *attributor) owners(i int) []int {
	b := a.answers[i]
	lo, hi := b.T, b.T+a.bs
	after := at(a.an.unexposed, i).n > 0
	most := 0
	for j := range a.faults {
		most = max(most, at(a.an.credits[j], i).n)
	}
	var c []int
	failer := false
	for j, f := range a.faults {
		caught := at(a.an.credits[j], i).n
		byCredit := caught > 0 && 5*caught >= most
		byAfter := after && f.start < hi && f.horizon > lo
		if !f.injected || !byCredit && !byAfter {
			continue
		}
		c = append(c, j)
		failer = failer || f.canFail
	}
	d := a.h.damage(b)
	if d == failing && failer {
		c = slices.DeleteFunc(c, func(j int) bool { return !a.faults[j].canFail })
	}
	out := c[:0:0]
	for _, x := range c {
		fx := a.faults[x]
		if !slices.ContainsFunc(c, func(y int) bool {
			return a.faults[y].start > fx.start && a.calmWithin(fx.start, a.faults[y].start)
		}) {
			out = append(out, x)
		}
	}
	return out
}

// before is the damage the service already showed when a fault began at
// start, judged on the payments whose outcome was known before it (the
// answer axis): that of the last judged bucket wholly before it, provided at
// least half of the judged buckets in the recovery stretch before it showed
// it. Payments still in flight at start are the fault's, not the baseline's.
func (a *attributor) before(start float64) damage {
	j := min(int(math.Floor(start/a.bs+1e-9)), len(a.answers))
	var ds []damage
	for i := max(j-a.need, 0); i < j; i++ {
		if judged(a.answers[i]) {
			ds = append(ds, a.h.damage(a.answers[i]))
		}
	}
	if len(ds) == 0 || ds[len(ds)-1] == none {
		return none
	}
	nFail, nBad := 0, 0
	for _, d := range ds {
		if d == failing {
			nFail++
		}
		if d != none {
			nBad++
		}
	}
	switch {
	case ds[len(ds)-1] == failing && 2*nFail >= len(ds):
		return failing
	case 2*nBad >= len(ds):
		return slow
	}
	return none
}

// calmWithin says whether a judged, healthy answer bucket lies wholly in
// [from, to): proof that what was in force from `from` did no damage alone.
func (a *attributor) calmWithin(from, to float64) bool {
	i := min(max(int(math.Ceil(from/a.bs-1e-9)), 0), len(a.answers))
	j := min(a.at(to), len(a.answers))
	return j > i && a.calm[j] > a.calm[i]
}

// names lists the suspects' names at idx, but k's, in order.
func (a *attributor) names(idx []int, k int) []string {
	var out []string
	for _, j := range idx {
		if j != k && !slices.Contains(out, a.faults[j].name) {
			out = append(out, a.faults[j].name)
		}
	}
	return out
}

// addNames appends the names not yet in list.
func addNames(list []string, more ...string) []string {
	for _, n := range more {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// listed says "fault a" or "faults a, b".
func listed(ns []string) string {
	if len(ns) == 1 {
		return "fault " + ns[0]
	}
	return "faults " + strings.Join(ns, ", ")
}

// were says "fault a was" or "faults a, b were".
func were(ns []string) string {
	if len(ns) == 1 {
		return listed(ns) + " was"
	}
	return listed(ns) + " were"
}
