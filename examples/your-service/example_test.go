package yourservice_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/runtest"
)

// caughtBy is the invariant each known bug must break on the generic path:
// the same as with the authsim preset (scenarios/bugs_test.go).
var caughtBy = map[string]string{
	"idempotency-race":    "I3",
	"limit-race":          "I6",
	"ack-before-commit":   "I1",
	"decline-leaves-hold": "I5",
	"stale-limit-cache":   "I6",
}

// offScale shortens the runs with the bug off: a clean audit needs no
// full-length run, and it keeps the test within a few minutes.
const offScale = 0.4

// runScenario runs a scenario file at a duration scale, against authsim
// built from this source tree.
func runScenario(t *testing.T, file string, scale float64) (*analysis.Summary, string) {
	t.Helper()
	localAuthsim(t)
	return runtest.Run(t, run.Options{Scenario: file, DurationScale: scale})
}

// localAuthsim tags the authsim image built from this tree as
// authquake/authsim:local, the name the scenarios give, as `authquake
// images` does: the test needs no earlier command and runs this tree's
// authsim.
func localAuthsim(t *testing.T) {
	t.Helper()
	cli, refs := dockertest.Client(t), dockertest.Images(t)
	alias := images.LocalAlias(refs.Authsim)
	if _, err := cli.ImageTag(context.Background(), client.ImageTagOptions{Source: refs.Authsim, Target: alias}); err != nil {
		t.Fatalf("tag %s as %s: %v", refs.Authsim, alias, err)
	}
}

// bugOff writes a copy of a bug's scenario with the bug switched off in the
// container's environment, the only difference.
func bugOff(t *testing.T, bug string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("bugs", bug+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	on := "AUTHSIM_BUGS: " + bug
	if !strings.Contains(string(b), on) {
		t.Fatalf("bugs/%s.yaml does not switch the bug on with %q", bug, on)
	}
	path := filepath.Join(t.TempDir(), bug+".yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), on, `AUTHSIM_BUGS: ""`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var broken = runtest.Broken

// generic checks that the run took the generic path: the ledger came from
// SQL on the service's tables, and setup captured the service's id of every
// account.
func generic(t *testing.T, s *analysis.Summary, dir string) {
	t.Helper()
	if s.Audit == nil || s.Audit.Source != "sql" {
		t.Errorf("ledger not read by the sql source: %+v", s.Audit)
	}
	b, err := os.ReadFile(filepath.Join(dir, rundir.AccountsFile))
	if err != nil {
		t.Fatal(err)
	}
	var accounts map[string]rundir.Account
	if err := json.Unmarshal(b, &accounts); err != nil {
		t.Fatal(err)
	}
	for id, a := range accounts {
		if a.Ref == "" {
			t.Errorf("%s: account %s has no captured ref", rundir.AccountsFile, id)
		}
	}
	if len(accounts) == 0 {
		t.Errorf("%s lists no account", rundir.AccountsFile)
	}
}

// TestKnownBugsOnTheGenericPath runs each bug's scenario with the bug on (the
// preset's invariant must be reported, exit 3) and off (a clean audit, exit
// 0 or an SLO's 1, never an invalid test).
func TestKnownBugsOnTheGenericPath(t *testing.T) {
	for bug, inv := range caughtBy {
		t.Run(bug, func(t *testing.T) {
			on, dir := runScenario(t, filepath.Join("bugs", bug+".yaml"), 1)
			generic(t, on, dir)
			runtest.ExpectCaught(t, bug, on, inv)
			off, _ := runScenario(t, bugOff(t, bug), offScale)
			clean := off.Audit != nil && off.Audit.Checked && len(off.Audit.Violations) == 0 &&
				(off.Verdict == analysis.VerdictPass || off.Verdict == analysis.VerdictSLOBreached)
			t.Logf("bug %s off: clean=%v invariants %v exit %d verdict %s", bug, clean, broken(off), off.ExitCode, off.Verdict)
			if !clean {
				t.Errorf("bug off: invariants %v, exit %d, verdict %s, audit %+v; want a clean audit, exit 0 or 1", broken(off), off.ExitCode, off.Verdict, off.Audit)
			}
		})
	}
}

// TestEveryExampleValidates: the base scenario and each bug's load strictly.
func TestEveryExampleValidates(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	bugs, _ := filepath.Glob("bugs/*.yaml")
	if len(files) != 1 || len(bugs) != len(caughtBy) {
		t.Fatalf("examples: %v %v; want service.yaml and one file per known bug", files, bugs)
	}
	for _, f := range append(files, bugs...) {
		if _, err := run.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
