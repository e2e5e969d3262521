package analysis

import (
	"errors"
	"math"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// errEnough ends a read of the attempts file early: the rest is not needed.
var errEnough = errors.New("read enough")

// baselineSlack is how far past the first fault the baseline's read goes:
// the attempts file is written in the order answers came (or, merged, in
// the order of the schedule), so every payment answered before the fault
// has been read once a payment scheduled this much later shows.
const baselineSlack = time.Minute

// healthRule derives the health rule before the analysis proper: the SLO's
// limits where it sets them, else a margin over the payments answered before
// the first fault began (see baseline). Payments still in flight when the
// fault began are not part of it: their outcome belongs to the fault. It
// reads the attempts file up to a minute past the first fault; a damaged
// file is the main read's to report.
//
// With no fault (first is +Inf) nothing is read: there is nothing to judge,
// and the rule is the whole run's, from the main read (Analyze); until then
// the SLO's p99, or no latency limit (nothing counts as slow).
func healthRule(r *Run, bucket time.Duration, first float64, sloFR, sloP99 *float64) Health {
	switch {
	case sloFR != nil && sloP99 != nil:
		return baseline(nil, first, bucket.Seconds(), sloFR, sloP99)
	case math.IsInf(first, 1) && sloP99 != nil:
		return Health{Rule: "slo", MaxP99MS: *sloP99}
	case math.IsInf(first, 1):
		return Health{}
	}
	answers := newBuckets(r.Plan, bucket)
	firsts := schedules{}
	stop := secs(first) + baselineSlack
	record.Read(filepath.Join(r.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
		if a.FollowUp() {
			return nil
		}
		if a.Scheduled > stop {
			return errEnough
		}
		firsts.see(a)
		if !a.Final {
			return nil
		}
		sched := firsts.final(a)
		if end := a.End(); end.Seconds() < first && end >= 0 {
			answers.acc(answers.index(end)).add(a.Outcome, end-sched, a.Code)
		}
		return nil
	})
	return baseline(answers.close(false), first, bucket.Seconds(), sloFR, sloP99)
}

// limitOf is the health rule's latency limit as a duration; none when the
// rule has none yet.
func limitOf(h Health) time.Duration {
	if h.MaxP99MS <= 0 || math.IsInf(h.MaxP99MS, 1) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(h.MaxP99MS * float64(time.Millisecond))
}

// schedules remembers the scheduled send of each payment in flight: a
// payment's latency runs from its first attempt's schedule, retries
// included.
type schedules map[uint64]time.Duration

// see notes a first attempt's schedule.
func (s schedules) see(a *record.Attempt) {
	if a.Attempt == 1 {
		s[a.Seq] = a.Scheduled
	}
}

// final returns the schedule of the payment whose final attempt a is, and
// forgets it; an attempt whose first was never seen is its own first.
func (s schedules) final(a *record.Attempt) time.Duration {
	sched, ok := s[a.Seq]
	if !ok {
		sched = a.Scheduled
	}
	delete(s, a.Seq)
	return sched
}
