// Package capacity finds, for each CPU limit of the service container, the
// highest offered rate that still meets a scenario's SLO: a step search
// (doubling) then a bisection, each step a short steady open-model load
// against the same running topology. It reports the sustainable rate per
// limit, the knee (where latency starts to climb), and, for a promotion's
// expected peak, how many cores it needs and the headroom of each limit.
package capacity

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/load"
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
	Out        string
	Seed       uint64
	Log        io.Writer
}

// stepSink aggregates one step's attempts, skipping the warm-up.
type stepSink struct {
	mu       sync.Mutex
	warm     time.Duration
	hist     *hdrhistogram.Histogram
	lag      *hdrhistogram.Histogram
	payments int
	failures int
	sent     int
}

func newStepSink(warm time.Duration) *stepSink {
	return &stepSink{warm: warm, hist: hdrhistogram.New(1, 600_000_000, 3), lag: hdrhistogram.New(1, 600_000_000, 3)}
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
	if !a.Final || a.Scheduled < s.warm {
		return
	}
	s.payments++
	if a.Outcome.Failure() {
		s.failures++
	}
	s.hist.RecordValue(min(max((a.End()-a.Scheduled).Microseconds(), 1), 600_000_000))
}

// step runs one steady load at rate against base and judges it.
func step(s scenario.Scenario, base string, rate float64, dur time.Duration, key string, maxFail, maxP99 float64) (rundir.CapacityStep, error) {
	s.Traffic.Phases = []scenario.Phase{{Name: "step", Duration: scenario.Duration(dur), Shape: scenario.ShapeConstant, Rate: scenario.Rate(rate)}}
	s.Faults, s.StopWhen = nil, nil
	s.Requests.KeyPrefix = key
	sink := newStepSink(dur / 5)
	atk, err := load.New(load.Options{Scenario: &s, Seed: s.Seed, Base: base, Sinks: []load.Sink{sink}})
	if err != nil {
		return rundir.CapacityStep{}, err
	}
	atk.Run()
	st := rundir.CapacityStep{Rate: rate, Sent: sink.sent, Payments: sink.payments}
	if sink.payments > 0 {
		st.FailureRatio = float64(sink.failures) / float64(sink.payments)
		st.P50MS = float64(sink.hist.ValueAtQuantile(50)) / 1000
		st.P99MS = float64(sink.hist.ValueAtQuantile(99)) / 1000
		st.SendLagP99MS = float64(sink.lag.ValueAtQuantile(99)) / 1000
	}
	want := rate * (dur - dur/5).Seconds()
	switch {
	case st.SendLagP99MS > 100 || float64(st.Sent) < 0.97*want:
		st.GeneratorLimited, st.Why = true, fmt.Sprintf("generator fell behind: sent %d of %.0f, lag p99 %.0f ms", st.Sent, want, st.SendLagP99MS)
	case st.FailureRatio > maxFail:
		st.Why = fmt.Sprintf("failure ratio %.3f > %.3f", st.FailureRatio, maxFail)
	case st.P99MS > maxP99:
		st.Why = fmt.Sprintf("p99 %.0f ms > %.0f ms", st.P99MS, maxP99)
	default:
		st.Pass = true
	}
	return st, nil
}

// search finds the sustainable rate against one running target.
func search(ctx context.Context, s scenario.Scenario, base string, o Options, id int, maxFail, maxP99 float64, log io.Writer) rundir.CapacityLimit {
	var l rundir.CapacityLimit
	n := 0
	try := func(rate float64) rundir.CapacityStep {
		n++
		st, err := step(s, base, rate, o.Step, fmt.Sprintf("cap%d-%d", id, n), maxFail, maxP99)
		if err != nil {
			st.Why = err.Error()
		}
		fmt.Fprintf(log, "  %6.0f/s  sent %6d  failed %6.2f%%  p99 %7.1f ms  %s %s\n", rate, st.Sent, 100*st.FailureRatio, st.P99MS, passText(st), st.Why)
		l.Steps = append(l.Steps, st)
		time.Sleep(2 * time.Second) // let the queue drain between steps
		return st
	}
	lo, hi := 0.0, 0.0
	for r := o.StartRate; r <= o.MaxRate && ctx.Err() == nil; r *= 2 {
		st := try(r)
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
	if hi == 0 {
		l.Ceiling = true // passed up to the search's maximum
	}
	for i := 0; i < o.Bisections && hi > 0 && lo > 0 && hi-lo > 0.05*lo && ctx.Err() == nil; i++ {
		mid := math.Round((lo + hi) / 2)
		st := try(mid)
		switch {
		case st.GeneratorLimited:
			hi, l.Ceiling = mid, true
		case st.Pass:
			lo = mid
		default:
			hi = mid
		}
	}
	l.Sustainable = lo
	// The knee: the highest passing rate whose p99 is still within twice
	// the p99 at the lowest rate.
	floor := 1.0
	if len(l.Steps) > 0 && l.Steps[0].Pass {
		floor = math.Max(l.Steps[0].P99MS, 1)
	}
	for _, st := range l.Steps {
		if st.Pass && st.P99MS <= 2*floor && st.Rate > l.Knee {
			l.Knee, l.KneeP99MS = st.Rate, st.P99MS
		}
	}
	return l
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
