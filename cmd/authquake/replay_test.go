package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/traffic"
)

// TestReplayAndShrinkPlantedBug runs authsim's decline-leaves-hold bug at a
// third of its length (I5 broken, exit 3), replays it (the same invariant
// again, exit 3), and shrinks it within two minutes: a smaller scenario that
// validates and still broke I5, linked from the run's reports.
func TestReplayAndShrinkPlantedBug(t *testing.T) {
	dockertest.Client(t)
	dockertest.Images(t)
	out := t.TempDir()
	aq := func(want int, args ...string) string {
		t.Helper()
		b, err := exec.Command(binary, args...).CombinedOutput()
		t.Logf("authquake %s:\n%s", strings.Join(args, " "), b)
		if code := exitCode(err); code != want {
			t.Fatalf("authquake %s: exit %d, want %d", args[0], code, want)
		}
		return string(b)
	}
	aq(3, "run", "../../scenarios/bugs/decline-leaves-hold.yaml", "--duration-scale", "0.3", "--out", out)
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v, want one", dirs)
	}
	dir := dirs[0]
	if md, _ := os.ReadFile(filepath.Join(dir, "report.md")); !strings.Contains(string(md), "authquake replay "+dir+" --times 5") {
		t.Errorf("report.md does not say how to replay the run:\n%s", md)
	}

	if o := aq(3, "replay", dir, "--times", "1"); !strings.Contains(o, "reproduced in 1 of 1 replays (I5)") {
		t.Errorf("replay did not say it reproduced I5")
	}

	o := aq(0, "shrink", dir, "--budget", "2m", "--trials", "1", "--min-repro", "1")
	if !strings.Contains(o, "candidate  payments") || !strings.Contains(o, "I5 broke in 1 of 1 runs of it") {
		t.Errorf("shrink printed no table, or no odds")
	}
	shrunk := filepath.Join(dir, "shrink", "shrunk.yaml")
	s, err := run.Load(shrunk) // authquake validate passes it
	if err != nil {
		t.Fatal(err)
	}
	original, err := run.Load(filepath.Join(dir, "shrink", "c000", "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, was := traffic.NewPlan(s.Traffic.Phases).Total(), traffic.NewPlan(original.Traffic.Phases).Total(); got >= was || was < 500 {
		t.Errorf("shrunk to %d payments from %d (as it ran, 600 at this scale)", got, was)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "report.md")); !strings.Contains(string(md), "[shrink/shrunk.yaml](shrink/shrunk.yaml)") {
		t.Errorf("report.md does not link the shrunk scenario:\n%s", md)
	}
}
