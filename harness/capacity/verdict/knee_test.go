package verdict

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// at is a step at rate with p99 and throughput (an 8 s window).
func at(rate, p99, throughput float64) rundir.CapacityStep {
	return rundir.CapacityStep{Rate: rate, P99MS: p99, Throughput: throughput, WindowS: 8, Pass: true}
}

func TestKnee(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []rundir.CapacityStep
		rate  float64
		note  string
	}{
		// p99 10, 11, 14, then 25 at 400/s (> 2x 10)
		{"p99 doubles", []rundir.CapacityStep{at(50, 10, 50), at(100, 11, 100), at(200, 14, 200), at(400, 25, 400), at(800, 300, 700)}, 400, ""},
		// bisection order: the steps are sorted by rate first
		{"in search order", []rundir.CapacityStep{at(50, 10, 50), at(100, 11, 100), at(200, 14, 200), at(400, 300, 300), at(300, 19, 300)}, 400, ""},
		// latency flat, but 300/s answered 290/s (< 0.98)
		{"throughput drops first", []rundir.CapacityStep{at(50, 10, 50), at(100, 10, 100), at(300, 12, 290), at(400, 40, 380)}, 300, ""},
		// a cold first step (p99 80) is not the baseline: the second's 10 is
		{"cold first step", []rundir.CapacityStep{at(100, 80, 100), at(200, 10, 200), at(400, 15, 400), at(800, 45, 800)}, 800, ""},
		// the first step is never the knee, even when it is slow: below the search
		{"lowest step already failed", []rundir.CapacityStep{at(100, 900, 60), at(200, 1500, 70)}, 0, "knee below 100/s"},
		{"nothing climbs", []rundir.CapacityStep{at(50, 10, 50), at(100, 12, 100), at(200, 15, 200)}, 0, "no knee up to 200/s"},
		// sub-millisecond p99s: the baseline is at least 1 ms, so 1.5 ms is no knee
		{"tiny p99s", []rundir.CapacityStep{at(50, 0.3, 50), at(100, 0.4, 100), at(200, 1.5, 200)}, 0, "no knee"},
		{"one step", []rundir.CapacityStep{at(50, 10, 50)}, 0, "1 step(s)"},
		// an older capacity.json without windows: p99 alone
		{"older file", []rundir.CapacityStep{{Rate: 100, P99MS: 5, Pass: true}, {Rate: 200, P99MS: 6, Pass: true}, {Rate: 400, P99MS: 13}}, 400, ""},
	} {
		rate, _, note := Knee(c.steps)
		if rate != c.rate || !strings.Contains(note, c.note) {
			t.Errorf("%s: knee %.0f/s (%q), want %.0f/s (%q)", c.name, rate, note, c.rate, c.note)
		}
	}
}
