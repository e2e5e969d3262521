package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/rundir"
)

// ownedScenarios are two scenarios whose target authquake swarm starts,
// each with a database blackhole: authsim with its own ledger source, and
// authsim run as your own service (kind containers: setup through its
// admin API capturing the ids it answers, which the requests send as
// {{.AccountRef}}, its ledger read by SQL from its own tables).
var ownedScenarios = map[string]string{
	"authsim": `name: test/swarm-owned
seed: 23
target: {kind: authsim}
`,
	"containers with a SQL ledger": `name: test/swarm-owned-containers
seed: 29
target:
  kind: containers
  containers:
    service:
      image: authquake/authsim:local
      port: 8080
      admin_port: 8081
      ready: /readyz
      env: {AUTHSIM_DATABASE_URL: "{{.Postgres.DSN}}", AUTHSIM_ADMIN_TOKEN: t0ken}
    postgres: {database: authsim, user: authsim, password: authsim}
  request:
    path: /v1/authorizations
    headers: {Content-Type: application/json, Idempotency-Key: "{{.IdempotencyKey}}"}
    body: '{"account_id":"{{.AccountRef}}","amount_minor":{{.AmountMinor}},"currency":"{{.Currency}}","merchant_id":"{{.MerchantID}}"}'
  response:
    duplicate_key: replay
    code: code
    reason: reason
    rules:
      - {status: [200, 201], json: {path: status, equals: approved}, outcome: approved}
      - {status: 402, json: {path: status, equals: declined}, outcome: declined}
      - {status: 503, json: {path: code, equals: "91"}, outcome: shed}
      - {status: [200, 201, 402], outcome: error}
setup:
  steps:
    - name: create-account
      for_each: account
      http:
        url: "{{.Admin}}/admin/accounts"
        headers: {Authorization: "Bearer t0ken", Content-Type: application/json}
        body: '{"id":"{{.Account.ID}}","limit_minor":{{.Account.Limit}}}'
        expect: [201]
        capture: {ref: id}
ledger:
  kind: sql
  accounts:
    query: select id, limit_minor, held_minor, frozen from accounts
    columns: {id: id, limit: limit_minor, held: held_minor, frozen: frozen}
  payments:
    query: select id, idempotency_key, account_id, amount_minor, status, hold_minor, created_at from authorizations
    columns: {id: id, key: idempotency_key, account: account_id, amount: amount_minor, state: status, hold: hold_minor, created_at: created_at}
    states: {approved: held, declined: declined, reversed: reversed}
`,
}

// ownedLoad is the load and the fault of every ownedScenarios run.
const ownedLoad = `accounts: {count: 200}
traffic: {phases: [{duration: 20s, shape: constant, rate: 100/s}]}
requests: {client: {timeout: 1s, retries: {max_attempts: 1}}}
faults:
  - {name: db-blackhole, at: 6s, duration: 4s, kind: timeout, target: db}
`

