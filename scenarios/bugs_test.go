package scenarios_test

import (
	"testing"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/runtest"
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
	o.Scenario = file
	s, _ := runtest.Run(t, o)
	return s
}

var broken = runtest.Broken

// TestKnownBugsAreCaught runs each bug's scenario with the bug on (the
// matching invariant must be reported, exit 3) and off (a checked, clean
// audit: exit 0, 1 or 4, never 3).
func TestKnownBugsAreCaught(t *testing.T) {
	for bug, inv := range bugInvariants {
		t.Run(bug, func(t *testing.T) {
			file := "bugs/" + bug + ".yaml"
			on := runFile(t, file, run.Options{})
			runtest.ExpectCaught(t, bug, on, inv)
			off := runFile(t, file, run.Options{Bugs: &[]string{}})
			// Exit 4 is the scenario's own stop condition ending an overloaded
			// run (limit-race on a slow machine); its audit is judged all the
			// same, and must be checked and clean.
			if off.ExitCode != 0 && off.ExitCode != 1 && off.ExitCode != 4 || off.Audit == nil || !off.Audit.Checked || len(off.Audit.Violations) > 0 {
				t.Errorf("bug off: invariants %v, exit %d, audit %+v; want a clean audit, exit 0 or 1", broken(off), off.ExitCode, off.Audit)
			}
		})
	}
}
