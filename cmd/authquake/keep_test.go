package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/rundir"
)

const keptScenario = `name: test/kept
seed: 5
target: {kind: authsim}
accounts: {count: 10}
traffic: {phases: [{duration: 1s, shape: constant, rate: 5/s}]}
`

// TestKeptTargetSurvivesAnotherRun: a target run --keep left stays through
// another run (which removes dead runs' leftovers as it starts) and a plain
// cleanup; cleanup --dry-run lists it with its age, and cleanup --run
// removes it.
func TestKeptTargetSurvivesAnotherRun(t *testing.T) {
	cli := dockertest.Client(t)
	dockertest.Images(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "kept.yaml")
	if err := os.WriteFile(path, []byte(keptScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "run", "--out", filepath.Join(dir, "kept"), "--keep-for", "1h", path).CombinedOutput()
	if exitCode(err) < 0 || exitCode(err) > 1 {
		t.Fatalf("run --keep-for: %v\n%s", err, out)
	}
	dirs, _ := filepath.Glob(filepath.Join(dir, "kept", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v\n%s", dirs, out)
	}
	meta, err := rundir.ReadMeta(dirs[0])
	if err != nil || meta.RunID == "" || meta.KeptUntil == nil {
		t.Fatalf("run.json: %+v, %v", meta, err)
	}
	kept := meta.RunID
	t.Cleanup(func() { docker.Reap(context.Background(), cli, docker.Selector{RunID: kept}) })
	if d := time.Until(*meta.KeptUntil); d < 55*time.Minute || d > 62*time.Minute {
		t.Errorf("kept until %s, %s from now; want about an hour", meta.KeptUntil, d)
	}
	if !strings.Contains(string(out), "kept until") || !strings.Contains(string(out), "cleanup --run "+kept) {
		t.Errorf("run --keep does not say until when and how to remove it:\n%s", out)
	}
	assertKept(t, cli, kept, "after the run")

	// Another run removes what dead runs left as it starts: not this.
	out, err = exec.Command(binary, "run", "--out", filepath.Join(dir, "other"), path).CombinedOutput()
	if exitCode(err) < 0 || exitCode(err) > 1 {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	assertKept(t, cli, kept, "after another run")
	out, err = exec.Command(binary, "cleanup").CombinedOutput()
	if err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out)
	}
	assertKept(t, cli, kept, "after a plain cleanup")

	out, err = exec.Command(binary, "cleanup", "--dry-run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "run "+kept+"  age ") || !strings.Contains(string(out), "kept until ") {
		t.Errorf("cleanup --dry-run does not list the kept run with its age: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "cleanup", "--kept", "--dry-run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "would remove 3 containers, 1 networks") {
		t.Errorf("cleanup --kept --dry-run: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "cleanup", "--run", kept).CombinedOutput()
	if err != nil {
		t.Fatalf("cleanup --run: %v\n%s", err, out)
	}
	if cs, ns := dockertest.RunResources(t, cli, kept); len(cs)+len(ns) != 0 {
		t.Errorf("after cleanup --run: containers %v networks %v left\n%s", cs, ns, out)
	}
}

// assertKept checks that the kept run's three containers still run, with
// the kept label, and its network is there.
func assertKept(t *testing.T, cli *client.Client, runID, when string) {
	t.Helper()
	f := client.Filters{}.Add("label", docker.LabelRun+"="+runID)
	cs, err := cli.ContainerList(context.Background(), client.ContainerListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, c := range cs.Items {
		if _, ok := docker.KeptUntil(c.Labels); ok && c.State == "running" {
			running++
		}
	}
	if _, ns := dockertest.RunResources(t, cli, runID); running != 3 || len(ns) != 1 {
		t.Fatalf("%s: %d kept containers running, %d networks; want 3 and 1", when, running, len(ns))
	}
}
