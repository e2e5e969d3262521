package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

func summary(fr, p99 float64, ttr *float64) *analysis.Summary {
	s := &analysis.Summary{FailureRatio: fr, Latency: analysis.Latency{P99: p99}}
	f := analysis.FaultStats{Name: "db-slow"}
	f.Impact, f.Recovered, f.TimeToRecoverS = true, ttr != nil, ttr
	s.Faults = append(s.Faults, f)
	return s
}

func TestCompare(t *testing.T) {
	th := Thresholds{FailureRatio: 0.01, P99: 0.2, RecoverS: 2, Capacity: 0.1}
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name      string
		base, new *analysis.Summary
		regressed []string // measures flagged
	}{
		// Same numbers: nothing flagged.
		{"same", summary(0.01, 100, f(3)), summary(0.01, 100, f(3)), nil},
		// Within every threshold.
		{"within", summary(0.01, 100, f(3)), summary(0.019, 119, f(4.9)), nil},
		// Each measure past its threshold.
		{"failure", summary(0.01, 100, f(3)), summary(0.03, 100, f(3)), []string{"failure ratio"}},
		{"p99", summary(0.01, 100, f(3)), summary(0.01, 130, f(3)), []string{"p99 latency"}},
		{"recovery", summary(0.01, 100, f(3)), summary(0.01, 100, f(6)), []string{"time to recover after db-slow"}},
		// A fault that recovered before and no longer does.
		{"no longer recovers", summary(0.01, 100, f(3)), summary(0.01, 100, nil), []string{"time to recover after db-slow"}},
		// Better is never a regression.
		{"better", summary(0.05, 300, f(9)), summary(0, 10, f(0)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range Compare(tt.base, tt.new, th) {
				if r.Regression {
					got = append(got, r.Measure)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.regressed, ",") {
				t.Errorf("regressions %v, want %v", got, tt.regressed)
			}
		})
	}
	fig := func(rate float64) CapacityFigure { return CapacityFigure{Rate: rate} }
	rows := CompareCapacity(map[float64]CapacityFigure{1: fig(1000), 2: fig(2000)}, map[float64]CapacityFigure{1: fig(950), 2: fig(1500)}, th)
	var buf bytes.Buffer
	if !CompareMarkdown(&buf, "a", "b", rows) || !strings.Contains(buf.String(), "capacity at 2 CPUs") {
		t.Errorf("capacity drop of 25%% not flagged:\n%s", buf.String())
	}
	if len(rows) != 2 || rows[0].Measure != "capacity at 1 CPUs" || rows[1].Measure != "capacity at 2 CPUs" {
		t.Errorf("rows %+v: want one per limit, in the limits' order", rows)
	}
	// The same drop, with the new 2 CPUs figure bound by the host: shown, not a regression.
	host := CapacityFigure{Rate: 1500, NotFinding: "2 CPUs was host-limited"}
	rows = CompareCapacity(map[float64]CapacityFigure{1: fig(1000), 2: fig(2000)}, map[float64]CapacityFigure{1: fig(950), 2: host}, th)
	buf.Reset()
	if CompareMarkdown(&buf, "a", "b", rows) || !strings.Contains(buf.String(), "not compared (new: 2 CPUs was host-limited)") {
		t.Errorf("a drop the host bound failed the check, or did not say why:\n%s", buf.String())
	}
}
