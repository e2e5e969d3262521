package analysis

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/run"
)

// Bucket is one slot of the time series. Payments belong to the bucket of
// their scheduled send time; Sent counts first attempts by actual send time.
type Bucket struct {
	T            float64  `json:"t_s"`
	Offered      float64  `json:"offered"`
	Sent         int      `json:"sent"`
	Payments     int      `json:"payments"`
	Outcomes     Outcomes `json:"outcomes"`
	FailureRatio float64  `json:"failure_ratio"`
	Latency      Latency  `json:"latency_ms"`
	// SendLagMS is the largest delay of a first attempt behind its schedule.
	SendLagMS float64 `json:"send_lag_ms"`
}

// window collects the payments scheduled in [from, to).
type window struct {
	from, to time.Duration
	acc      *acc
	sent     int
}

func newWindow(from, to time.Duration) *window { return &window{from: from, to: to, acc: newAcc()} }

// pass is what one read of the attempts file yields.
type pass struct {
	series   []Bucket
	total    *acc
	service  *hdrhistogram.Histogram // per attempt, from the actual send
	lag      *hdrhistogram.Histogram // first attempts: actual minus scheduled send
	attempts Outcomes
	retries  int
	clarity  ErrorClarity
	declines map[string]int
	validity Validity
	damage   string   // how the attempts file was damaged, and how far it was read
	flows    flowsAcc // captures, voids, reversals: kept apart from the payments
}

// read streams the attempts once, filling the series (bucket wide) and the
// windows.
func read(r *Run, bucket time.Duration, windows []*window) (*pass, error) {
	bs := newBuckets(r.Plan, bucket)
	generic := map[string]bool{"": true}
	for _, g := range r.Scenario.Target.Response.Generic {
		generic[strings.ToLower(g)] = true
	}
	p := &pass{total: newAcc(), declines: map[string]int{},
		clarity: ErrorClarity{ByReason: map[string]int{}}, flows: flowsAcc{}, validity: newValidity(r.Scenario.Target.Response),
		service: hdrhistogram.New(1, maxLatencyUS, 3), lag: hdrhistogram.New(1, maxLatencyUS, 3)}
	first := map[uint64]time.Duration{}
	path := filepath.Join(r.Dir, record.File)
	err := record.Read(path, func(a *record.Attempt) error {
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
		sched, ok := first[a.Seq]
		if !ok {
			sched = a.Scheduled
		}
		delete(first, a.Seq)
		latency := a.End() - sched
		p.total.add(a.Outcome, latency, a.Code)
		bs.acc(bs.index(sched)).add(a.Outcome, latency, a.Code)
		for _, w := range windows {
			if sched >= w.from && sched < w.to {
				w.acc.add(a.Outcome, latency, a.Code)
			}
		}
		switch {
		case a.Outcome == record.Declined:
			p.declines[a.Code+" "+a.Reason]++
		case a.Outcome.Failure():
			p.clarity.add(a, generic)
		}
		return nil
	})
	if err != nil { // the file is cut, corrupt or missing
		p.damage, err = err.Error(), nil
	}
	p.series = bs.close(r.Meta.Status == run.StatusCompleted)
	return p, err
}
