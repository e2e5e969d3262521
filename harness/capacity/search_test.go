package capacity

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// fakeOfferer answers every payment of a step in 2 ms, as a service far
// from its limit would, until its call number failAt, which fails as a
// swarm job that could not run would.
type fakeOfferer struct {
	calls, failAt int
	keys          []string
}

func (f *fakeOfferer) lead() time.Duration { return 0 }

func (f *fakeOfferer) offer(_ context.Context, s *scenario.Scenario, _ string, sink load.Sink) error {
	f.calls++
	if f.calls == f.failAt {
		return errors.New("swarm job: no shard uploaded a run directory")
	}
	f.keys = append(f.keys, s.Requests.KeyPrefix)
	ph := s.Traffic.Phases[0]
	n := int(float64(ph.Rate) * ph.Duration.D().Seconds())
	for i := range n {
		at := time.Duration(i) * ph.Duration.D() / time.Duration(n)
		sink.Record(&record.Attempt{Seq: uint64(i), Attempt: 1, Scheduled: at, Sent: at, Latency: 2 * time.Millisecond, Outcome: record.Approved, Final: true})
	}
	return nil
}

// A step the generator could not run ends the search at once: the steps
// before it are kept, the error comes back, and the rate reached is a
// floor (Ceiling), not the service's limit. Without an error the search
// doubles to its maximum.
func TestSearchEndsOnAStepThatCouldNotRun(t *testing.T) {
	s := scenario.Scenario{Seed: 1}
	o := Options{Step: time.Second, StartRate: 10, MaxRate: 80, Bisections: 2}
	m := newMeter(context.Background(), nil, nil, "", "", "")
	gen := &fakeOfferer{failAt: 3}
	l, err := search(context.Background(), s, gen, "http://127.0.0.1:1", m, o, 0, 0.01, 500, io.Discard)
	if err == nil || len(l.Steps) != 2 || l.Sustainable != 20 || !l.Ceiling || gen.calls != 3 {
		t.Errorf("steps %d, sustainable %.0f/s, floor %v, calls %d, err %v: want 2 steps, 20/s, a floor, 3 calls and the error",
			len(l.Steps), l.Sustainable, l.Ceiling, gen.calls, err)
	}
	gen = &fakeOfferer{}
	l, err = search(context.Background(), s, gen, "http://127.0.0.1:1", m, o, 0, 0.01, 500, io.Discard)
	if err != nil || len(l.Steps) != 4 || l.Sustainable != 80 || gen.keys[3] != "cap0-4" {
		t.Errorf("steps %d, sustainable %.0f/s, keys %v, err %v: want 10, 20, 40, 80/s passed with keys of their own", len(l.Steps), l.Sustainable, gen.keys, err)
	}
}
