package analysis

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
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
	buckets   []*acc
	series    []Bucket
	total     *acc
	service   *hdrhistogram.Histogram // per attempt, from the actual send
	lag       *hdrhistogram.Histogram // first attempts: actual minus scheduled send
	attempts  Outcomes
	retries   int
	clarity   ErrorClarity
	declines  map[string]int
	validity  Validity
	truncated bool
	flows     flowsAcc // captures, voids, reversals: kept apart from the payments
}

// read streams the attempts once, filling the series (bucket wide) and the
// windows.
func read(r *Run, bucket time.Duration, windows []*window) (*pass, error) {
	n := int(r.Plan.Duration()/bucket) + 1
	generic := map[string]bool{"": true}
	for _, g := range r.Scenario.Target.Response.Generic {
		generic[strings.ToLower(g)] = true
	}
	p := &pass{buckets: make([]*acc, n), series: make([]Bucket, n), total: newAcc(), declines: map[string]int{},
		clarity: ErrorClarity{ByReason: map[string]int{}}, flows: flowsAcc{},
		service: hdrhistogram.New(1, maxLatencyUS, 3), lag: hdrhistogram.New(1, maxLatencyUS, 3)}
	for i := range p.series {
		from, to := time.Duration(i)*bucket, time.Duration(i+1)*bucket
		p.buckets[i] = newAcc()
		p.series[i].T = round(from.Seconds(), 3)
		p.series[i].Offered = round(r.Plan.Hits(to)-r.Plan.Hits(from), 3)
	}
	idx := func(d time.Duration) int { return min(max(int(d/bucket), 0), n-1) }
	first := map[uint64]time.Duration{}
	err := record.Read(filepath.Join(r.Dir, record.File), func(a *record.Attempt) error {
		if a.FollowUp() {
			p.flows.add(a)
			return nil
		}
		p.attempts.add(a.Outcome)
		p.validity.add(a)
		p.service.RecordValue(min(max(a.Latency.Microseconds(), 1), maxLatencyUS))
		if a.Attempt == 1 {
			first[a.Seq] = a.Scheduled
			lag := max(a.Sent-a.Scheduled, 0)
			p.lag.RecordValue(min(max(lag.Microseconds(), 1), maxLatencyUS))
			b := &p.series[idx(a.Sent)]
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
		p.buckets[idx(sched)].add(a.Outcome, latency, a.Code)
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
	if errors.Is(err, record.ErrTruncated) {
		p.truncated, err = true, nil
	}
	for i, a := range p.buckets {
		st := a.stats()
		b := &p.series[i]
		b.Payments, b.Outcomes, b.FailureRatio, b.Latency = st.Payments, st.Outcomes, st.FailureRatio, st.Latency
	}
	return p, err
}
