package run

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/setup"
	"github.com/authquake/authquake/harness/topology"
)

// authsimSetup is the authsim module's provisioning when a scenario gives no
// setup of its own: one call to its seed endpoint, which creates every
// account with the limits the seed draws (the same as authquake's own,
// harness/traffic.Accounts).
func authsimSetup() *scenario.Setup {
	return &scenario.Setup{Concurrency: 1, Timeout: scenario.Duration(60 * time.Second), Steps: []scenario.SetupStep{{
		Name: "authsim-seed",
		HTTP: &scenario.HTTPStep{Method: "POST", URL: "{{.Admin}}/admin/accounts/seed", Expect: []int{200},
			Headers: map[string]string{"Authorization": "Bearer {{.AdminToken}}", "Content-Type": "application/json"},
			Body: `{"count":{{.Count}},"prefix":"{{.Prefix}}","currency":"{{.Currency}}","limit_min_minor":{{.LimitMin}},` +
				`"limit_max_minor":{{.LimitMax}},"distribution":"{{.Distribution}}","seed":{{.Seed}}}`},
	}}}
}

// Provision runs the scenario's setup steps (authsim's seed call by default
// for an authsim target) against a running topology. A failed step is an
// exit-5 error naming the step, the account and the service's answer.
// Setup steps go through the guarded client: no redirect is followed and
// nothing off this machine is reached unless allowRemote.
func Provision(ctx context.Context, topo *topology.Topology, s *scenario.Scenario, allowRemote bool, progress io.Writer, tty bool) (*setup.Result, error) {
	sc := *s
	if sc.Setup == nil && sc.Target.Kind == scenario.TargetAuthsim {
		sc.Setup = authsimSetup()
	}
	svc := topo.Endpoints.ServiceDirect
	if svc == "" {
		svc = topo.Endpoints.Service
	}
	env := setup.Env{Service: svc, Admin: topo.Endpoints.Admin, AdminToken: topo.AdminToken,
		PostgresDSN: topo.Endpoints.PostgresDSN, Client: egress.Guard{AllowRemote: allowRemote}.Client(), Progress: progress, TTY: tty}
	res, err := setup.Run(ctx, &sc, env)
	if err != nil {
		return res, exitcode.New(exitcode.Environment, Interrupted(ctx, err), "no load was sent: fix the setup step or the service, then run again")
	}
	return res, nil
}

// provision runs setup for a run, saves accounts.json and records the steps
// and their time in run.json.
func provision(ctx context.Context, tgt *target, s *scenario.Scenario, o Options, dir string, meta *Meta) error {
	res, err := Provision(ctx, tgt.topo, s, o.AllowRemote, o.Progress, o.TTY)
	if res != nil {
		meta.Setup = res
		if serr := setup.Save(dir, res.Accounts); serr != nil && err == nil {
			err = exitcode.New(exitcode.Environment, fmt.Errorf("save accounts: %w", serr), "")
		}
	}
	if err == nil && res != nil && len(res.Steps) > 0 {
		fmt.Fprintf(o.Log, "setup: %d steps in %.1fs\n", len(res.Steps), res.DurationMS/1000)
	}
	return err
}
