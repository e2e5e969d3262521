package analysis

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Health decides whether a bucket of the series is healthy: its failure
// ratio and p99 within limits. Rule says where the limits come from: the
// SLO, or (where the SLO is silent) a margin over the run's pre-fault
// baseline: failure ratio at most baseline + 0.02, p99 at most twice the
// baseline's (and at least baseline + 20 ms).
type Health struct {
	Rule            string  `json:"rule"`
	MaxFailureRatio float64 `json:"max_failure_ratio"`
	MaxP99MS        float64 `json:"max_p99_ms"`
}

// Judged reports whether a bucket has payments to judge: an empty bucket is
// neither healthy nor unhealthy.
func judged(b Bucket) bool { return b.Payments > 0 }

func (h Health) healthy(b Bucket) bool {
	return b.FailureRatio <= h.MaxFailureRatio && b.Latency.P99 <= h.MaxP99MS
}

// Worst is the worst bucket of a fault's impact.
type Worst struct {
	T            float64 `json:"t_s"`
	FailureRatio float64 `json:"failure_ratio"`
	P99MS        float64 `json:"p99_ms"`
}

// Recovery is how a fault hurt and how the service came back.
type Recovery struct {
	// Impact is false when no bucket turned unhealthy: "no impact".
	Impact bool `json:"impact"`
	// TimeToImpactS runs from the fault's actual start to the first
	// unhealthy bucket.
	TimeToImpactS *float64 `json:"time_to_impact_s"`
	// Recovered is false when no healthy stretch of recovered_after came
	// after the fault ended: "did not recover".
	Recovered bool `json:"recovered"`
	// TimeToRecoverS runs from the fault's actual end to the start of the
	// first healthy stretch lasting recovered_after.
	TimeToRecoverS *float64 `json:"time_to_recover_s"`
	// UnhealthyS is the total unhealthy time from impact to recovery.
	UnhealthyS float64 `json:"unhealthy_s"`
	Worst      *Worst  `json:"worst,omitempty"`
	// State is how the fault went, in one word: impact_and_recovered,
	// no_impact, did_not_recover, recovered_at_lower_load, shared,
	// already_unhealthy, skipped or inject_failed (the State constants).
	State string `json:"state"`
	// SharedWith names the faults in force when the damage began that
	// cannot be told apart from this one.
	SharedWith []string `json:"shared_with,omitempty"`
	// AttributedTo names the faults that damage inside this fault's window
	// was attributed to instead.
	AttributedTo []string `json:"attributed_to,omitempty"`
	// Note explains the state: a recovery that could not be seen because
	// another fault began before it, damage attributed elsewhere, a skip.
	Note string `json:"note,omitempty"`
}

