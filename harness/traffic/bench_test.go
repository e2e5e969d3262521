package traffic

import (
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// BenchmarkAt is the pacer's per-hit schedule lookup over a mixed plan.
func BenchmarkAt(b *testing.B) {
	p := NewPlan([]scenario.Phase{
		{Shape: "ramp", Duration: dur(60 * time.Second), From: rate(10), To: rate(1000)},
		{Shape: "sine", Duration: dur(600 * time.Second), Mean: rate(500), Amplitude: rate(400), Period: dur(60 * time.Second)},
	})
	n := p.Total()
	b.ReportAllocs()
	for i := range b.N {
		p.At(uint64(i) % n)
	}
}
