package multinode_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/images"
)

// ownedScenario is authsim with a database blackhole: the target authquake
// swarm starts itself, its fault and its ledger the launcher's.
const ownedScenario = `name: test/multinode-owned
seed: 31
target: {kind: authsim}
accounts: {count: 200}
traffic: {phases: [{duration: 16s, shape: constant, rate: 50/s}]}
requests: {client: {timeout: 1s, retries: {max_attempts: 1}}}
faults:
  - {name: db-blackhole, at: 5s, duration: 3s, kind: timeout, target: db}
`

// TestSwarmOwnsItsTargetAcrossNodes runs authquake swarm on the manager
// node, as a user of a real swarm would: it starts authsim, its Postgres
// and Toxiproxy in the manager's engine (their ports on the manager's
// loopback), runs the database blackhole and reads the ledger itself, and
// the shards, one a node, reach the client link through the relay on the
// manager's address. The merged summary has every payment, the shards on
// the three nodes, the fault's impact and a clean audit from authsim's
// ledger.
func TestSwarmOwnsItsTargetAcrossNodes(t *testing.T) {
	ctx, c, refs := cluster(t)
	m := c.Manager()
	local := []string{"authquake/authsim:local", "authquake/toxiproxy:local", "authquake/postgres:local"}
	if err := c.Load(ctx, c.Nodes[:1], local...); err != nil {
		t.Fatal(err)
	}
	src, err := images.FindSource()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "authquake")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/authquake")
	build.Dir, build.Env = src, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build authquake: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CopyIn(ctx, m, "/", map[string][]byte{"work/authquake": data, "work/s.yaml": []byte(ownedScenario)}); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	out, code, err := c.Exec(ctx, m, []string{"AUTHQUAKE_POSTGRES_IMAGE=authquake/postgres:local"},
		"/work/authquake", "swarm", "/work/s.yaml", "--workers", "3", "--max-per-node", "1", "--image", refs.Authquake,
		"--listen", net.JoinHostPort(m.Addr, "7190"), "--allow-remote", "--lead", "20s", "--out", "/work/out")
	t.Logf("authquake swarm on the manager, its target there too: %s, exit %d (%v)", time.Since(started).Round(time.Second), code, err)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "client link") || strings.HasPrefix(line, "swarm: shard") {
			t.Log(line)
		}
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ls, _, err := c.Exec(ctx, m, nil, "sh", "-c", "ls -d /work/out/*/merged")
	if err != nil || strings.TrimSpace(ls) == "" {
		t.Fatalf("no merged run (exit %d, %v):\n%s", code, err, out)
	}
	b, err := c.ReadFile(ctx, m, strings.TrimSpace(ls)+"/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	var s analysis.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Requests.Payments != 800 || s.Requests.Planned != 800 || len(s.Shards) != 3 {
		t.Fatalf("payments %d of %d planned, %d shards, want 800 of 800 and 3\n%s", s.Requests.Payments, s.Requests.Planned, len(s.Shards), out)
	}
	var hosts, nodes []string
	for _, sh := range s.Shards {
		hosts = append(hosts, sh.Host)
		if sh.Status != "completed" || sh.Unsent != 0 {
			t.Errorf("shard %+v", sh)
		}
	}
	for _, n := range c.Nodes {
		nodes = append(nodes, n.Name)
	}
	sort.Strings(hosts)
	if !slices.Equal(hosts, nodes) {
		t.Errorf("shards ran on %v, want one on each node %v", hosts, nodes)
	}
	if f := s.Faults; len(f) != 1 || f[0].Name != "db-blackhole" || f[0].TimelineState != "reverted" || !f[0].Impact {
		t.Errorf("the db fault's impact is not in the merged report: %+v\n%s", f, out)
	} else {
		t.Logf("db-blackhole: %d payments during it, %d failed (%.0f%%); recovered %v", f[0].During.Payments,
			f[0].During.Payments-f[0].During.Outcomes.Approved-f[0].During.Outcomes.Declined, 100*f[0].During.FailureRatio, f[0].Recovered)
	}
	if a := s.Audit; a == nil || !a.Checked || a.Inconclusive || len(a.Violations) > 0 || a.Source != "authsim" {
		t.Errorf("audit not clean, or not from authsim's ledger: %+v\n%s", a, out)
	}
}
