// Package capacity finds, for each CPU limit of the service container, the
// highest offered rate that still meets a scenario's SLO: a step search
// (doubling) then a bisection, each step a short steady open-model load
// against the same running topology. It reports the sustainable rate per
// limit with what each step used (host cores, the generator, the service's
// and database's containers, meter.go), optionally on cores set apart
// (cpuset.go); verdict judges the binding limits, the knee, and what a
// promotion's expected peak needs.
package capacity

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/capacity/verdict"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// Options configures a capacity search.
type Options struct {
	Scenario   string
	CPUs       []float64
	TargetRate float64 // the promotion's expected peak, per second; 0 for none
	Step       time.Duration
	StartRate  float64
	MaxRate    float64
	Bisections int
	// Drain is the pause between steps for the service's queue to drain
	// (default 2 s).
	Drain time.Duration
	// Cpuset, when set, pins the service, the others and the generator
	// apart (PlanCpuset).
	Cpuset *rundir.CapacityCpuset
	// Shards, when set, offers the steps' load from a swarm job each
	// (capacity --workers) instead of this process.
	Shards *Shards
	Out    string
	Seed   uint64
	Log    io.Writer
}

// stepSink aggregates one step's attempts, skipping the warm-up.
type stepSink struct {
	mu        sync.Mutex
	warm, end time.Duration
	hist      *hdrhistogram.Histogram
	lag       *hdrhistogram.Histogram
	payments  int
	failures  int
	sent      int
	answered  int // without failure, within [warm, end]
}

func newStepSink(warm, end time.Duration) *stepSink {
	return &stepSink{warm: warm, end: end, hist: hdrhistogram.New(1, 600_000_000, 3), lag: hdrhistogram.New(1, 600_000_000, 3)}
}

func (s *stepSink) Record(a *record.Attempt) {
	if a.FollowUp() { // captures, voids, reversals are not payments
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Attempt == 1 && a.Scheduled >= s.warm {
		s.sent++
		s.lag.RecordValue(max((a.Sent - a.Scheduled).Microseconds(), 1))
	}
	if a.Final && !a.Outcome.Failure() && a.End() >= s.warm && a.End() <= s.end {
		s.answered++
	}
	if !a.Final || a.Scheduled < s.warm {
		return
	}
	s.payments++
	if a.Outcome.Failure() {
		s.failures++
	}
	s.hist.RecordValue(min(max((a.End()-a.Scheduled).Microseconds(), 1), 600_000_000))
}

// step runs one steady load at rate against base, measures what the
// window used with m, and judges it: the SLO, and the limit that bound it.
func step(ctx context.Context, s scenario.Scenario, gen offerer, base string, m *meter, rate float64, dur time.Duration, key string, maxFail, maxP99 float64) (rundir.CapacityStep, error) {
	s.Traffic.Phases = []scenario.Phase{{Name: "step", Duration: scenario.Duration(dur), Shape: scenario.ShapeConstant, Rate: scenario.Rate(rate)}}
	s.Faults, s.StopWhen = nil, nil
	s.Requests.KeyPrefix = key
	warm := dur / 5
	sink := newStepSink(warm, dur)
	use := m.during(ctx, gen.lead()+warm, gen.lead()+dur)
	if err := gen.offer(ctx, &s, base, sink); err != nil {
		return rundir.CapacityStep{}, err
	}
	window := (dur - warm).Seconds()
	st := rundir.CapacityStep{Rate: rate, Sent: sink.sent, Payments: sink.payments, WindowS: window,
		Throughput: math.Round(float64(sink.answered)/window*10) / 10, Use: <-use}
	if sink.payments > 0 {
		st.FailureRatio = float64(sink.failures) / float64(sink.payments)
		st.P50MS = float64(sink.hist.ValueAtQuantile(50)) / 1000
		st.P99MS = float64(sink.hist.ValueAtQuantile(99)) / 1000
		st.SendLagP99MS = float64(sink.lag.ValueAtQuantile(99)) / 1000
	}
	want := rate * window
	behind := st.SendLagP99MS > verdict.LagMS || float64(st.Sent) < verdict.SentShare*want
	switch {
	case behind:
		st.Why = fmt.Sprintf("generator fell behind: sent %d of %.0f, lag p99 %.0f ms", st.Sent, want, st.SendLagP99MS)
	case st.FailureRatio > maxFail:
		st.Why = fmt.Sprintf("failure ratio %.3f > %.3f", st.FailureRatio, maxFail)
	case st.P99MS > maxP99:
		st.Why = fmt.Sprintf("p99 %.0f ms > %.0f ms", st.P99MS, maxP99)
	default:
		st.Pass = true
	}
	st.Binding, st.BindingWhy = verdict.Classify(st, m.split)
	// A generator behind on a full host, or with the service at its limit,
	// is a failing step like any other; only one behind on its own makes
	// the search's figure a floor (Ceiling).
	st.GeneratorLimited = behind && st.Binding != verdict.HostLimited && st.Binding != verdict.ServiceLimited
	return st, nil
}

// search finds the sustainable rate against one running target. A step
// the generator could not run (a harness error, e.g. a swarm job that
// failed) ends the search with the steps so far and the error.
func search(ctx context.Context, s scenario.Scenario, gen offerer, base string, m *meter, o Options, id int, maxFail, maxP99 float64, log io.Writer) (rundir.CapacityLimit, error) {
	var l rundir.CapacityLimit
	var harm error
	n := 0
	try := func(rate float64) rundir.CapacityStep {
		n++
		st, err := step(ctx, s, gen, base, m, rate, o.Step, fmt.Sprintf("cap%d-%d", id, n), maxFail, maxP99)
		if err != nil {
			harm = fmt.Errorf("step at %.0f/s: %w", rate, err)
			return st
		}
		fmt.Fprintf(log, "  %6.0f/s  sent %6d  failed %6.2f%%  p99 %7.1f ms  %s %s\n          %s: %s\n", rate, st.Sent, 100*st.FailureRatio, st.P99MS, passText(st), st.Why, st.Binding, st.BindingWhy)
		l.Steps = append(l.Steps, st)
		time.Sleep(o.Drain) // let the queue drain between steps
		return st
	}
	lo, hi := 0.0, 0.0
	for r := o.StartRate; r <= o.MaxRate && ctx.Err() == nil && harm == nil; r *= 2 {
		st := try(r)
		if harm != nil {
			break
		}
		if st.GeneratorLimited {
			l.Ceiling = true
			hi = r
			break
		}
		if !st.Pass {
			hi = r
			break
		}
		lo = r
	}
	if hi == 0 || harm != nil {
		l.Ceiling = true // passed up to the search's maximum, or cut short: a floor
	}
	for i := 0; i < o.Bisections && hi > 0 && lo > 0 && hi-lo > 0.05*lo && ctx.Err() == nil && harm == nil; i++ {
		mid := math.Round((lo + hi) / 2)
		st := try(mid)
		switch {
		case harm != nil:
		case st.GeneratorLimited:
			hi, l.Ceiling = mid, true
		case st.Pass:
			lo = mid
		default:
			hi = mid
		}
	}
	l.Sustainable = lo // its knee and binding: verdict.Judge
	return l, harm
}

func passText(st rundir.CapacityStep) string {
	switch {
	case st.GeneratorLimited:
		return "GENERATOR"
	case st.Pass:
		return "pass"
	}
	return "FAIL"
}
