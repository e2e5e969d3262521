package traffic

import (
	"math"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

func rate(r float64) scenario.Rate          { return scenario.Rate(r) }
func dur(d time.Duration) scenario.Duration { return scenario.Duration(d) }

func TestPlanOffersTheIntegralOfTheRate(t *testing.T) {
	tests := []struct {
		name  string
		phase scenario.Phase
		want  float64 // hits the phase offers
	}{
		// 100/s for 10 s.
		{"constant", scenario.Phase{Shape: "constant", Duration: dur(10 * time.Second), Rate: rate(100)}, 1000},
		// Linear 0 -> 200/s over 10 s: the triangle's area.
		{"ramp up from zero", scenario.Phase{Shape: "ramp", Duration: dur(10 * time.Second), From: rate(0), To: rate(200)}, 1000},
		// Ramps down too.
		{"ramp down", scenario.Phase{Shape: "ramp", Duration: dur(10 * time.Second), From: rate(300), To: rate(100)}, 2000},
		// Four steps of 2.5 s at 100, 200, 300, 400/s.
		{"step", scenario.Phase{Shape: "step", Duration: dur(10 * time.Second), From: rate(100), To: rate(400), Steps: 4}, 2500},
		// 100/s for 20 s with a spike to 1000/s: 2 x 1 s rises (550 each) and a 5 s hold.
		{"spike", scenario.Phase{Shape: "spike", Duration: dur(20 * time.Second), Baseline: rate(100), Peak: rate(1000), Rise: dur(time.Second), Hold: dur(5 * time.Second)},
			100*13 + 550*2 + 1000*5},
		// A whole number of periods averages to the mean.
		{"sine", scenario.Phase{Shape: "sine", Duration: dur(60 * time.Second), Mean: rate(100), Amplitude: rate(50), Period: dur(30 * time.Second)}, 6000},
	}
	peaks := map[string]float64{"constant": 100, "ramp up from zero": 200, "ramp down": 300, "step": 400, "spike": 1000, "sine": 150}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan([]scenario.Phase{tt.phase})
			if got := p.Hits(p.Duration()); math.Abs(got-tt.want) > tt.want*1e-3 {
				t.Errorf("offers %.1f hits, want %.1f", got, tt.want)
			}
			if got := p.Peak(); math.Abs(got-peaks[tt.name]) > 1e-9*peaks[tt.name] {
				t.Errorf("peak %.3f/s, want %.0f/s", got, peaks[tt.name])
			}
		})
	}
}

// TestAtInvertsHits: hit n is due exactly when n hits are due, for every
// shape, and due times never go backwards.
func TestAtInvertsHits(t *testing.T) {
	p := NewPlan([]scenario.Phase{
		{Shape: "ramp", Duration: dur(2 * time.Second), From: rate(0), To: rate(500)},
		{Shape: "constant", Duration: dur(time.Second), Rate: rate(300)},
		{Shape: "spike", Duration: dur(4 * time.Second), Baseline: rate(50), Peak: rate(900), Rise: dur(500 * time.Millisecond), Hold: dur(time.Second)},
		{Shape: "ramp", Duration: dur(time.Second), From: rate(400), To: rate(10)},
		{Shape: "sine", Duration: dur(3 * time.Second), Mean: rate(200), Amplitude: rate(200), Period: dur(2 * time.Second)},
	})
	var last time.Duration
	for n := uint64(0); n < p.Total(); n++ {
		at, ok := p.At(n)
		if !ok {
			t.Fatalf("hit %d of %d has no due time", n, p.Total())
		}
		if at < last {
			t.Fatalf("hit %d due at %s, before hit %d at %s", n, at, n-1, last)
		}
		if got := p.Hits(at); math.Abs(got-float64(n)) > 1e-3 {
			t.Fatalf("hit %d due at %s where %.4f hits are due", n, at, got)
		}
		last = at
	}
	if _, ok := p.At(p.Total() + 1); ok {
		t.Error("a hit past the end of the schedule has a due time")
	}
}

func TestPacerSendsLateHitsAtOnceAndStops(t *testing.T) {
	p := NewPacer(NewPlan([]scenario.Phase{{Shape: "constant", Duration: dur(time.Second), Rate: rate(10)}}))
	if wait, stop := p.Pace(0, 0); wait != 0 || stop {
		t.Errorf("first hit: wait %s stop %v", wait, stop)
	}
	if wait, _ := p.Pace(50*time.Millisecond, 1); wait != 50*time.Millisecond {
		t.Errorf("second hit due at 100ms, at 50ms wait %s", wait)
	}
	// Behind schedule: 5 hits due by 450 ms, only 2 sent: no wait.
	if wait, stop := p.Pace(450*time.Millisecond, 2); wait != 0 || stop {
		t.Errorf("behind: wait %s stop %v", wait, stop)
	}
	if _, stop := p.Pace(time.Second, 10); !stop {
		t.Error("no stop at the end")
	}
	if p.Scheduled(3) != 300*time.Millisecond {
		t.Errorf("hit 3 scheduled at %s", p.Scheduled(3))
	}
}
