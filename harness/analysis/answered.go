package analysis

import (
	"slices"
	"time"

	"github.com/authquake/authquake/harness/traffic"
)

// answered is what the send axis cannot show, filled in the same pass: the
// answer axis, and which fault caught which payment.
//
// On the answer axis a payment lands at its answer (the axis a service's
// own dashboards draw), and, if it waited longer than the latency limit,
// it is late from the moment it passed the limit: a stall shows once the
// limit has passed, not only when the timeouts land. Impact is judged on
// this axis.
//
// Recovery is judged on the send axis, on the payments that no harmful fault
// caught: sent after the revert, answered before the next fault began.
type answered struct {
	sus     []suspect
	limit   time.Duration
	answers *buckets
	// groups[i] splits send bucket i by the suspects that caught its
	// payments, counts only (no histogram): a recovery is judged on the
	// payments that no harmful fault caught, and which faults were harmful
	// is known only once impact is judged.
	groups [][]group
	// credits[k][i] are the damages (a failure, or a payment passing the
	// latency limit) known on answer bucket i that suspect k caught;
	// unexposed[i] those no suspect caught.
	credits   [][]damages
	unexposed []damages
	lateBy    []int // scratch: the suspects a late payment was exposed to
	// caught[k] counts the damaged payments suspect k caught in flight:
	// sent before it began.
	caught []int
	rows   []Bucket // the answer axis, once closed
}

// answerHistograms is how many answer-axis histograms are kept whole (3 MB):
// the attempts file is written in the order answers come, so a few suffice.
const answerHistograms = 16

func newAnswered(plan *traffic.Plan, width time.Duration, sus []suspect, limit, slack time.Duration) answered {
	a := answered{sus: sus, limit: limit, credits: make([][]damages, len(sus)), caught: make([]int, len(sus)),
		answers: newBuckets(plan, width)}
	a.answers.limit = int((plan.Duration()+slack)/width) + 1 // answers come after the plan's end
	a.answers.whole = answerHistograms
	return a
}

// add counts one payment; si is its bucket on the send axis. Its answer
// lands at its answer time. If it waited longer than the latency limit, it
// is also late from the moment it passed the limit, whenever (or whether)
// its answer came: that is when a stall shows. Each damage is credited to
// the suspects in force before it was known: a failure to those of its
// whole flight, lateness to those before it passed the limit.
func (a *answered) add(p *payment, si int) {
	slow := p.latency > a.limit
	ai := a.answers.index(a.bound(p, p.end))
	a.answers.acc(ai).add(p.outcome, p.latency, p.code)
	if p.outcome.Failure() {
		a.credit(ai, a.bound(p, p.end), p.exposed)
	}
	if slow {
		late := p.sched + a.limit
		li := a.answers.index(a.bound(p, late))
		a.answers.rows[li].Slow++
		if li != ai {
			a.answers.rows[li].Waiting++
		}
		a.lateBy = exposure(a.sus, p.sched, late, a.lateBy)
		a.credit(li, a.bound(p, late), a.lateBy)
	}
	if slow || p.outcome.Failure() { // caught in flight: sent before the suspect began
		for _, k := range p.exposed {
			if p.sched.Seconds() < a.sus[k].start {
				a.caught[k]++
			}
		}
	}
	for len(a.groups) <= si {
		a.groups = append(a.groups, nil)
	}
	g := a.group(si, p.exposed)
	g.n++
	switch {
	case p.outcome.Failure():
		g.failed++
	case slow:
		g.slow++
	}
}

// bound keeps an instant of payment p within the send lag's and the
// latency's ranges after its schedule: a corrupt send time cannot size
// the series.
func (a *answered) bound(p *payment, t time.Duration) time.Duration {
	return min(t, p.sched+maxSendLag+maxLatencyUS*time.Microsecond)
}

// credit counts a damage known at t on answer bucket i against the
// suspects in by, or as unexposed.
func (a *answered) credit(i int, t time.Duration, by []int) {
	if len(by) == 0 {
		a.unexposed = grown(a.unexposed, i)
		a.unexposed[i].add(t)
	}
	for _, k := range by {
		a.credits[k] = grown(a.credits[k], i)
		a.credits[k][i].add(t)
	}
}

// damages are the damages of one answer bucket that one suspect explains:
// how many, and when the first was known.
type damages struct {
	n     int
	first time.Duration
}

func (d *damages) add(t time.Duration) {
	if d.n == 0 || t < d.first {
		d.first = t
	}
	d.n++
}

// group is the payments of one send bucket that the same suspects caught.
type group struct {
	by              []int
	n, failed, slow int
}

// group returns bucket i's group of the payments caught by exactly by,
// made on first use; a bucket has one group, or a few near faults.
func (a *answered) group(i int, by []int) *group {
	gs := a.groups[i]
	for j := range gs {
		if slices.Equal(gs[j].by, by) {
			return &gs[j]
		}
	}
	a.groups[i] = append(gs, group{by: slices.Clone(by)})
	return &a.groups[i][len(a.groups[i])-1]
}

// close fills in the answer axis's statistics.
func (a *answered) close() { a.rows = a.answers.close(false) }

// cleanOf is the send axis of the payments that no harmful suspect caught:
// for each bucket, its payments, failures and slow payments.
func (a *answered) cleanOf(send []Bucket, harmful func(k int) bool) []Bucket {
	out := make([]Bucket, len(send))
	for i := range out {
		out[i] = Bucket{T: send[i].T, Offered: send[i].Offered}
		if i >= len(a.groups) {
			continue
		}
		for _, g := range a.groups[i] {
			if slices.ContainsFunc(g.by, harmful) {
				continue
			}
			out[i].Payments += g.n
			out[i].Outcomes.Error += g.failed // counted as failures; the kind is not needed
			out[i].Slow += g.slow
		}
	}
	return out
}

// at returns x[i], none past its end.
func at(x []damages, i int) damages {
	if i < len(x) {
		return x[i]
	}
	return damages{}
}

// grown returns x long enough to hold index i.
func grown(x []damages, i int) []damages {
	for len(x) <= i {
		x = append(x, damages{})
	}
	return x
}
