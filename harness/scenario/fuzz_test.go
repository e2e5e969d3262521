package scenario_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// seedScenarios adds the test fixtures and the bundled scenarios.
func seedScenarios(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	bundled, _ := filepath.Glob("../../scenarios/*/*.yaml")
	for _, file := range append(files, bundled...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// At the limits, and one past them.
	f.Add([]byte("name: a\ntraffic: {phases: [{duration: 1000s, shape: constant, rate: 1000000/s}]}\n"))
	f.Add([]byte("name: a\ntraffic: {phases: [{duration: 1000000h, shape: constant, rate: 1e12/s}]}\n"))
	f.Add([]byte("name: a\ntraffic: {phases: [{duration: 10s, shape: constant, rate: NaN/s}]}\n"))
	// The YAML budgets (yamlguard.go): an alias bomb, 100 KB of nesting,
	// nested lists, a file past the size limit, a mapping of too many keys,
	// and the syntax the budgets measure.
	f.Add([]byte(scenario.AliasBomb()))
	f.Add([]byte("name: " + strings.Repeat("[", 100_000)))
	f.Add([]byte(strings.Repeat("- ", 50_000)))
	f.Add([]byte("name: " + strings.Repeat("x", scenario.MaxFileBytes)))
	f.Add([]byte(strings.Repeat("k:\n", scenario.MaxYAMLKeys+1)))
	f.Add([]byte("a: |\n  {[{[\n  \"'\nb: '{[\n  ''x'\nc: \"\\\"[\n  {\"\n"))
	f.Add([]byte("? a\n: b\n--- \n- &x !t [a: b, {c: d}, *x]\n... # c\n"))
}

// FuzzParse: no input makes the decoder panic, every problem it reports has
// a place in the file, and every scenario it accepts plans a finite load
// within the documented limits.
func FuzzParse(f *testing.F) {
	seedScenarios(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			if probs, ok := err.(scenario.Problems); ok {
				for _, p := range probs {
					if p.Line < 1 || p.Column < 0 {
						t.Fatalf("problem without a place: %s", p)
					}
				}
			}
			return
		}
		if s == nil {
			t.Fatal("no scenario and no error")
		}
		plan := traffic.NewPlan(s.Traffic.Phases)
		hits := plan.Hits(plan.Duration())
		if math.IsNaN(hits) || math.IsInf(hits, 0) || hits < 0 || hits > scenario.MaxPayments+1 || plan.Total() > scenario.MaxPayments {
			t.Fatalf("accepted a plan of %v payments (Total %d)", hits, plan.Total())
		}
		if d := plan.Duration(); d < 0 || d > scenario.MaxDuration {
			t.Fatalf("accepted a plan of %s", d)
		}
		if len(s.Faults) > scenario.MaxFaults {
			t.Fatalf("accepted %d faults", len(s.Faults))
		}
		for _, sp := range plan.Spans() {
			if math.IsNaN(sp.Hits) || sp.Hits < 0 {
				t.Fatalf("phase %s plans %v payments", sp.Name, sp.Hits)
			}
		}
	})
}

// FuzzParseRate: a rate is finite and not negative, or an error.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"500/s", "30000/m", "1/h", "0.5/s", "NaN/s", "Inf/s", "1e400/s", "-1/s", "1e12/s", "60/min"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := scenario.ParseRate(s)
		if err == nil && (math.IsNaN(r) || math.IsInf(r, 0) || r < 0) {
			t.Fatalf("%q accepted as %v", s, r)
		}
	})
}

// FuzzParseDuration: a duration is not negative, or an error; and the
// scenario's unit types never panic.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30s", "1m30s", "250ms", "1000000h", "2562048h", "-1s", "30", "NaN", "1e400s", "512MiB", "NaNGiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d scenario.Duration
		if err := d.UnmarshalYAML([]byte(s)); err == nil && d.D() < 0 {
			t.Fatalf("%q accepted as %s", s, d.D())
		}
		var size scenario.Size
		if err := size.UnmarshalYAML([]byte(s)); err == nil && size < 0 {
			t.Fatalf("size %q accepted as %d", s, size)
		}
		var r scenario.Rate
		if err := r.UnmarshalYAML([]byte(s)); err == nil && !(r >= 0 && r.PerSecond() < math.Inf(1)) {
			t.Fatalf("rate %q accepted as %v", s, r)
		}
		_ = time.Duration(d)
	})
}
