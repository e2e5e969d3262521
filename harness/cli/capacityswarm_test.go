package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
)

// TestCapacityFromSwarmShards runs a small capacity search whose every
// step's load comes from 2 shards on a single-node swarm (--workers 2):
// authsim at 1 CPU, steps of 3 s at 40/s then 80/s. Each step is a swarm
// job of its own whose merged attempts are the step's: the shards sent
// the step's payments (none were this process's), the containers were
// measured, each step named its binding limit, and capacity.json says the
// generator was the shards. No service, config or secret is left.
func TestCapacityFromSwarmShards(t *testing.T) {
	cli := dockertest.Client(t)
	dockertest.Images(t)
	singleNodeSwarm(t, cli)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(`name: test/capacity-swarm
seed: 31
target: {kind: authsim}
accounts: {count: 100}
traffic: {phases: [{duration: 10s, shape: constant, rate: 10/s}]}
requests: {client: {timeout: 2s}}
slo: {failure_ratio: 0.05, p99: 2s}
`), 0o644)
	out, err := cmd("capacity", path, "--workers", "2", "--cpus", "1", "--step", "3s", "--start-rate", "40", "--max-rate", "80",
		"--lead", "8s", "--listen", freePort(t), "--out", dir)
	if err != nil {
		t.Fatalf("capacity --workers 2: %v\n%s", err, out)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "capacity-*", rundir.CapacityFile))
	if len(found) != 1 {
		t.Fatalf("no capacity.json:\n%s", out)
	}
	data, _ := os.ReadFile(found[0])
	var c rundir.Capacity
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if c.Workers != 2 || !strings.Contains(c.Generator, "2 swarm shards") || len(c.Limits) != 1 || len(c.Limits[0].Steps) != 2 {
		t.Fatalf("workers %d, generator %q, limits %+v\n%s", c.Workers, c.Generator, c.Limits, out)
	}
	for i, st := range c.Limits[0].Steps {
		want := int(st.Rate * st.WindowS)
		if st.Sent < want*9/10 || st.Sent > want+2 {
			t.Errorf("step %d at %.0f/s: the shards sent %d in its %.1f s window, want about %d", i, st.Rate, st.Sent, st.WindowS, want)
		}
		if u := st.Use; u == nil || u.GeneratorCPU != nil || u.Service == nil || u.Service.CPU == nil || st.Binding == "" || st.Binding == "unknown" {
			t.Errorf("step %d: binding %q (%s), use %+v: want the containers measured and no generator CPU of this process", i, st.Binding, st.BindingWhy, u)
		}
		merged := filepath.Join(filepath.Dir(found[0]), "steps", "cap0-"+string(rune('1'+i)), "merged", rundir.AttemptsFile)
		if _, err := os.Stat(merged); err != nil {
			t.Errorf("step %d's merged run: %v", i, err)
		}
	}
	if !strings.Contains(out, "Generator: the load came from 2 swarm shards") {
		t.Errorf("the report does not say where the load came from:\n%s", out)
	}
	noSwarmLeftovers(t, cli)
}

// capacity --workers' flags are checked before anything starts: each bad
// value is invalid input (exit 2) naming the flag.
func TestCapacityWorkersFlags(t *testing.T) {
	for _, c := range [][]string{
		{"--workers", "-1"}, {"--workers", "100000"},
		{"--workers", "2", "--lead", "0s"},
		{"--workers", "2", "--listen", "10.1.2.3:7190"},
	} {
		out, err := cmd(append([]string{"capacity", "x.yaml", "--cpus", "1"}, c...)...)
		if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), strings.TrimPrefix(c[len(c)-2], "--")) {
			t.Errorf("capacity %v: %v (exit %d)\n%s", c, err, exitcode.Of(err), out)
		}
	}
}
