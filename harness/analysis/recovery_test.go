package analysis

import "testing"

// series builds one-second buckets from a failure ratio per second (-1 for
// an empty bucket), all with 100 payments and a 10 ms p99.
func series(fr ...float64) []Bucket {
	out := make([]Bucket, len(fr))
	for i, f := range fr {
		out[i] = Bucket{T: float64(i), Payments: 100, FailureRatio: f, Latency: Latency{P99: 10}}
		if f < 0 {
			out[i] = Bucket{T: float64(i)}
		}
	}
	return out
}

// recovery judges one fault, alone on the timeline, in force from start to
// end (seconds since the base time) against the series. Impact is looked
// for from start until horizon; a recovery needs recoveredAfter seconds of
// judged, healthy buckets after end.
func recovery(series []Bucket, bucketS, start, end, horizon, recoveredAfter float64, h Health) Recovery {
	a := newAttributor(series, bucketS, recoveredAfter, h, []suspect{{name: "f", start: start, end: end, horizon: horizon, injected: true, canFail: true}})
	return a.judge(0)
}

var sloHealth = Health{Rule: "slo", MaxFailureRatio: 0.01, MaxP99MS: 500}

func TestRecovery(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name      string
		s         []Bucket
		start     float64
		end       float64
		tti, ttr  *float64 // nil: no impact / did not recover
		recovered bool
	}{
		// Every request times out while the fault is in force (5 s to 10 s),
		// healthy again from 10 s: impact at the start, recovery at the end.
		{"blackhole", series(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0), 5.2, 10.1, f(0), f(0), true},
		// The service needs 2 s after the end to heal.
		{"slow recovery", series(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), 5, 10, f(0), f(2), true},
		// It takes 2 s to hurt.
		{"late impact", series(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0), 5, 10, f(2), f(0), true},
		// A fault that never hurts: no impact.
		{"no impact", series(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 3, 6, nil, f(0), true},
		// A service that never comes back: did not recover.
		{"never recovers", series(0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), 3, 5, f(0), nil, false},
		// One healthy second is not a recovery (recovered_after 3 s).
		{"flapping", series(0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0), 2, 4, f(0), f(3), true},
		// Empty buckets judge nothing: the healthy stretch skips them.
		{"gap", series(0, 1, 1, -1, 0, -1, 0, 0, 0), 1, 3, f(0), f(1), true},
		// The run ends before 3 healthy seconds: did not recover.
		{"run ends", series(0, 1, 1, 1, 0, 0), 1, 3, f(0), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := recovery(tt.s, 1, tt.start, tt.end, float64(len(tt.s)), 3, sloHealth)
			eq := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
			if !eq(r.TimeToImpactS, tt.tti) || !eq(r.TimeToRecoverS, tt.ttr) || r.Recovered != tt.recovered {
				t.Errorf("impact %v recover %v recovered %v; want %v %v %v", ptr(r.TimeToImpactS), ptr(r.TimeToRecoverS), r.Recovered, ptr(tt.tti), ptr(tt.ttr), tt.recovered)
			}
			if (tt.tti == nil) == r.Impact {
				t.Errorf("impact flag %v", r.Impact)
			}
		})
	}
}

func TestRecoveryWorstAndUnhealthyTime(t *testing.T) {
	s := series(0, 0, 0.5, 1, 0.2, 0, 0, 0)
	s[3].Latency.P99 = 900
	r := recovery(s, 1, 2, 5, 8, 3, sloHealth)
	if r.UnhealthyS != 3 || r.Worst == nil || r.Worst.T != 3 || r.Worst.P99MS != 900 {
		t.Errorf("unhealthy %v worst %+v", r.UnhealthyS, r.Worst)
	}
}

func TestBaselineHealth(t *testing.T) {
	s := series(0, 0.01, 0, 0.5, 0.5)
	h := baseline(s, 3, 1, nil, nil)
	if h.Rule != "baseline" || h.MaxFailureRatio != 0.02 || h.MaxP99MS != 30 {
		t.Errorf("%+v", h)
	}
	slo := 0.05
	if h := baseline(s, 3, 1, &slo, nil); h.MaxFailureRatio != 0.05 || h.Rule != "slo+baseline" {
		t.Errorf("%+v", h)
	}
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
