package analysis

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// clock is a decision clock over 30 s of payments answered pending at
// 10/s, each decided at final(answered), judged with a 1 s limit in 1 s
// buckets and a recovery of 3 s.
func clock(final func(a float64) float64, faults ...suspect) *decisionClock {
	var ds []decision
	for i := range 300 {
		a := float64(i) / 10
		ds = append(ds, decision{answered: a, final: final(a)})
	}
	return newDecisionClock(ds, 1, 1, 3, faults)
}

func fault(name string, start, end float64) suspect {
	return suspect{name: name, start: start, end: end, horizon: end + 10, injected: true}
}

// TestDecisionsOfAQueueThatDrains: a queued ledger whose database is down
// from 10 s to 15 s decides nothing then, and drains its backlog at twice
// the arrival rate after: a payment answered at a is decided at 15 +
// (a - 9.5)/2 from 9.5 s on, or in its own 0.5 s when later. It is late
// (over 1 s) when answered from 9.5 s (its decision due as the fault began)
// to 18.5 s. So the fault's first late decision is known late at 9.5 + 1 s:
// 0.5 s after it began; 56 of them were answered by its revert; the first
// decision in time after them is that of 18.5 s: 3.5 s after the revert.
func TestDecisionsOfAQueueThatDrains(t *testing.T) {
	drain := func(a float64) float64 {
		if a < 9.5 {
			return a + 0.5
		}
		return math.Max(a+0.5, 15+(a-9.5)/2)
	}
	d := clock(drain, fault("db", 10, 15)).judge(0)
	if d.State != StateImpactRecovered || !d.Impact || d.Late != 56 || ptr(d.TimeToImpactS) != 0.5 || ptr(d.TimeToRecoverS) != 3.5 {
		t.Errorf("%s, %d late, impact %v, recover %v; want impact_and_recovered, 56, 0.5 and 3.5", d.State, d.Late, ptr(d.TimeToImpactS), ptr(d.TimeToRecoverS))
	}
	// A second fault before the backlog drained hides the recovery.
	d = clock(drain, fault("db", 10, 15), fault("next", 17, 20)).judge(0)
	if d.State != StateRecoveryHidden || d.Recovered || !slices.Equal(d.HiddenBy, []string{"next"}) || !strings.Contains(d.Note, "began 2 s after the revert") {
		t.Errorf("%s, hidden by %v (%s); want recovery_hidden by next", d.State, d.HiddenBy, d.Note)
	}
	// One that is still in force at the revert hides it too.
	d = clock(drain, fault("db", 10, 15), fault("long", 12, 25)).judge(0)
	if d.State != StateRecoveryHidden || !slices.Equal(d.HiddenBy, []string{"long"}) {
		t.Errorf("%s, hidden by %v; want recovery_hidden by long", d.State, d.HiddenBy)
	}
}

// TestDecisionsOtherStates: decisions always in time are no impact; late
// before the fault began, already unhealthy; never made again after it,
// no recovery; a fault never injected, skipped.
func TestDecisionsOtherStates(t *testing.T) {
	inTime := func(a float64) float64 { return a + 0.5 }
	if d := clock(inTime, fault("f", 10, 15)).judge(0); d.State != StateNoImpact || d.Impact || d.Late != 0 {
		t.Errorf("in time: %s, %d late; want no_impact", d.State, d.Late)
	}
	late := func(a float64) float64 { return a + 2 }
	if d := clock(late, fault("f", 10, 15)).judge(0); d.State != StateAlreadyUnhealthy || d.Impact {
		t.Errorf("late all along: %s; want already_unhealthy", d.State)
	}
	never := func(a float64) float64 {
		if a+0.5 > 10 {
			return math.Inf(1)
		}
		return a + 0.5
	}
	if d := clock(never, fault("f", 10, 15)).judge(0); d.State != StateDidNotRecover || d.Recovered || d.Late != 55 || d.Note != "" {
		t.Errorf("never decided again: %s, %d late (%s); want did_not_recover with 55 late (9.6 s to 15 s)", d.State, d.Late, d.Note)
	}
	f := fault("f", 10, 15)
	f.injected = false
	if d := clock(inTime, f).judge(0); d.State != StateSkipped {
		t.Errorf("not injected: %s; want skipped", d.State)
	}
}

