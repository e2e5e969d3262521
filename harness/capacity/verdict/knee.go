package verdict

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/authquake/authquake/harness/rundir"
)

// KneeP99Factor is how many times the baseline p99 a step's p99 must
// exceed to be the knee.
const KneeP99Factor = 2.0

// Knee is the lowest step rate, above the lowest step, where latency
// starts to climb: its p99 is more than KneeP99Factor times the baseline
// (the smaller p99 of the two lowest steps, at least 1 ms), or its
// throughput is below Sustained of its offered rate, whichever comes first
// by rate. The lowest step is the baseline, never the knee: when it did not
// sustain its own rate the knee is below the search and note says so; when
// no step climbs, rate is 0 and note says up to which rate none did.
func Knee(steps []rundir.CapacityStep) (rate, p99 float64, note string) {
	s := slices.Clone(steps)
	slices.SortStableFunc(s, func(a, b rundir.CapacityStep) int { return cmp.Compare(a.Rate, b.Rate) })
	if len(s) < 2 {
		return 0, 0, fmt.Sprintf("no knee: %d step(s), a knee needs a baseline and a step above it", len(s))
	}
	if !throughputHeld(s[0]) {
		return 0, 0, fmt.Sprintf("knee below %.0f/s: the lowest step already did not sustain its rate (throughput %.0f/s)", s[0].Rate, s[0].Throughput)
	}
	base := s[0].P99MS
	if len(s) > 2 {
		base = math.Min(base, s[1].P99MS)
	}
	base = math.Max(base, 1)
	for _, st := range s[1:] {
		if st.P99MS > KneeP99Factor*base || !throughputHeld(st) {
			return st.Rate, st.P99MS, ""
		}
	}
	return 0, 0, fmt.Sprintf("no knee up to %.0f/s: p99 within %gx the baseline %.1f ms and throughput held", s[len(s)-1].Rate, KneeP99Factor, base)
}

// throughputHeld: throughput at least Sustained of the offered rate (a step
// without a window, from an older capacity.json, holds).
func throughputHeld(st rundir.CapacityStep) bool {
	return st.WindowS == 0 || st.Throughput >= Sustained*st.Rate
}
