package reports

import "testing"

func TestResample(t *testing.T) {
	palette := []string{"#000"}
	samples := map[string][][2]float64{"service": {{0.5, 10}, {1.2, 30}, {1.8, 50}, {9, 70}}}
	// Means per bucket, the last carried on; a sample past the end lands in the last bucket.
	_, lines := resample(samples, []float64{0, 1, 2}, 1, palette)
	if len(lines) != 1 || lines[0].ys[0] != 10 || lines[0].ys[1] != 40 || lines[0].ys[2] != 70 {
		t.Errorf("resample = %+v", lines)
	}
	// A run stopped before its first bucket (Ctrl-C in a swarm's lead)
	// has samples and no bucket: no line, no panic (index -1 before).
	if _, lines := resample(samples, nil, 1, palette); len(lines) != 0 {
		t.Errorf("no buckets: %+v", lines)
	}
}