// TestDecisionsOfAnEarlierFault: fault a loses every decision from 10 s to
// 16 s, and its backlog is decided only at 21 s; b, from 20 s to 25 s,
// hurts nothing. a's late decisions are a's: b had no impact.
func TestDecisionsOfAnEarlierFault(t *testing.T) {
	lost := func(a float64) float64 {
		switch {
		case a+0.5 <= 10 || a >= 16:
			return a + 0.5
		case a < 13:
			return math.Inf(1)
		}
		return 21
	}
	c := clock(lost, fault("a", 10, 16), fault("b", 20, 25))
	if d := c.judge(0); !d.Impact {
		t.Errorf("a: %s, want its impact", d.State)
	}
	if d := c.judge(1); d.State != StateNoImpact || d.Late != 0 {
		t.Errorf("b: %s with %d late, want no_impact: the late decisions were a's", d.State, d.Late)
	}
}

// TestDecisionsTiedAnswers: payments answered at the same instant, one of
// each pair late until 18 s, end in a recovery (a late one and an in-time
// one at the same instant must not send the search back to the same
// window for ever); a fault reverted after the last payment says the run
// ended first.
func TestDecisionsTiedAnswers(t *testing.T) {
	var ds []decision
	for i := range 600 {
		a := float64(i/2) / 10
		d := decision{answered: a, final: a + 0.5}
		if i%2 == 0 && a >= 9.5 && a < 18 {
			d.final = a + 5
		}
		ds = append(ds, d)
	}
	d := newDecisionClock(ds, 1, 1, 3, []suspect{fault("f", 10, 15)}).judge(0)
	if d.State != StateImpactRecovered || ptr(d.TimeToRecoverS) != 3.0 {
		t.Errorf("%s, recover %v; want impact_and_recovered 3 s after the revert (18 s)", d.State, ptr(d.TimeToRecoverS))
	}
	d = newDecisionClock(ds, 1, 1, 3, []suspect{fault("f", 10, 40)}).judge(0)
	if d.State != StateDidNotRecover || d.Note != "the run ended before a recovery could be seen" {
		t.Errorf("reverted after the last payment: %s (%q)", d.State, d.Note)
	}
}

// TestDecisionsBaseline: the limit comes from the decisions made before the
// first fault: their p99.
func TestDecisionsBaseline(t *testing.T) {
	c := clock(func(a float64) float64 { return a + 0.5 + a/100 })
	p99, ok := baselineP99(c.ds, 10)
	if !ok || math.Abs(p99-0.594) > 1e-9 {
		t.Errorf("baseline p99 %v %v, want 0.594 (of the 95 decided before 10 s, the last)", p99, ok)
	}
	if _, ok := baselineP99(c.ds, 0.4); ok {
		t.Error("a baseline with no decision before the first fault")
	}
}

// TestTimeToRecoverSLOCountsDecisions: an asynchronous service whose
// answers were never hurt but whose decisions did not come back breaches
// slo.time_to_recover; one whose decisions came back later than its
// answers is judged on the later.
func TestTimeToRecoverSLOCountsDecisions(t *testing.T) {
	limit := scenario.Duration(5 * time.Second)
	r := &Run{Scenario: &scenario.Scenario{SLO: scenario.SLO{TimeToRecover: &limit}}}
	zero, seven := 0.0, 7.0
	answers := Recovery{State: StateNoImpact, Recovered: true, TimeToRecoverS: &zero}
	s := &Summary{Faults: []FaultStats{{Name: "db", Recovery: answers, Decisions: &Decisions{State: StateDidNotRecover, Impact: true}}}}
	if res := judge(r, s); len(res) != 1 || res[0].Pass || !strings.Contains(res[0].Note, "decisions of fault db did not recover") {
		t.Errorf("decisions never in time again: %+v, want a breach naming them", res)
	}
	s.Faults[0].Decisions = &Decisions{State: StateImpactRecovered, Impact: true, Recovered: true, TimeToRecoverS: &seven}
	if res := judge(r, s); res[0].Pass || res[0].Value == nil || *res[0].Value != 7 {
		t.Errorf("decisions in time again after 7 s: %+v, want 7 > 5", res)
	}
}

// BenchmarkDecisions judges one fault on the decision clock of a run with
// n payments answered pending at 5,000/s, a queue that drains after an
// outage of a tenth of the run: the cost grows with n, not with n times
// the late decisions.
func BenchmarkDecisions(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dur := float64(n) / 5000
			start, end := dur/4, dur/4+dur/10
			ds := make([]decision, n)
			for i := range ds {
				a := float64(i) / 5000
				ds[i] = decision{answered: a, final: math.Max(a+0.5, end+(a-start+0.5)/2)}
				if a+0.5 < start {
					ds[i].final = a + 0.5
				}
			}
			b.ResetTimer()
			for range b.N {
				c := newDecisionClock(slices.Clone(ds), 1, 1, 3, []suspect{fault("db", start, end)})
				if d := c.judge(0); d.State != StateImpactRecovered {
					b.Fatalf("%s", d.State)
				}
			}
		})
	}
}
