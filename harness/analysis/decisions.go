package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Decisions is how a fault hurt an asynchronous service's decisions (the
// final states told later, summary.settle) and how they came back: the
// second clock of a service that answers "pending" at once while a fault
// holds what it decides. A payment's decision is late when it was made
// more than LimitMS after its pending answer, or no final state came. A
// decision told by a poll is taken midway between the last poll that still
// said pending (or the pending answer) and the poll that told it: within
// half a poll interval of when it was made.
type Decisions struct {
	// LimitMS is the lateness limit; Rule says where it comes from: "slo"
	// (slo.settle_p99), "baseline" (the payments decided before the first
	// fault: twice their p99, at least their p99 + 20 ms) or "settle"
	// (target.settle: with no baseline, only a decision that never came
	// within it is late).
	LimitMS float64 `json:"limit_ms"`
	Rule    string  `json:"rule"`
	// State is no_impact, impact_and_recovered, did_not_recover,
	// recovery_hidden, already_unhealthy or skipped (as for the answers).
	State  string `json:"state"`
	Impact bool   `json:"impact"`
	// TimeToImpactS runs from the fault's start to the moment its first
	// late decision was known to be late: its pending answer plus LimitMS.
	TimeToImpactS *float64 `json:"time_to_impact_s"`
	Recovered     bool     `json:"recovered"`
	// TimeToRecoverS runs from the fault's end to the first payment
	// answered pending after it of a stretch of recovered_after whose
	// decisions all came in time (at most 1% late a bucket).
	TimeToRecoverS *float64 `json:"time_to_recover_s"`
	// Late counts the fault's late decisions: of the payments answered by
	// its revert whose decision was neither made nor known late when it
	// began (their answer + LimitMS after its start), in an answer bucket
	// with more than 1% late (a stray late decision is no impact). Faults
	// in force together each count the late decisions of their windows.
	Late     int      `json:"late"`
	HiddenBy []string `json:"hidden_by,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// NotRecovered says whether the fault hurt the decisions and they were not
// seen in time again (hidden or not); false for nil, for decisions already
// late before the fault, and for no impact.
func (d *Decisions) NotRecovered() bool {
	return d != nil && d.Impact && !d.Recovered && d.State != StateAlreadyUnhealthy
}

// decision is one payment answered pending: when, and when it was decided
// (+Inf if no final state came within target.settle), in seconds: when the
// notification came, or, told by a poll, midway between the last poll that
// still said pending (or the pending answer) and the one that told it.
type decision struct{ answered, final float64 }

func (d decision) late(limit float64) bool { return d.final-d.answered > limit }

// decisionClock judges faults on the decision clock.
type decisionClock struct {
	ds        []decision // by answer time
	limit, bs float64
	need      int
	faults    []suspect
	// bad[i] says whether answer bucket i ([i*bs, (i+1)*bs)) is damaged.
	bad []bool
}

// decisions judges every fault on the decision clock; nil when the target
// tells no final states later or no payment was answered pending.
func (s *settleAcc) decisions(r *Run, sus []suspect, bs, recoveredAfter float64) []*Decisions {
	if !r.Scenario.Target.Async() || len(s.pending) == 0 {
		return nil
	}
	settle := r.Scenario.Target.SettleTime()
	// As on the answer axis, a corrupt time cannot size the clock.
	horizon := (r.Plan.Duration() + 2*maxSendLag + answerSlack(r)).Seconds()
	var ds []decision
	for seq, p := range s.pending {
		d := decision{answered: min(max(p.answered.Seconds(), 0), horizon), final: math.Inf(1)}
		if f, ok := s.final[seq]; ok && f.at-p.answered <= settle {
			d.final = f.at.Seconds()
			// A poll tells a decision up to a poll interval after it was
			// made: after the last poll that said pending, or the answer.
			if lo := max(p.answered, s.asked[seq]); f.polled && lo < f.at {
				d.final = (lo + f.at).Seconds() / 2
			}
		}
		ds = append(ds, d)
	}
	rule, limit := "settle", settle.Seconds()
	if slo := r.Scenario.SLO.SettleP99; slo != nil {
		rule, limit = "slo", slo.D().Seconds()
	} else if p99, ok := baselineP99(ds, firstStart(sus)); ok {
		rule, limit = "baseline", math.Max(2*p99, p99+0.02)
	}
	c := newDecisionClock(ds, limit, bs, max(int(math.Ceil(recoveredAfter/bs-1e-9)), 1), sus)
	out := make([]*Decisions, len(sus))
	for k := range sus {
		out[k] = c.judge(k)
		out[k].LimitMS, out[k].Rule = round(c.limit*1000, 3), rule
	}
	return out
}

// newDecisionClock sorts ds by answer time and judges each answer bucket.
func newDecisionClock(ds []decision, limit, bs float64, need int, faults []suspect) *decisionClock {
	slices.SortFunc(ds, func(a, b decision) int { return cmp.Compare(a.answered, b.answered) })
	c := &decisionClock{ds: ds, limit: limit, bs: bs, need: need, faults: faults}
	if n := len(ds); n > 0 {
		c.bad = make([]bool, int(ds[n-1].answered/bs)+1)
		for i := range c.bad {
			c.bad[i], _ = c.damaged(float64(i)*bs, float64(i+1)*bs)
		}
	}
	return c
}

// baselineP99 is the p99 time to a decision of the payments decided
// before the first fault began.
func baselineP99(ds []decision, first float64) (float64, bool) {
	var xs []float64
	for _, d := range ds {
		if d.final < first {
			xs = append(xs, d.final-d.answered)
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	return xs[min(int(math.Ceil(0.99*float64(len(xs))))-1, len(xs)-1)], true
}

// index is the first decision answered at or after t.
func (c *decisionClock) index(t float64) int {
	i, _ := slices.BinarySearchFunc(c.ds, t, func(d decision, t float64) int { return cmp.Compare(d.answered, t) })
	return i
}

// afterLastLate is the index of the first decision answered after the
// last late one answered in [from, to) (strictly after: one answered at the
// same instant would start a window holding it again): where a stretch in
// time may begin.
func (c *decisionClock) afterLastLate(from, to float64) int {
	for i := c.index(to) - 1; i >= c.index(from); i-- {
		if c.ds[i].late(c.limit) {
			j, _ := slices.BinarySearchFunc(c.ds, c.ds[i].answered, func(d decision, t float64) int {
				if d.answered <= t {
					return -1
				}
				return 1
			})
			return j
		}
	}
	return c.index(to)
}

// damaged says whether more than 1% of the decisions of payments answered
// in [from, to) were late; judged is false when there were none.
func (c *decisionClock) damaged(from, to float64) (bad, judged bool) {
	n, late := 0, 0
	for i := c.index(from); i < len(c.ds) && c.ds[i].answered < to; i++ {
		n++
		if c.ds[i].late(c.limit) {
			late++
		}
	}
	return float64(late) > slowShare*float64(n), n > 0
}

// judge says how fault k hurt the decisions and how they came back.
func (c *decisionClock) judge(k int) *Decisions {
	f := c.faults[k]
	out := &Decisions{State: StateNoImpact}
	if !f.injected {
		out.State = StateSkipped
		return out
	}
	// Known late before the fault began: the service was already late.
	if bad, ok := c.damaged(f.start-c.limit-c.bs, f.start-c.limit); ok && bad {
		out.State, out.Note = StateAlreadyUnhealthy, "decisions were already late before the fault began"
		return out
	}
	first := math.Inf(1)
	for _, d := range c.ds {
		// Its decisions: late, answered by its revert, neither decided nor
		// known late before it began (an earlier fault's, or the baseline's).
		if d.answered > f.end || d.final <= f.start || d.answered+c.limit <= f.start || !d.late(c.limit) {
			continue
		}
		if c.bad[min(int(d.answered/c.bs), len(c.bad)-1)] {
			out.Late++
			first = math.Min(first, d.answered+c.limit)
		}
	}
	if out.Late == 0 {
		zero := 0.0
		out.Recovered, out.TimeToRecoverS = true, &zero
		return out
	}
	tti := round(math.Max(0, first-f.start), 3)
	out.Impact, out.TimeToImpactS = true, &tti
	c.recover(k, out)
	return out
}

// recover finds the first stretch of need healthy buckets of payments
// answered from the revert on, before the next fault began: tried from
// the first payment after it, and after an unhealthy bucket from the
// first payment after that bucket's last late decision.
func (c *decisionClock) recover(k int, out *Decisions) {
	f := c.faults[k]
	next := math.Inf(1)
	for j, g := range c.faults {
		switch {
		case j == k || !g.injected:
		case g.start <= f.end && g.end > f.end+c.bs/2:
			out.HiddenBy = addNames(out.HiddenBy, g.name)
		case g.start > f.end:
			next = math.Min(next, g.start)
		}
	}
	if len(out.HiddenBy) > 0 {
		out.State, out.Note = StateRecoveryHidden, listed(out.HiddenBy)+" was still in force when this fault was reverted: its recovery cannot be seen"
		return
	}
	last := c.ds[len(c.ds)-1].answered
	ended := false // the last stretch tried met no late bucket: the run ended first
	i := c.index(f.end)
	for i < len(c.ds) && c.ds[i].answered < next {
		from := c.ds[i].answered
		run, restart := 0, -1
		for t := from; run < c.need && t <= last && t+c.bs <= next; t += c.bs {
			bad, judged := c.damaged(t, t+c.bs)
			if bad {
				restart = c.afterLastLate(t, t+c.bs)
				break
			}
			if judged {
				run++
			}
		}
		if run >= c.need {
			ttr := round(math.Max(0, from-f.end), 3)
			out.State, out.Recovered, out.TimeToRecoverS = StateImpactRecovered, true, &ttr
			return
		}
		if restart < 0 {
			ended = true
			break
		}
		i = max(restart, i+1)
	}
	ended = ended || c.index(f.end) >= len(c.ds) // no payment was answered after the revert
	out.State = StateDidNotRecover
	if ended && math.IsInf(next, 1) {
		out.Note = "the run ended before a recovery could be seen"
	}
	if !math.IsInf(next, 1) {
		out.State, out.HiddenBy = StateRecoveryHidden, startingAt(c.faults, next)
		out.Note = fmt.Sprintf("%s began %s after the revert, before %s of decisions in time could be seen: the recovery is hidden",
			listed(out.HiddenBy), secsAfter(next-f.end), secsAfter(float64(c.need)*c.bs))
	}
}
