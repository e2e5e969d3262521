// Package runtest runs whole scenarios in tests that need Docker (the
// scenario library, the examples): the run, its analysis, and the
// invariants it broke. With CI=true and no Docker the test fails, never
// skips (harness/dockertest).
package runtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/run"
)

// Run runs the scenario file o.Scenario into a temporary directory (unless
// o.Out says where) and returns its summary and run directory.
func Run(t *testing.T, o run.Options) (*analysis.Summary, string) {
	t.Helper()
	dockertest.Client(t)
	dockertest.Images(t)
	if o.Out == "" {
		o.Out = t.TempDir()
	}
	res, err := run.Run(context.Background(), o)
	if res == nil {
		t.Fatalf("run %s: %v", o.Scenario, err)
	}
	if err != nil { // the verdict says what it means; the reason helps when a run did not complete
		t.Logf("run %s: %v", o.Scenario, err)
	}
	r, aerr := analysis.Load(res.Dir)
	if aerr != nil {
		t.Fatalf("run %s: %v (analysis: %v)", o.Scenario, err, aerr)
	}
	s, _, aerr := analysis.Analyze(r, time.Second)
	if aerr != nil {
		t.Fatal(aerr)
	}
	return s, res.Dir
}

// Broken lists the invariants the run's audit found broken.
func Broken(s *analysis.Summary) []string {
	var out []string
	if s.Audit != nil {
		for _, v := range s.Audit.Violations {
			out = append(out, v.Invariant)
		}
	}
	return out
}

// ExpectCaught fails the test unless the run broke invariant inv and exited
// 3; it logs the outcome either way, for catch counts over repeated runs.
func ExpectCaught(t *testing.T, bug string, s *analysis.Summary, inv string) {
	t.Helper()
	found := slices.Contains(Broken(s), inv)
	t.Logf("bug %s on: caught=%v invariants %v exit %d", bug, found && s.ExitCode == 3, Broken(s), s.ExitCode)
	if !found || s.ExitCode != 3 {
		t.Errorf("bug on: invariants %v, exit %d; want %s and exit 3", Broken(s), s.ExitCode, inv)
	}
}

// Summary reads the summary.json a run, a merge or a swarm wrote into dir.
func Summary(t testing.TB, dir string) analysis.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s analysis.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}
