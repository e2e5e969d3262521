package scenario

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGolden decodes each scenario in testdata: a valid one is written back
// as YAML with its defaults, an invalid one as its list of problems.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 4 {
		t.Fatalf("only %d scenarios in testdata", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, _, err := Load(f)
			var out []byte
			if err != nil {
				out = []byte(err.Error() + "\n")
			} else {
				out, err = yaml.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
			}
			golden(t, strings.TrimSuffix(filepath.Base(f), ".yaml")+".golden", out)
		})
	}
}

// TestEveryProblemHasAPlace: each problem of errors.yaml names a line and a
// column inside the file, and every kind of mistake in it is reported.
func TestEveryProblemHasAPlace(t *testing.T) {
	_, _, err := Load("testdata/errors.yaml")
	probs, ok := err.(Problems)
	if !ok {
		t.Fatalf("error is %T, want Problems", err)
	}
	data, _ := os.ReadFile("testdata/errors.yaml")
	lines := strings.Count(string(data), "\n")
	for _, p := range probs {
		if p.Line < 1 || p.Line > lines || p.Column < 1 {
			t.Errorf("problem outside the file: %s", p)
		}
	}
	for _, want := range []string{`unknown field "seeds"`, `did you mean "seed"`, "must be a whole number", `no unit`, `not a rate`,
		"applies to kind url only", `unknown bug "no-such-bug"`, "does not apply to shape ramp", "must be above baseline",
		`not "wave"`, "three capital letters", "is required", "exactly one of failure_ratio and p99"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem says %q", want)
		}
	}
}

func TestDefaults(t *testing.T) {
	s, _, err := Parse("min.yaml", []byte("name: min\ntraffic:\n  phases:\n    - {duration: 10s, shape: constant, rate: 5/s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"target authsim", s.Target.Kind == TargetAuthsim && s.Target.Authsim != nil},
		{"request matches authsim", s.Target.Request.Method == "POST" && s.Target.Request.Path == DefaultPath && s.Target.Request.Body == DefaultBody},
		{"idempotency header", s.Target.Request.Headers["Idempotency-Key"] == "{{.IdempotencyKey}}"},
		{"402 is a decline", len(s.Target.Response.Declined) == 1 && s.Target.Response.Declined[0] == 402},
		{"1000 accounts", s.Accounts.Count == 1000 && s.Accounts.Prefix == "acct-"},
		{"lognormal amounts", s.Requests.Amount.Distribution == "lognormal" && s.Requests.Amount.Median == 2500},
		{"2s timeout, no retries", s.Requests.Client.Timeout.D() == 2*time.Second && s.Requests.Client.Retries.MaxAttempts == 1},
		{"phase named", s.Traffic.Phases[0].Name == "phase-1"},
		{"recovered after 3s", s.SLO.RecoveredAfter.D() == 3*time.Second},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("default: %s", c.name)
		}
	}
}

func TestUnits(t *testing.T) {
	rates := map[string]float64{"500/s": 500, "30000/m": 500, "3600/h": 1, "0.5/s": 0.5, "60/min": 1}
	for in, want := range rates {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("rate %q = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"500", "500/d", "fast/s", "-1/s", ""} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
	for _, bad := range []string{"30", "-1s", "soon"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("duration %q accepted", bad)
		}
	}
	sizes := map[string]int64{"512MiB": 512 << 20, "1GiB": 1 << 30, "64MB": 64e6, "10B": 10}
	for in, want := range sizes {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("size %q = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseSize("lots"); err == nil {
		t.Error("size lots accepted")
	}
}

func TestScale(t *testing.T) {
	s, _, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	total, at := s.Traffic.Duration(), s.Faults[0].At.D()
	p99 := s.SLO.P99.D()
	s.Scale(0.1)
	if got := s.Traffic.Duration(); got != total/10 {
		t.Errorf("scaled traffic %s, want %s", got, total/10)
	}
	if got := s.Faults[0].At.D(); got != at/10 {
		t.Errorf("scaled fault offset %s, want %s", got, at/10)
	}
	if s.SLO.P99.D() != p99 {
		t.Error("the SLO was scaled")
	}
}

// TestSchemaUpToDate: scenarios/schema.json is what go generate writes.
func TestSchemaUpToDate(t *testing.T) {
	wd, _ := os.Getwd()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	got, err := Schema(true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("scenarios/schema.json")
	if err != nil || !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("scenarios/schema.json is stale: run go generate ./harness/scenario (%v)", err)
	}
}