// TestSwarmOwnsTheTargetAndItsFaults runs each of ownedScenarios with a
// database blackhole as 3 shards at 100/s for 20 s on a single-node swarm:
// authquake swarm starts the target once, runs the fault from the shards'
// start instant and reads the ledger once they have all uploaded; the
// merged summary shows the fault's impact and a clean audit from the
// scenario's ledger source, and the run has the target's container samples
// and (authsim's) service metrics, as a single run's would; no container,
// service, config or secret is left.
func TestSwarmOwnsTheTargetAndItsFaults(t *testing.T) {
	cli := dockertest.Client(t)
	singleNodeSwarm(t, cli)
	for name, head := range ownedScenarios {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.yaml")
			os.WriteFile(path, []byte(head+ownedLoad), 0o644)
			out, err := cmd("swarm", path, "--workers", "3", "--out", dir, "--lead", "10s", "--listen", freePort(t))
			merged, _ := filepath.Glob(filepath.Join(dir, "*", "merged"))
			if len(merged) != 1 {
				t.Fatalf("no merged run (%v):\n%s", err, out)
			}
			s := readSummary(t, merged[0])
			if s.Requests.Payments != 2000 || s.Requests.Planned != 2000 || len(s.Shards) != 3 {
				t.Fatalf("payments %d of %d planned, %d shards, want 2000 of 2000 and 3\n%s", s.Requests.Payments, s.Requests.Planned, len(s.Shards), out)
			}
			for _, sh := range s.Shards {
				if sh.Status != "completed" || sh.Unsent != 0 {
					t.Errorf("shard %+v", sh)
				}
			}
			if s.Requests.Approved < 1000 { // an account id missing from a request is no approval
				t.Errorf("%d approved of 2000\n%s", s.Requests.Approved, out)
			}
			if f := s.Faults; len(f) != 1 || f[0].Name != "db-blackhole" || f[0].TimelineState != "reverted" || !f[0].Impact {
				t.Errorf("the db fault's impact is not in the merged report: %+v\n%s", f, out)
			}
			m, err := rundir.ReadMeta(merged[0])
			if err != nil || m.RunID == "" {
				t.Fatalf("merged run.json: %v, %+v", err, m)
			}
			if a := s.Audit; a == nil || !a.Checked || a.Inconclusive || len(a.Violations) > 0 || a.Source != map[string]string{"authsim": "authsim", "containers": "sql"}[m.Target.Kind] {
				t.Errorf("audit not clean, or not from the scenario's ledger source: %+v\n%s", a, out)
			}
			if role := ownedSamples(merged[0]); !role["service"] || !role["postgres"] {
				t.Errorf("the owner's container samples are not in the merged run: roles %v", role)
			}
			if _, err := os.Stat(filepath.Join(merged[0], rundir.ServiceMetricsFile)); (err == nil) != (m.Target.Kind == "authsim") {
				t.Errorf("service metrics in the merged run of a %s target: %v", m.Target.Kind, err)
			}
			if cs, ns := dockertest.RunResources(t, cli, m.RunID); len(cs)+len(ns) > 0 {
				t.Errorf("left behind: containers %v, networks %v", cs, ns)
			}
			noSwarmLeftovers(t, cli)
		})
	}
}

// TestHandShardsShareTheTargetShard0Starts runs the authsim scenario of
// ownedScenarios as 3 shards by hand (run --shard, in this process):
// shard 0 starts authsim, publishes its client link on the endpoint it
// serves and runs the fault; the others wait for the link and send to it.
// The merge shows the fault's impact and a clean audit.
func TestHandShardsShareTheTargetShard0Starts(t *testing.T) {
	dockertest.Client(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(ownedScenarios["authsim"]+ownedLoad), 0o644)
	shards := runShardsIn(t, path, filepath.Join(dir, "shards"), 3, 25*time.Second)
	merged := filepath.Join(dir, "merged")
	out, err := cmd(append(append([]string{"merge"}, shards...), "--out", merged)...)
	s := readSummary(t, merged)
	if s.Requests.Payments != 2000 || s.Requests.Planned != 2000 || len(s.Shards) != 3 {
		t.Fatalf("payments %d of %d planned, %d shards, want 2000 of 2000 and 3 (%v)\n%s", s.Requests.Payments, s.Requests.Planned, len(s.Shards), err, out)
	}
	if f := s.Faults; len(f) != 1 || f[0].TimelineState != "reverted" || !f[0].Impact {
		t.Errorf("the db fault's impact is not in the merged report: %+v", f)
	}
	if a := s.Audit; a == nil || !a.Checked || a.Inconclusive || len(a.Violations) > 0 || a.Source != "authsim" {
		t.Errorf("audit not clean, or not authsim's: %+v", a)
	}
}

// ownedSamples are the container roles sampled in a run directory.
func ownedSamples(dir string) map[string]bool {
	samples, _ := rundir.ReadSamples(dir)
	roles := map[string]bool{}
	for _, s := range samples {
		if s.Kind == "container" {
			roles[s.Role] = true
		}
	}
	return roles
}

// noSwarmLeftovers fails the test on any service, config or secret
// authquake labelled.
func noSwarmLeftovers(t *testing.T, cli *client.Client) {
	ctx := context.Background()
	f := client.Filters{}.Add("label", docker.LabelRun)
	ss, serr := cli.ServiceList(ctx, client.ServiceListOptions{Filters: f})
	cs, cerr := cli.ConfigList(ctx, client.ConfigListOptions{Filters: f})
	sec, xerr := cli.SecretList(ctx, client.SecretListOptions{Filters: f})
	if err := errors.Join(serr, cerr, xerr); err != nil || len(ss.Items)+len(cs.Items)+len(sec.Items) > 0 {
		t.Errorf("left behind: %d services, %d configs, %d secrets (%v)", len(ss.Items), len(cs.Items), len(sec.Items), err)
	}
}
