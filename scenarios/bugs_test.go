package scenarios_test

import (
	"context"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/run"
)

// bugInvariants maps each authsim known bug to the invariant its scenario
// must show broken.
var bugInvariants = map[string]string{
	"idempotency-race":    "I3",
	"limit-race":          "I6",
	"ack-before-commit":   "I1",
	"decline-leaves-hold": "I5",
	"stale-limit-cache":   "I6",
}

// runFile runs a scenario file and analyses it.
func runFile(t *testing.T, file string, o run.Options) *analysis.Summary {
	t.Helper()
	dockertest.Client(t)
	dockertest.Images(t)
	o.Scenario, o.Out = file, t.TempDir()
	res, err := run.Run(context.Background(), o)
	if res == nil {
		t.Fatalf("run %s: %v", file, err)
	}
	r, aerr := analysis.Load(res.Dir)
	if aerr != nil {
		t.Fatalf("run %s: %v (analysis: %v)", file, err, aerr)
	}
	s, _, aerr := analysis.Analyze(r, time.Second)
	if aerr != nil {
		t.Fatal(aerr)
	}
	return s
}

func broken(s *analysis.Summary) []string {
	var out []string
	if s.Audit != nil {
		for _, v := range s.Audit.Violations {
			out = append(out, v.Invariant)
		}
	}
	return out
}

// TestKnownBugsAreCaught runs each bug's scenario with the bug on (the
// matching invariant must be reported, exit 3) and off (a clean audit: exit
// 0 or 1, never 3).
func TestKnownBugsAreCaught(t *testing.T) {
	for bug, inv := range bugInvariants {
		t.Run(bug, func(t *testing.T) {
			file := "bugs/" + bug + ".yaml"
			on := runFile(t, file, run.Options{})
			found := false
			for _, b := range broken(on) {
				found = found || b == inv
			}
			t.Logf("bug %s on: caught=%v invariants %v exit %d", bug, found && on.ExitCode == 3, broken(on), on.ExitCode)
			if !found || on.ExitCode != 3 {
				t.Errorf("bug on: invariants %v, exit %d; want %s and exit 3", broken(on), on.ExitCode, inv)
			}
			off := runFile(t, file, run.Options{Bugs: &[]string{}})
			if off.ExitCode != 0 && off.ExitCode != 1 || off.Audit == nil || !off.Audit.Checked {
				t.Errorf("bug off: invariants %v, exit %d, audit %+v; want a clean audit, exit 0 or 1", broken(off), off.ExitCode, off.Audit)
			}
		})
	}
}
