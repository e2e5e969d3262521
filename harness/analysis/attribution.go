package analysis

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/fault"
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
	// StateAlreadyUnhealthy: the service was failing before the fault
	// began, so its impact cannot be measured.
	StateAlreadyUnhealthy = "already_unhealthy"
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

func (h Health) damage(b Bucket) damage {
	switch {
	case !judged(b):
		return none
	case b.FailureRatio > h.MaxFailureRatio:
		return failing
	case b.Latency.P99 > h.MaxP99MS:
		return slow
	}
	return none
}

// suspect is one fault as attribution sees it: when it could have done
// damage, and whether it can make payments fail at all.
type suspect struct {
	name                string
	start, end, horizon float64
	injected, canFail   bool
}

// judgeFaults gives every event its Recovery. Damage is attributed to the
// fault that explains it (see owners), so that of two overlapping faults the
// mild one is not charged with the strong one's impact.
func judgeFaults(events []faultEvent, series []Bucket, bucketS, duration, recoveredAfter, clientTimeout float64, h Health) []Recovery {
	sus := make([]suspect, len(events))
	for i, e := range events {
		start, end := faultSpan(e)
		sus[i] = suspect{name: e.Name, start: start, end: end, horizon: math.Min(duration, end+math.Max(10, end-start)),
			injected: e.State != "skipped" && e.State != "planned", canFail: canFail(e, clientTimeout)}
	}
	a := newAttributor(series, bucketS, recoveredAfter, h, sus)
	out := make([]Recovery, len(events))
	for i, e := range events {
		r := a.judge(i)
		switch {
		case r.State == StateSkipped:
			r.Note = cmp.Or(e.SkipReason, "never injected")
		case r.State == StateNoImpact && e.InjectError != "":
			r.State = StateInjectFailed
		case !r.Recovered && r.Note == "":
			_, end := faultSpan(e)
			r.Note = nextFault(events, e, end, recoveredAfter)
		}
		out[i] = r
	}
	return out
}

// canFail says whether a fault can make payments fail, not only delay or
// decline them: its kind's effect (fault.EffectOf) for this client timeout.
func canFail(e faultEvent, clientTimeout float64) bool {
	return fault.EffectOf(e.Kind, e.Target, e.Params, time.Duration(math.Round(clientTimeout*1e9))) == fault.Fails
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

// attributor judges faults against one series, one base time.
type attributor struct {
	series []Bucket
	bs     float64
	h      Health
	need   int // judged healthy buckets a recovery needs
	faults []suspect
	// calm[d][i] counts the judged buckets before index i free of damage
	// d: healthy ones for slow, those without failures for failing.
	calm [3][]int
}

func newAttributor(series []Bucket, bucketS, recoveredAfter float64, h Health, faults []suspect) *attributor {
	a := &attributor{series: series, bs: bucketS, h: h, faults: faults,
		need: max(int(math.Ceil(recoveredAfter/bucketS-1e-9)), 1)}
	for _, d := range []damage{slow, failing} {
		a.calm[d] = make([]int, len(series)+1)
		for i, b := range series {
			a.calm[d][i+1] = a.calm[d][i]
			if judged(b) && h.damage(b) < d {
				a.calm[d][i+1]++
			}
		}
	}
	return a
}

// at is the index of the bucket holding t, clamped to the series.
func (a *attributor) at(t float64) int {
	return min(max(int(math.Floor(t/a.bs+1e-9)), 0), len(a.series))
}

// calmWithin says whether a judged bucket free of damage d lies wholly in
// [from, to): proof that what was in force from `from` did not do d alone.
func (a *attributor) calmWithin(d damage, from, to float64) bool {
	i := min(max(int(math.Ceil(from/a.bs-1e-9)), 0), len(a.series))
	j := a.at(to)
	return j > i && a.calm[d][j] > a.calm[d][i]
}

// owners are the faults that explain the damage of bucket i, among those
// that could have caused it (injected before the bucket ended, and within
// their impact horizon):
//
//  1. Failures are not charged to a fault that can only slow payments
//     while one that can fail them is in force.
//  2. A fault that was in force for a bucket free of this damage (healthy,
//     or for failures at least not failing) before a later fault began did
//     not do it alone: the later one explains the damage.
//
// More than one owner means the damage is shared.
func (a *attributor) owners(i int) []int {
	b := a.series[i]
	lo, hi := b.T, b.T+a.bs
	var c []int
	failerInForce := false
	for j, f := range a.faults {
		if !f.injected || f.start >= hi || f.horizon <= lo {
			continue
		}
		c = append(c, j)
		failerInForce = failerInForce || f.canFail && f.end > lo
	}
	d := a.h.damage(b)
	if d == failing && failerInForce {
		c = slices.DeleteFunc(c, func(j int) bool { return !a.faults[j].canFail })
	}
	out := c[:0:0]
	for _, x := range c {
		fx := a.faults[x]
		if !slices.ContainsFunc(c, func(y int) bool {
			return a.faults[y].start > fx.start && a.calmWithin(d, fx.start, a.faults[y].start)
		}) {
			out = append(out, x)
		}
	}
	return out
}

// before is the damage the service already showed when a fault began at
// start: that of the last judged bucket wholly before it, provided at least
// half of the judged buckets in the recovery stretch before it showed it.
func (a *attributor) before(start float64) damage {
	j := min(int(math.Floor(start/a.bs+1e-9)), len(a.series))
	var ds []damage
	for i := max(j-a.need, 0); i < j; i++ {
		if judged(a.series[i]) {
			ds = append(ds, a.h.damage(a.series[i]))
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
