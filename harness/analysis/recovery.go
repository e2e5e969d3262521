package analysis

import (
	"cmp"
	"fmt"
	"math"
	"sort"
)

// Health decides whether a bucket of the series is healthy: its failure
// ratio and p99 within limits. Rule says where the limits come from: the
// SLO, or (where the SLO is silent) a margin over the payments answered
// before the first fault: failure ratio at most baseline + 0.02, p99 at
// most twice the baseline's (and at least baseline + 20 ms).
type Health struct {
	Rule            string  `json:"rule"`
	MaxFailureRatio float64 `json:"max_failure_ratio"`
	MaxP99MS        float64 `json:"max_p99_ms"`
}

// judged reports whether a bucket has payments to judge: an empty bucket is
// neither healthy nor unhealthy.
func judged(b Bucket) bool { return b.Payments+b.Waiting > 0 }

func (h Health) healthy(b Bucket) bool { return h.damage(b) == none }

// Worst is the worst bucket of a fault's impact, on the answer axis.
type Worst struct {
	T            float64 `json:"t_s"`
	FailureRatio float64 `json:"failure_ratio"`
	P99MS        float64 `json:"p99_ms"`
}

// Recovery is how a fault hurt and how the service came back (README "How
// impact and recovery are measured").
type Recovery struct {
	// Impact is false when no bucket turned unhealthy: "no impact".
	Impact bool `json:"impact"`
	// TimeToImpactS runs from the fault's actual start to the first
	// unhealthy bucket on the answer axis that the fault explains.
	TimeToImpactS *float64 `json:"time_to_impact_s"`
	// Recovered is false when no healthy stretch of recovered_after came
	// after the fault ended: "did not recover", or hidden.
	Recovered bool `json:"recovered"`
	// TimeToRecoverS runs from the fault's actual end to the send time of
	// the first payment of a healthy stretch lasting recovered_after, among
	// the payments sent after the revert that no harmful fault caught.
	TimeToRecoverS *float64 `json:"time_to_recover_s"`
	// TimeToRecoverByAnswerS runs from the fault's actual end to the first
	// answer bucket that starts a healthy stretch: what a dashboard of the
	// service's answers shows, the fault's own late answers included.
	TimeToRecoverByAnswerS *float64 `json:"time_to_recover_by_answer_s,omitempty"`
	// UnhealthyS is the total unhealthy time from impact to recovery.
	UnhealthyS float64 `json:"unhealthy_s"`
	Worst      *Worst  `json:"worst,omitempty"`
	// CaughtInFlight counts the payments sent before the fault began that
	// it damaged (failed, or slowed past the latency limit): counted as
	// the fault's, not as the service's state before it.
	CaughtInFlight int `json:"caught_in_flight,omitempty"`
	// State is how the fault went, in one word: impact_and_recovered,
	// no_impact, did_not_recover, recovered_at_lower_load, shared,
	// already_unhealthy, recovery_hidden, skipped or inject_failed (the
	// State constants).
	State string `json:"state"`
	// SharedWith names the faults in force when the damage began that
	// cannot be told apart from this one.
	SharedWith []string `json:"shared_with,omitempty"`
	// AttributedTo names the faults that damage inside this fault's window
	// was attributed to instead.
	AttributedTo []string `json:"attributed_to,omitempty"`
	// HiddenBy names the harmful fault that was in force at the revert, or
	// began before a recovery could be seen: then there is no time to
	// recover, never a number that is the other fault's.
	HiddenBy []string `json:"hidden_by,omitempty"`
	// Note explains the state: a hidden recovery, damage attributed
	// elsewhere, a skip.
	Note string `json:"note,omitempty"`
}

// judgeFaults gives every event its Recovery: first the onset of each
// (which faults were harmful), then each recovery among the payments no
// harmful fault caught.
func judgeFaults(events []faultEvent, sus []suspect, send []Bucket, an *answered, bucketS, recoveredAfter float64, h Health) []Recovery {
	a := newAttributor(send, an, bucketS, recoveredAfter, h, sus)
	ons := make([]onset, len(events))
	for k := range events {
		ons[k] = a.onset(k)
	}
	harmful := func(k int) bool { return a.faults[k].injected && !(ons[k].bad < 0 && ons[k].pre == none) }
	a.clean = an.cleanOf(send, harmful)
	out := make([]Recovery, len(events))
	for k, e := range events {
		r := a.judge(k, ons[k], harmful)
		switch {
		case r.State == StateSkipped:
			r.Note = cmp.Or(e.SkipReason, "never injected")
		case r.State == StateNoImpact && e.InjectError != "":
			r.State = StateInjectFailed
		}
		out[k] = r
	}
	return out
}

// attributor judges faults against the two axes of one run.
type attributor struct {
	answers []Bucket // answer axis: impact
	send    []Bucket // send axis: offered load
	clean   []Bucket // send axis, payments no harmful fault caught: recovery
	bs      float64
	h       Health
	need    int // judged healthy buckets a recovery needs
	faults  []suspect
	an      *answered
	// calm[i] counts the judged, healthy answer buckets before index i.
	calm []int
}

func newAttributor(send []Bucket, an *answered, bucketS, recoveredAfter float64, h Health, faults []suspect) *attributor {
	a := &attributor{answers: an.rows, send: send, clean: send, bs: bucketS, h: h, faults: faults, an: an,
		need: max(int(math.Ceil(recoveredAfter/bucketS-1e-9)), 1)}
	a.calm = make([]int, len(a.answers)+1)
	for i, b := range a.answers {
		a.calm[i+1] = a.calm[i]
		if judged(b) && h.healthy(b) {
			a.calm[i+1]++
		}
	}
	return a
}

// at is the index of the bucket holding t (clamped at 0).
func (a *attributor) at(t float64) int {
	if math.IsInf(t, 1) {
		return math.MaxInt
	}
	return max(int(math.Floor(t/a.bs+1e-9)), 0)
}

// stretch finds the first judged bucket of s in [from, to) that starts a
// healthy stretch of need judged buckets, all before to: its index and the
// index after the stretch, or -1.
func (a *attributor) stretch(s []Bucket, from, to int) (int, int) {
	to = min(to, len(s))
	for i := from; i < to; i++ {
		if !judged(s[i]) {
			continue
		}
		run, j := 0, i
		for ; j < to && run < a.need; j++ {
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
	return -1, to
}

// offered is the mean offered load per bucket of send buckets [i, j).
func (a *attributor) offered(i, j int) float64 {
	i, j = max(i, 0), min(j, len(a.send))
	if j <= i {
		return 0
	}
	sum := 0.0
	for _, b := range a.send[i:j] {
		sum += b.Offered
	}
	return sum / float64(j-i)
}

// baseline derives the health rule: the SLO's limits where it sets them,
// else a margin over the buckets of series (the answer axis) wholly before
// the first fault.
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

// secsAfter says "x s" rounded for notes.
func secsAfter(x float64) string { return fmt.Sprintf("%g s", round(x, 3)) }
