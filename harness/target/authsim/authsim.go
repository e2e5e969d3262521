// Package authsim is the module of the bundled reference service
// (targets/authsim): authsim on Postgres, its database link through
// Toxiproxy, in the shape of a testcontainers-go module. Run starts the
// topology with options (options.go); Module answers what the registry asks
// of a target kind (harness/target): its checks and defaults, its images,
// its seed call, its ledger source (ledger.go) and the fault kinds it adds
// through its admin API, one per file: maintenance.go, risk.go, credit.go.
//
//	authquake run (kind authsim) ─┐
//	authquake up ─────────────────┴─> Module.Start ─> Run(ctx, images, opts...)
package authsim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/ledger"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
)

// Bugs are the known bugs authsim can switch on (AUTHSIM_BUGS), sorted; a
// test holds them equal to targets/authsim/ledger.BugNames.
var Bugs = []string{"ack-before-commit", "decline-leaves-hold", "idempotency-race", "limit-race", "stale-limit-cache"}

// Module is the bundled reference service on Postgres. It seeds its own
// accounts, keeps its own ledger, and has switches of its own: maintenance,
// risk strictness and credit limits, through its admin API.
type Module struct{}

// Kind is target.kind authsim.
func (Module) Kind() string { return scenario.TargetAuthsim }

// Summary says what it is, for authquake list.
func (Module) Summary() string {
	return "the bundled reference service on Postgres, with known bugs to switch on (target.authsim)"
}

// Links are the client link and the database link; the containers the
// service and Postgres.
func (Module) Links(scenario.Target) (links, roles []string) {
	return []string{"client", "db"}, []string{"service", "postgres"}
}

// Defaults gives a scenario of kind authsim an authsim block and, when it
// names no ledger source, authsim's own.
func (Module) Defaults(s *scenario.Scenario) {
	if s.Target.Authsim == nil {
		s.Target.Authsim = &scenario.AuthsimTarget{}
	}
	if s.Ledger.Kind == "" {
		s.Ledger.Kind = scenario.LedgerAuthsim
	}
}

// Validate checks the authsim block: known bug names, a CPU limit of 0 or more.
func (Module) Validate(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	a := s.Target.Authsim
	if a == nil {
		return nil
	}
	var probs scenario.Problems
	for i, b := range a.Bugs {
		if !slices.Contains(Bugs, b) {
			probs = append(probs, src.Errorf(fmt.Sprintf("$.target.authsim.bugs[%d]", i), "known bugs: "+strings.Join(Bugs, ", "), "unknown bug %q", b))
		}
	}
	if a.CPUs < 0 {
		probs = append(probs, src.Errorf("$.target.authsim.cpus", "", "must be 0 (no limit) or more"))
	}
	return probs
}

// Shareable is false: each shard would start its own authsim (start one
// with authquake up and point the shards at it, kind url).
func (Module) Shareable() bool { return false }

// Images are all three of the bundled topology's.
func (Module) Images(scenario.Target) images.Need {
	return images.Need{Toxiproxy: true, Postgres: true, Authsim: true}
}

// Ledger is authsim's /admin/ledger (ledger.go).
func (Module) Ledger() string { return scenario.LedgerAuthsim }

// LedgerSource reads authsim's /admin/ledger.
func (Module) LedgerSource(env ledger.Env) (ledger.Source, error) { return newLedger(env) }

// Setup is one call to authsim's seed endpoint, which creates every
// account with the limits the seed draws (the same as authquake's own,
// harness/traffic.Accounts).
func (Module) Setup(*scenario.Scenario) *scenario.Setup {
	return &scenario.Setup{Concurrency: 1, Timeout: scenario.Duration(60 * time.Second), Steps: []scenario.SetupStep{{
		Name: "authsim-seed",
		HTTP: &scenario.HTTPStep{Method: "POST", URL: "{{.Admin}}/admin/accounts/seed", Expect: []int{200},
			Headers: map[string]string{"Authorization": "Bearer {{.AdminToken}}", "Content-Type": "application/json"},
			Body: `{"count":{{.Count}},"prefix":"{{.Prefix}}","currency":"{{.Currency}}","limit_min_minor":{{.LimitMin}},` +
				`"limit_max_minor":{{.LimitMax}},"distribution":"{{.Distribution}}","seed":{{.Seed}}}`},
	}}}
}

// Faults are authsim's own switches, one per file.
func (Module) Faults() []fault.Kind {
	return []fault.Kind{maintenanceKind, riskKind, creditLimitKind}
}

// LimitsCPUs: Options.CPUs limits authsim's container (authquake capacity).
func (Module) LimitsCPUs() {}

// Start builds the images and runs the topology with the scenario's authsim
// block, overridden by o (--bugs, a CPU limit).
func (m Module) Start(ctx context.Context, s *scenario.Scenario, o target.Options) (*target.Target, error) {
	t := &target.Target{}
	var a scenario.AuthsimTarget
	if s.Target.Authsim != nil {
		a = *s.Target.Authsim
	}
	if o.Bugs != nil {
		a.Bugs = *o.Bugs
	}
	if o.CPUs > 0 {
		a.CPUs = o.CPUs
	}
	refs, err := target.DockerHost(ctx, t, m.Images(s.Target), o.Log)
	if err != nil {
		return t, err
	}
	t.Bugs, t.Images = a.Bugs, []string{refs.Postgres, refs.Toxiproxy, refs.Authsim}
	topo, err := Run(ctx, refs, WithBugs(a.Bugs...), WithEnv(a.Env), WithCPUs(a.CPUs), WithCpusets(o.CpusetService, o.CpusetOthers), WithMemory(int64(a.Memory)),
		WithKeepUntil(o.KeepUntil), WithLog(o.Log))
	t.Topo = topo
	if err != nil {
		return t, exitcode.New(exitcode.Environment, fmt.Errorf("start authsim: %w", err), target.StartHint(err))
	}
	t.StartupMS = topo.Startup.Milliseconds()
	return t, nil
}
