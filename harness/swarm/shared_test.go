package swarm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target/registry"
)

// original is an authsim scenario with everything a shard must not run
// (faults, setup, a ledger, the module's block and metrics) and what it
// must keep (request and response rules, accounts, traffic, stop_when).
const original = `name: t/shared
seed: 0
target:
  kind: authsim
  authsim: {bugs: []}
  metrics: {path: /metrics}
  request:
    path: /v1/authorizations
    headers: {Content-Type: application/json, Idempotency-Key: "{{.IdempotencyKey}}"}
    body: |
      {"account_id":"{{.AccountID}}",
       "amount_minor":{{.AmountMinor}},"currency":"{{.Currency}}","merchant_id":"{{.MerchantID}}"}
  response:
    duplicate_key: replay
    rules:
      - {status: 503, outcome: shed}
accounts: {count: 50, prefix: acc}
setup:
  steps:
    - {name: seed, http: {url: "{{.Admin}}/admin/seed", body: "{}"}}
traffic: {phases: [{duration: 10s, shape: constant, rate: 20/s}]}
requests: {currency: GBP, key_prefix: kp, client: {retries: {max_attempts: 2}}}
faults:
  - {name: db, at: 2s, duration: 3s, kind: timeout, target: db}
stop_when: [{failure_ratio: 0.9, for: 5s}]
ledger: {kind: authsim}
`

// TestSharedScenarioIsAURLTargetWithoutTheOwnersPart rewrites the
// scenario and loads what the shards get, with the url module's checks.
func TestSharedScenarioIsAURLTargetWithoutTheOwnersPart(t *testing.T) {
	data, err := SharedScenario([]byte(original), "http://127.0.0.1:40123", 77)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, data, 0o644)
	s, _, err := registry.Load(path)
	if err != nil {
		t.Fatalf("the shards' scenario does not load: %v\n%s", err, data)
	}
	orig := filepath.Join(t.TempDir(), "o.yaml")
	os.WriteFile(orig, []byte(original), 0o644)
	o, _, err := registry.Load(orig)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"a url target at the client link", s.Target.Kind == scenario.TargetURL && s.Target.URL == "http://127.0.0.1:40123"},
		{"no module block or metrics", s.Target.Authsim == nil && s.Target.Metrics == nil},
		{"no faults (the launcher's)", len(s.Faults) == 0},
		{"no setup (the launcher provisioned)", s.Setup == nil},
		{"no ledger (the launcher reads it)", s.Ledger.Kind == scenario.LedgerNone},
		{"the run's settled seed", s.Seed == 77},
		{"the request template as written", s.Target.Request.Body == o.Target.Request.Body && s.Target.Request.Path == o.Target.Request.Path &&
			s.Target.Request.Headers["Idempotency-Key"] == "{{.IdempotencyKey}}"},
		{"the response rules", len(s.Target.Response.Rules) == 1 && len(s.Target.Response.DuplicateKey) == 1 && s.Target.Response.DuplicateKey[0] == "replay"},
		{"accounts, keys, client, traffic and stop conditions", s.Accounts.Count == 50 && s.Accounts.Prefix == "acc" &&
			s.Requests.KeyPrefix == "kp" && s.Requests.Currency == "GBP" && s.Requests.Client.Retries.MaxAttempts == 2 &&
			len(s.Traffic.Phases) == 1 && len(s.StopWhen) == 1},
		{"a header saying whose the rest is", strings.HasPrefix(string(data), "# The shards' part")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no\n%s", c.what, data)
		}
	}
}

// TestSharedScenarioWithoutATarget: most of the library names no target
// (authsim by default); the shards still get a url target at the client
// link, not authsim, which each shard would try to start.
func TestSharedScenarioWithoutATarget(t *testing.T) {
	lib, err := os.ReadFile("../../scenarios/capacity/step-load.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := SharedScenario(lib, "http://127.0.0.1:40124", 5)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, data, 0o644)
	s, _, err := registry.Load(path)
	if err != nil || s.Target.Kind != scenario.TargetURL || s.Target.URL != "http://127.0.0.1:40124" || s.Seed != 5 || s.Name != "capacity/step-load" {
		t.Errorf("the shards' scenario of a file without a target: %v, %+v\n%s", err, s, data)
	}
}

// TestSharedScenarioRefusesWhatIsNoScenario: a file that is not a YAML
// mapping is an error, not an empty scenario.
func TestSharedScenarioRefusesWhatIsNoScenario(t *testing.T) {
	if _, err := SharedScenario([]byte("- a\n- b\n"), "http://127.0.0.1:1", 1); err == nil {
		t.Error("a YAML list was taken for a scenario")
	}
}
