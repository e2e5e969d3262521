package traffic

import (
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// TestPacerWaitsOutTheSchedule: after the last hit the pacer stops only once
// the schedule's time is over (a quiet tail at 0/s still counts): never
// early, which holds however busy the machine.
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
}

// TestStopEndsThePacersWait: a stopped pacer does not wait out the rest of
// its schedule (an hour of quiet tail here), whether it was stopped before
// or during the wait. The deadline is generous: the pacer either returns at
// once or after the hour.
func TestStopEndsThePacersWait(t *testing.T) {
	plan := NewPlan([]scenario.Phase{
		{Shape: "constant", Duration: dur(100 * time.Millisecond), Rate: rate(20)},
		{Shape: "constant", Duration: dur(time.Hour), Rate: rate(0)},
	})
	for _, before := range []bool{true, false} {
		p := NewPacer(plan)
		if before {
			p.Stop()
		}
		done := make(chan bool, 1)
		go func() { _, stop := p.Pace(0, plan.Total()); done <- stop }()
		if !before {
			time.Sleep(50 * time.Millisecond) // most likely in the wait by now; either way it must stop
			p.Stop()
		}
		select {
		case stop := <-done:
			if !stop {
				t.Errorf("stopped before the wait %v: Pace did not say stop", before)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("stopped before the wait %v: Pace still waits for the end of the schedule", before)
		}
	}
}
