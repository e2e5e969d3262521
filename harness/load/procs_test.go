package load

import (
	"runtime"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// TestProcs: one thread per PerProc payments a second at the peak, every
// attempt counted and a shard's share only, at least one, at most the CPUs.
func TestProcs(t *testing.T) {
	phase := func(r float64) []scenario.Phase {
		return []scenario.Phase{{Shape: scenario.ShapeConstant, Duration: scenario.Duration(time.Second), Rate: scenario.Rate(r)}}
	}
	for _, c := range []struct {
		name     string
		peak     float64
		attempts int
		shard    traffic.Shard
		cpus     int
		want     int
	}{
		{"a promotion's spike, retried once", 600, 2, traffic.Shard{}, 2, 1},
		{"exactly one thread's share", PerProc, 1, traffic.Shard{}, 8, 1},
		{"just over it", PerProc + 1, 1, traffic.Shard{}, 8, 2},
		{"retries double the rate", PerProc, 2, traffic.Shard{}, 8, 2},
		{"at most the CPUs", 100 * PerProc, 1, traffic.Shard{}, 2, 2},
		{"a shard's share", 4 * PerProc, 1, traffic.Shard{Index: 1, Count: 4}, 8, 1},
		{"nothing to send", 0, 1, traffic.Shard{}, 2, 1},
		{"no CPUs known", PerProc * 3, 1, traffic.Shard{}, 0, 1},
	} {
		s := &scenario.Scenario{}
		s.Requests.Client.Retries.MaxAttempts = c.attempts
		if got := Procs(s, traffic.NewPlan(phase(c.peak)), c.shard, c.cpus); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestSetProcsRestores: what SetProcs changed is put back.
func TestSetProcsRestores(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	restore := SetProcs(1)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS %d after SetProcs(1)", got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS %d after restore, want %d", got, before)
	}
}