// judge says how fault k hurt and how the service came back: onset, the
// faults it shares or yields its damage to, recovery, and its state.
func (a *attributor) judge(k int) Recovery {
	f, s := a.faults[k], a.series
	if !f.injected {
		return Recovery{State: StateSkipped}
	}
	var r Recovery
	pre := a.before(f.start)
	bad := -1
	if pre == failing {
		r.State, r.Note = StateAlreadyUnhealthy, "the service was already failing when the fault began"
		bad = min(a.at(f.start), len(s))
	} else {
		for i := a.at(f.start); i < min(a.at(f.horizon), len(s)); i++ {
			d := a.h.damage(s[i])
			if d == none || pre == slow && d == slow { // already slow: only failures are new
				continue
			}
			ow := a.owners(i)
			if slices.Contains(ow, k) {
				bad, r.SharedWith = i, a.names(ow, k)
				break
			}
			if len(r.AttributedTo) == 0 {
				r.Note = fmt.Sprintf("the damage from %g s is attributed to %s", round(s[i].T, 3), listed(a.names(ow, k)))
			}
			r.AttributedTo = addNames(r.AttributedTo, a.names(ow, k)...)
		}
	}
	if bad < 0 {
		zero := 0.0
		r.State, r.Recovered, r.TimeToRecoverS = StateNoImpact, true, &zero
		if pre == slow {
			r.Note = strings.TrimSuffix("the service was already slow when the fault began, so only failures would count as its impact; "+r.Note, "; ")
		}
		return r
	}
	if r.State == "" {
		r.Impact = true
		tti := round(math.Max(0, s[bad].T-f.start), 3)
		r.TimeToImpactS = &tti
	}
	rec, after := a.stretch(max(a.at(f.end), bad))
	stop := len(s)
	lower := false
	if rec >= 0 {
		stop = rec
		ttr := round(math.Max(0, s[rec].T-f.end), 3)
		pre, post := a.offered(a.at(f.start-math.Max(f.end-f.start, float64(a.need)*a.bs)), a.at(f.start)), a.offered(rec, after)
		if lower = pre > 0 && post < lowerLoad*pre; lower {
			r.Note = fmt.Sprintf("healthy again %g s after the end, but only at %.3g/s offered against %.3g/s before the fault: not counted as a recovery",
				ttr, post/a.bs, pre/a.bs)
		} else {
			r.Recovered, r.TimeToRecoverS = true, &ttr
		}
	}
	var hidden []string
	for i := bad; i < stop; i++ {
		b := s[i]
		if a.h.damage(b) == none {
			continue
		}
		ow := a.owners(i)
		if !slices.Contains(ow, k) {
			if i >= a.at(f.end) {
				hidden = addNames(hidden, a.names(ow, k)...)
			}
			continue
		}
		r.UnhealthyS += a.bs
		if r.Worst == nil || b.FailureRatio > r.Worst.FailureRatio ||
			b.FailureRatio == r.Worst.FailureRatio && b.Latency.P99 > r.Worst.P99MS {
			r.Worst = &Worst{T: b.T, FailureRatio: b.FailureRatio, P99MS: b.Latency.P99}
		}
	}
	r.UnhealthyS = round(r.UnhealthyS, 3)
	if len(hidden) > 0 && !lower {
		if r.Recovered {
			r.Note = "the damage of " + listed(hidden) + " came before this recovery: the time to recover includes it"
		} else {
			r.Note = "the damage of " + listed(hidden) + " hid the recovery"
		}
	}
	if !r.Recovered && r.Note == "" && rec < 0 && a.healthyTail(bad) {
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
	case lower:
		r.State = StateLowerLoad
	default:
		r.State = StateDidNotRecover
	}
	return r
}

// stretch finds the first judged bucket from i that starts a healthy
// stretch of need judged buckets: its index and the index after the
// stretch, or -1.
func (a *attributor) stretch(from int) (int, int) {
	s := a.series
	for i := from; i < len(s); i++ {
		if !judged(s[i]) {
			continue
		}
		run, j := 0, i
		for ; j < len(s) && run < a.need; j++ {
			if !judged(s[j]) {
				continue
			}
			if !a.h.healthy(s[j]) {
				break
			}
			run++
		}
		if run >= a.need {
			return i, j
		}
	}
	return -1, len(s)
}

// healthyTail says whether the series ends healthy after bucket i: in a
// healthy stretch too short to count as a recovery.
func (a *attributor) healthyTail(i int) bool {
	for j := len(a.series) - 1; j > i; j-- {
		if judged(a.series[j]) {
			return a.h.healthy(a.series[j])
		}
	}
	return false
}

// offered is the mean offered load per bucket of buckets [i, j).
func (a *attributor) offered(i, j int) float64 {
	i, j = max(i, 0), min(j, len(a.series))
	if j <= i {
		return 0
	}
	sum := 0.0
	for _, b := range a.series[i:j] {
		sum += b.Offered
	}
	return sum / float64(j-i)
}

// baseline derives the health rule: the SLO's limits where it sets them,
// else a margin over the buckets before the first fault.
func baseline(series []Bucket, firstFault float64, bucketS float64, sloFailure, sloP99MS *float64) Health {
	h := Health{Rule: "slo"}
	var fr []float64
	var p99 []float64
	for _, b := range series {
		if b.T+bucketS > firstFault {
			break
		}
		if judged(b) {
			fr = append(fr, b.FailureRatio)
			p99 = append(p99, b.Latency.P99)
		}
	}
	baseFR, baseP99 := 0.0, 250.0 // with no pre-fault baseline: 0 failures, 250 ms
	if len(fr) > 0 {
		baseFR, baseP99 = median(fr), median(p99)
	}
	if sloFailure != nil {
		h.MaxFailureRatio = *sloFailure
	} else {
		h.Rule, h.MaxFailureRatio = "baseline", round(baseFR+0.02, 6)
	}
	if sloP99MS != nil {
		h.MaxP99MS = *sloP99MS
	} else {
		h.Rule, h.MaxP99MS = "baseline", round(math.Max(2*baseP99, baseP99+20), 3)
	}
	if sloFailure == nil && sloP99MS != nil || sloFailure != nil && sloP99MS == nil {
		h.Rule = "slo+baseline"
	}
	return h
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
