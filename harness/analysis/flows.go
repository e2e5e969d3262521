package analysis

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
)

// FlowStats is one kind of follow-up call of the payments' flow (capture,
// void, reverse). Follow-ups count in no figure about payments (failure
// ratio, latency, series, verdicts): those are about authorisations.
type FlowStats struct {
	Call string `json:"call"`
	// Calls are the follow-ups scheduled: sent, or recorded as not sent.
	Calls    int `json:"calls"`
	Attempts int `json:"attempts"`
	// Outcomes are the final outcomes of the calls sent: approved is done,
	// declined or rejected is refused by the service.
	Outcomes Outcomes `json:"outcomes"`
	// Done counts the calls carried out: approved, or answered duplicate to
	// a retry (its first attempt went through: record.Attempt.Done).
	Done int `json:"done"`
	// NotSent were scheduled but not sent: the run stopped first, or an
	// approval carried no authorisation id.
	NotSent int `json:"not_sent"`
	// Latency runs from the call's scheduled time (its payment's plus the
	// delay) to its final answer, retries included.
	Latency Latency `json:"latency_ms"`
	// SendLag is how late first attempts left after their scheduled time.
	SendLag Latency `json:"send_lag_ms"`
}

// flowAcc accumulates one call's attempts.
type flowAcc struct {
	s        FlowStats
	lat, lag *hdrhistogram.Histogram
	first    map[uint64]time.Duration // scheduled time of first attempts awaiting their final
}

// flowsAcc accumulates every follow-up of a run, by call.
type flowsAcc map[record.Call]*flowAcc

func (f flowsAcc) add(a *record.Attempt) {
	c := f[a.Call]
	if c == nil {
		c = &flowAcc{s: FlowStats{Call: string(a.Call)}, first: map[uint64]time.Duration{},
			lat: hdrhistogram.New(1, maxLatencyUS, 3), lag: hdrhistogram.New(1, maxLatencyUS, 3)}
		f[a.Call] = c
	}
	if a.Outcome == record.NotSent {
		c.s.Calls++
		c.s.NotSent++
		return
	}
	c.s.Attempts++
	if a.Attempt == 1 {
		c.first[a.Seq] = a.Scheduled
		c.lag.RecordValue(min(max((a.Sent-a.Scheduled).Microseconds(), 1), maxLatencyUS))
	}
	if !a.Final {
		return
	}
	sched, ok := c.first[a.Seq]
	if !ok {
		sched = a.Scheduled
	}
	delete(c.first, a.Seq)
	c.s.Calls++
	c.s.Outcomes.add(a.Outcome)
	if a.Done() {
		c.s.Done++
	}
	c.lat.RecordValue(min(max((a.End()-sched).Microseconds(), 1), maxLatencyUS))
}

// stats lists the calls in the order of record.Calls; nil without follow-ups.
func (f flowsAcc) stats() []FlowStats {
	var out []FlowStats
	for _, call := range record.Calls {
		if c := f[call]; c != nil {
			if c.s.Attempts > 0 {
				c.s.Latency, c.s.SendLag = percentiles(c.lat), percentiles(c.lag)
			}
			out = append(out, c.s)
		}
	}
	return out
}
