package target

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/topology"
)

// authsimBugs are the known bugs authsim can switch on (AUTHSIM_BUGS),
// sorted; a test holds them equal to targets/authsim/ledger.BugNames.
var authsimBugs = []string{"ack-before-commit", "decline-leaves-hold", "idempotency-race", "limit-race", "stale-limit-cache"}

// authsimModule is the bundled reference service (targets/authsim) on
// Postgres, its database link through Toxiproxy. It seeds its own accounts,
// keeps its own ledger, and has switches of its own: maintenance, risk
// strictness and credit limits, through its admin API.
type authsimModule struct{}

func (authsimModule) Kind() string { return scenario.TargetAuthsim }

func (authsimModule) Summary() string {
	return "the bundled reference service on Postgres, with known bugs to switch on (target.authsim)"
}

func (authsimModule) Links(scenario.Target) (links, roles []string) {
	return []string{"client", "db"}, []string{"service", "postgres"}
}

// Check checks the authsim block: known bug names, a CPU limit of 0 or more.
func (authsimModule) Check(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	a := s.Target.Authsim
	if a == nil {
		return nil
	}
	var probs scenario.Problems
	for i, b := range a.Bugs {
		if !slices.Contains(authsimBugs, b) {
			probs = append(probs, src.Errorf(fmt.Sprintf("$.target.authsim.bugs[%d]", i), "known bugs: "+strings.Join(authsimBugs, ", "), "unknown bug %q", b))
		}
	}
	if a.CPUs < 0 {
		probs = append(probs, src.Errorf("$.target.authsim.cpus", "", "must be 0 (no limit) or more"))
	}
	return probs
}

func (authsimModule) Images(scenario.Target) images.Need {
	return images.Need{Toxiproxy: true, Postgres: true, Authsim: true}
}

// Ledger is authsim's /admin/ledger.
func (authsimModule) Ledger() string { return scenario.LedgerAuthsim }

// Setup is one call to authsim's seed endpoint, which creates every
// account with the limits the seed draws (the same as authquake's own,
// harness/traffic.Accounts).
func (authsimModule) Setup(*scenario.Scenario) *scenario.Setup {
	return &scenario.Setup{Concurrency: 1, Timeout: scenario.Duration(60 * time.Second), Steps: []scenario.SetupStep{{
		Name: "authsim-seed",
		HTTP: &scenario.HTTPStep{Method: "POST", URL: "{{.Admin}}/admin/accounts/seed", Expect: []int{200},
			Headers: map[string]string{"Authorization": "Bearer {{.AdminToken}}", "Content-Type": "application/json"},
			Body: `{"count":{{.Count}},"prefix":"{{.Prefix}}","currency":"{{.Currency}}","limit_min_minor":{{.LimitMin}},` +
				`"limit_max_minor":{{.LimitMax}},"distribution":"{{.Distribution}}","seed":{{.Seed}}}`},
	}}}
}

// Faults are authsim's own switches (authsim_faults.go).
func (authsimModule) Faults() []fault.Kind {
	return []fault.Kind{maintenanceKind, riskKind, creditLimitKind}
}

// FaultEnv gives authsim's faults its admin API.
func (authsimModule) FaultEnv(t *Target, env *fault.Env) {
	env.Admin, env.AdminToken = t.Topo.Endpoints.Admin, t.Topo.AdminToken
}

// LimitsCPUs: Options.CPUs limits authsim's container (authquake capacity).
func (authsimModule) LimitsCPUs() {}

func (m authsimModule) Start(ctx context.Context, s *scenario.Scenario, o Options) (*Target, error) {
	t := &Target{}
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
	refs, err := dockerHost(ctx, t, m.Images(s.Target), o.Log)
	if err != nil {
		return t, err
	}
	t.Bugs, t.Images = a.Bugs, []string{refs.Postgres, refs.Toxiproxy, refs.Authsim}
	topo, err := topology.StartAuthsim(ctx, topology.AuthsimOptions{Images: refs, Bugs: a.Bugs, Env: a.Env,
		CPUs: a.CPUs, Memory: int64(a.Memory), KeepUntil: o.KeepUntil, Log: o.Log})
	t.Topo = topo
	if err != nil {
		return t, exitcode.New(exitcode.Environment, fmt.Errorf("start authsim: %w", err), startHint(err))
	}
	t.StartupMS = topo.Startup.Milliseconds()
	return t, nil
}
