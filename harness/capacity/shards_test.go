package capacity

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target/registry"
)

// stepLoad is the library's step-load scenario with everything a step's
// shards must not run (faults, setup, an SLO, stop conditions, phases of
// its own) and what they keep (request rules, accounts, client).
const stepLoad = `name: t/step
seed: 5
target:
  kind: authsim
  request:
    path: /v1/authorizations
    headers: {Idempotency-Key: "{{.IdempotencyKey}}"}
    body: '{"account_id":"{{.AccountID}}","amount_minor":{{.AmountMinor}}}'
accounts: {count: 40}
setup:
  steps:
    - {name: seed, http: {url: "{{.Admin}}/admin/seed", body: "{}"}}
traffic: {phases: [{name: a, duration: 30s, shape: constant, rate: 20/s}, {name: b, duration: 5s, shape: ramp, from: 1/s, to: 9/s}]}
requests: {currency: GBP, client: {timeout: 700ms}}
faults:
  - {name: db, at: 2s, duration: 3s, kind: timeout, target: db}
stop_when: [{failure_ratio: 0.9, for: 5s}]
slo: {failure_ratio: 0.01, p99: 500ms}
`

// TestStepScenario: what a step's shards run loads as a url scenario at
// the client link with the step's one phase, rate, key prefix and seed,
// the file's request rules, accounts and client, and no faults, setup,
// SLO or stop conditions (the search judges the merged attempts).
func TestStepScenario(t *testing.T) {
	s := scenario.Scenario{Seed: 99}
	s.Traffic.Phases = []scenario.Phase{{Name: "step", Duration: scenario.Duration(8 * time.Second), Shape: scenario.ShapeConstant, Rate: 437.5}}
	s.Requests.KeyPrefix = "cap1-3"
	data, err := StepScenario([]byte(stepLoad), "http://127.0.0.1:40999", &s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "step.yaml")
	os.WriteFile(path, data, 0o644)
	got, _, err := registry.Load(path)
	if err != nil {
		t.Fatalf("a step's scenario does not load: %v\n%s", err, data)
	}
	ph := got.Traffic.Phases
	switch {
	case got.Target.Kind != "url" || got.Target.URL != "http://127.0.0.1:40999":
		t.Errorf("target %s %s", got.Target.Kind, got.Target.URL)
	case len(ph) != 1 || ph[0].Duration.D() != 8*time.Second || ph[0].Rate != 437.5 || ph[0].Shape != scenario.ShapeConstant:
		t.Errorf("phases %+v", ph)
	case got.Seed != 99 || got.Requests.KeyPrefix != "cap1-3" || got.Requests.Currency != "GBP" || got.Requests.Client.Timeout.D() != 700*time.Millisecond:
		t.Errorf("seed %d, requests %+v", got.Seed, got.Requests)
	case got.Accounts.Count != 40 || got.Target.Request.Path != "/v1/authorizations":
		t.Errorf("accounts %d, request %+v", got.Accounts.Count, got.Target.Request)
	case len(got.Faults) > 0 || got.Setup != nil || len(got.StopWhen) > 0 || got.SLO.FailureRatio != nil || got.SLO.P99 != nil:
		t.Errorf("owner's or judge's part kept: faults %v, setup %v, stop_when %v, slo %+v", got.Faults, got.Setup, got.StopWhen, got.SLO)
	}
}
