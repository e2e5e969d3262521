package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGeneratorsReportSteal: the generators section says the hypervisor's
// steal of each CPU trial, the soak and each rate of the ladder, and warns
// when a trial saw more than analysis.StealWarn; unknown steal is "?".
func TestGeneratorsReportSteal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	us := time.Microsecond
	r := &report{cfg: config{cpuRate: 5000, cpu: time.Second, soak: time.Second, cpuTrials: 2, trials: 1, ladder: []float64{6000}, out: out},
		cpuEach:  [2][]time.Duration{{10 * us, 11 * us}, {20 * us, 21 * us}},
		cpuSteal: [2][]float64{{0.5, 12.25}, {1, math.NaN()}},
		soak:     run{steal: 2, rss: []uint64{1, 2}},
		rates: ladder{{rate: 6000, trials: [2][]trial{{{ok: true, steal: 3.5}}, {{ok: true, steal: 0.25}}}},
			{rate: 8000, trials: [2][]trial{{{steal: math.NaN()}}, {{steal: 1}, {steal: math.NaN()}}}}}}
	if err := r.write(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	got := string(b)
	for _, want := range []string{"Hypervisor steal in those trials: authquake 0.5, 12.2%; vegeta 1.0, ?%", "12.2% at most, past 5%",
		"MB/min (steal 2.0%)", "| 6000/s | 1/1, lag p99 0s, steal up to 3.5% | 1/1, lag p99 0s, steal up to 0.2% |",
		"| 8000/s | 0/1, lag p99 0s, steal up to ?% | 0/2, lag p99 0s, steal up to 1.0% |"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	r.cpuSteal[0][1] = 4
	r.write()
	if b, _ := os.ReadFile(out); strings.Contains(string(b), "at most, past") {
		t.Errorf("warned of steal under 5%%:\n%s", b)
	}
}
