package load

import (
	"math"
	"runtime"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// PerProc is how many payments a second authquake plans for each thread
// that runs Go code (GOMAXPROCS): less than half of what one sends before it
// falls behind (about 12,000/s on the two-core machine of BENCHMARKS.md),
// so that stalls and bursts of retries have room.
const PerProc = 5000

// Procs is how many threads running Go code a run needs: one per PerProc
// payments a second at the schedule's peak, every attempt counted (a
// failing service is retried at up to max_attempts times the rate), at
// least one and at most cpus.
//
// Fewer threads are cheaper per payment: each hand-off between goroutines
// (the pacer's tick, the answer read, the result) wakes an idle thread to
// look for work when there is one, and those wake-ups cost a generator a
// eighth of its CPU at 5000/s (BENCHMARKS.md). And when the service under
// test shares the machine, what the generator does not use is the
// service's: its capacity is measured, not the generator's appetite.
func Procs(s *scenario.Scenario, plan *traffic.Plan, shard traffic.Shard, cpus int) int {
	rate := plan.Peak() * float64(max(1, s.Requests.Client.Retries.MaxAttempts))
	if shard.Count > 1 {
		rate /= float64(shard.Count)
	}
	cpus = max(cpus, 1)
	n := math.Ceil(rate / PerProc)
	switch {
	case !(n < float64(cpus)): // NaN too
		return cpus
	case n < 1:
		return 1
	}
	return int(n)
}

// SetProcs sets GOMAXPROCS to n (n > 0) and returns a func that restores
// the previous setting.
func SetProcs(n int) (restore func()) {
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }
}
