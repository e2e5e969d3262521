package run

import (
	"context"
	"fmt"
	"io"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/setup"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/topology"
)

// Provision runs the scenario's setup steps, or its target module's when it
// gives none (authsim: its seed call), against a running topology. A failed
// step is an exit-5 error naming the step, the account and the service's
// answer.
// Setup steps go through the guarded client: no redirect is followed and
// nothing off this machine is reached unless allowRemote. token, when set,
// is {{.Token}} in setup templates (target.auth).
func Provision(ctx context.Context, topo *topology.Topology, s *scenario.Scenario, allowRemote bool, progress io.Writer, tty bool, token func() string, notifyURL string) (*setup.Result, error) {
	sc := *s
	if sc.Setup == nil {
		sc.Setup = registry.DefaultSetup(&sc)
	}
	svc := topo.Endpoints.ServiceDirect
	if svc == "" {
		svc = topo.Endpoints.Service
	}
	env := setup.Env{Service: svc, Admin: topo.Endpoints.Admin, AdminToken: topo.AdminToken,
		PostgresDSN: topo.Endpoints.PostgresDSN, Guard: egress.Guard{AllowRemote: allowRemote}, Client: egress.Guard{AllowRemote: allowRemote}.Client(),
		Progress: progress, TTY: tty, Token: token, NotifyURL: notifyURL}
	res, err := setup.Run(ctx, &sc, env)
	if err != nil {
		return res, exitcode.New(exitcode.Environment, Interrupted(ctx, err), "no load was sent: fix the setup step or the service, then run again")
	}
	return res, nil
}

// provision runs setup for a run, saves accounts.json (and created.json,
// the ledger entries its steps made) and records the steps and their time
// in run.json. The service's own account ids it captured go into o.refs,
// for the request templates.
func provision(ctx context.Context, tgt *target.Target, s *scenario.Scenario, o *Options, dir string, meta *rundir.Meta) error {
	var token func() string
	if o.auth != nil {
		token = o.auth.Token
	}
	res, err := Provision(ctx, tgt.Topo, s, o.AllowRemote, o.Progress, o.TTY, token, o.notifyURL())
	if res != nil {
		meta.Setup, o.refs = &res.Setup, res.Refs()
		if serr := rundir.WriteAccounts(dir, res.Accounts); serr != nil && err == nil {
			err = exitcode.New(exitcode.Environment, fmt.Errorf("save accounts: %w", serr), "")
		}
		if serr := rundir.WriteCreated(dir, res.Created); serr != nil && err == nil {
			err = exitcode.New(exitcode.Environment, fmt.Errorf("save the ledger entries setup made: %w", serr), "")
		}
	}
	if err == nil && res != nil && len(res.Steps) > 0 {
		fmt.Fprintf(o.Log, "setup: %d steps in %.1fs\n", len(res.Steps), res.DurationMS/1000)
	}
	return err
}
