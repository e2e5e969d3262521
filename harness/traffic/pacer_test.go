package traffic

import (
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// TestPacerWaitsOutTheSchedule: after the last hit the pacer stops only once
// the schedule's time is over (a quiet tail at 0/s still counts), unless
// stopped.
func TestPacerWaitsOutTheSchedule(t *testing.T) {
	plan := NewPlan([]scenario.Phase{
		{Shape: "constant", Duration: dur(100 * time.Millisecond), Rate: rate(20)},
		{Shape: "constant", Duration: dur(300 * time.Millisecond), Rate: rate(0)},
	})
	p := NewPacer(plan)
	start := time.Now()
	if _, stop := p.Pace(0, plan.Total()); !stop || time.Since(start) < 250*time.Millisecond {
		t.Errorf("stop %v after %s; want stop once the 400 ms schedule is over", stop, time.Since(start))
	}
	p = NewPacer(plan)
	p.Stop()
	start = time.Now()
	if _, stop := p.Pace(0, plan.Total()); !stop || time.Since(start) > 200*time.Millisecond {
		t.Errorf("stopped pacer: stop %v after %s; want at once", stop, time.Since(start))
	}
}
