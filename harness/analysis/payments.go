package analysis

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// Bucket is one slot of a time series. On the send axis a payment belongs
// to the bucket of its scheduled send, and Sent counts first attempts by
// actual send time; on the answer axis it belongs to the bucket of its
// answer, or of the moment it had waited longer than the health rule's
// latency limit, if that came first.
type Bucket struct {
	T            float64  `json:"t_s"`
	Offered      float64  `json:"offered"`
	Sent         int      `json:"sent"`
	Payments     int      `json:"payments"`
	Outcomes     Outcomes `json:"outcomes"`
	FailureRatio float64  `json:"failure_ratio"`
	Latency      Latency  `json:"latency_ms"`
	// Slow counts the payments that waited longer than the health rule's
	// latency limit (health.max_p99_ms): more than 1% of them makes the
	// bucket slow, as a p99 over the limit would. On the answer axis a
	// payment counts as slow in the bucket where it passed the limit.
	Slow int `json:"slow,omitempty"`
	// Waiting counts, on the answer axis, the payments that passed the
	// latency limit in this bucket but were answered in a later one: they
	// are judged here too (a stall shows before its answers do).
	Waiting int `json:"waiting,omitempty"`
	// SendLagMS is the largest delay of a first attempt behind its schedule.
	SendLagMS float64 `json:"send_lag_ms"`
}

// payment is one payment as the read sees it once its final answer is in.
type payment struct {
	sched, end time.Duration
	latency    time.Duration // end - sched: what the user waited
	outcome    record.Outcome
	code       string
	exposed    []int // the suspects in force while it was in flight
}

// window collects the payments one question is about: a phase (scheduled
// in it), or the before, during and after of a fault.
type window struct {
	in   func(p *payment) bool
	acc  *acc
	from time.Duration // first attempts actually sent in [from, to) count as sent
	to   time.Duration
	sent int
}

// sendWindow collects the payments scheduled in [from, to).
func sendWindow(from, to time.Duration) *window {
	return &window{in: func(p *payment) bool { return p.sched >= from && p.sched < to }, acc: newAcc(), from: from, to: to}
}

// pass is what one read of the attempts file yields.
type pass struct {
	series   []Bucket // by scheduled send
	total    *acc
	service  *hdrhistogram.Histogram // per attempt, from the actual send
	lag      *hdrhistogram.Histogram // first attempts: actual minus scheduled send
	attempts Outcomes
	retries  int
	clarity  ErrorClarity
	declines map[string]int // by code and folded reason
	decCodes codeCounter
	validity Validity
	mapping  *mapping // answers that fell to a default outcome with a code
	damage   string   // how the attempts file was damaged, and how far it was read
	flows    flowsAcc // captures, voids, reversals: kept apart from the payments
	answered          // the answer axis and what each fault caught
	settle   settleAcc
}

// read streams the attempts once, filling the send axis, the answer axis
// and the windows. limit is the health rule's latency limit.
func read(r *Run, bucket time.Duration, windows []*window, sus []suspect, limit time.Duration) (*pass, error) {
	bs := newBuckets(r.Plan, bucket)
	generic := map[string]bool{"": true}
	for _, g := range r.Scenario.Target.Response.Generic {
		generic[strings.ToLower(g)] = true
	}
	p := &pass{total: newAcc(), declines: map[string]int{},
		clarity: ErrorClarity{ByReason: map[string]int{}}, flows: flowsAcc{}, validity: newValidity(r.Scenario.Target.Response), mapping: newMapping(r.Scenario.Target.Response),
		service: hdrhistogram.New(1, maxLatencyUS, 3), lag: hdrhistogram.New(1, maxLatencyUS, 3),
		answered: newAnswered(r.Plan, bucket, sus, limit, answerSlack(r))}
	first := schedules{}
	path := filepath.Join(r.Dir, rundir.AttemptsFile)
	var pay payment
	async := r.Scenario.Target.Async()
	err := record.Read(path, func(a *record.Attempt) error {
		if a.Settles() { // a final state told later: settle measures, not a payment
			p.settle.add(a)
			return nil
		}
		if a.Final && a.Outcome == record.Pending && !a.FollowUp() {
			p.settle.answer(a)
		} else if async && a.Final && !a.FollowUp() && (a.Outcome == record.Approved || a.Outcome == record.Declined) {
			p.settle.answerFinal(a)
		}
		if a.FollowUp() { // scheduled after its payment: not on the plan's clock
			p.flows.add(a)
			return nil
		}
		if a.Outcome == record.NotSent { // no valid token (target.auth): never sent, so no payment; run.json's auth counts it
			return nil
		}
		_, seen := first[a.Seq]
		if (a.Attempt == 1 || !seen) && (a.Scheduled < 0 || a.Scheduled > r.Plan.Duration()) { // the plan scheduled it
			return fmt.Errorf("%s: damaged after %d attempts: payment %d scheduled at %s, outside the plan (0 to %s)",
				path, p.attempts.Total(), a.Seq, a.Scheduled, r.Plan.Duration())
		}
		p.attempts.add(a.Outcome)
		p.validity.add(a)
		p.service.RecordValue(min(max(a.Latency.Microseconds(), 1), maxLatencyUS))
		if a.Attempt == 1 {
			first[a.Seq] = a.Scheduled
			lag := max(a.Sent-a.Scheduled, 0)
			p.lag.RecordValue(min(max(lag.Microseconds(), 1), maxLatencyUS))
			i := bs.sentIndex(a.Sent, a.Scheduled) // grows bs.rows: index first
			b := &bs.rows[i]
			b.Sent++
			b.SendLagMS = max(b.SendLagMS, round(float64(lag.Microseconds())/1000, 3))
			for _, w := range windows {
				if a.Sent >= w.from && a.Sent < w.to {
					w.sent++
				}
			}
		} else {
			p.retries++
		}
		if !a.Final {
			return nil
		}
		sched := first.final(a)
		p.mapping.add(a)
		pay = payment{sched: sched, end: a.End(), latency: a.End() - sched, outcome: a.Outcome, code: a.Code, exposed: pay.exposed}
		pay.exposed = exposure(sus, pay.sched, pay.end, pay.exposed)
		p.total.add(a.Outcome, pay.latency, a.Code)
		i := bs.index(sched)
		bs.acc(i).add(a.Outcome, pay.latency, a.Code)
		if pay.latency > limit {
			bs.rows[i].Slow++
		}
		p.answered.add(&pay, i)
		for _, w := range windows {
			if w.in(&pay) {
				w.acc.add(a.Outcome, pay.latency, a.Code)
			}
		}
		switch {
		case a.Outcome == record.Declined:
			p.declines[p.decCodes.add(a.Code, a.Reason)]++
		case a.Outcome.Failure():
			p.clarity.add(a, generic)
		}
		return nil
	})
	if err != nil { // the file is cut, corrupt or missing
		p.damage, err = err.Error(), nil
	}
	p.series = bs.close(r.Meta.Status == rundir.StatusCompleted)
	p.answered.close()
	return p, err
}

// answerSlack is how far past the plan's end answers may still come: every
// attempt's timeout, and a minute for backoffs and a slow teardown.
func answerSlack(r *Run) time.Duration {
	c := r.Scenario.Requests.Client
	return time.Duration(max(c.Retries.MaxAttempts, 1))*(c.Timeout.D()+c.Retries.MaxBackoff.D()) + time.Minute
}
