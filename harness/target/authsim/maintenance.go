package authsim

import (
	"context"
	"time"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/scenario"
)

// maintenanceKind switches authsim into maintenance mode: explicit 503s
// with Retry-After. It fails payments.
var maintenanceKind = serviceKind("maintenance", "switches the service into maintenance mode: explicit 503s with Retry-After", fault.Always(fault.Fails),
	[]string{"retry_after: what Retry-After says (30s)"},
	func(p *maintenanceParams) []fault.ParamError {
		if p.RetryAfter == 0 {
			p.RetryAfter = scenario.Duration(30 * time.Second)
		}
		return nil
	},
	func(p *maintenanceParams, a admin, _ fault.Spec, _ fault.Env) fault.Fault {
		return &maintenanceFault{a, *p}
	})

type maintenanceParams struct {
	// RetryAfter is what the Retry-After header of the 503s says.
	RetryAfter scenario.Duration `yaml:"retry_after"`
}

type maintenanceFault struct {
	a admin
	p maintenanceParams
}

func (f *maintenanceFault) Inject(ctx context.Context) error {
	return f.a.do(ctx, "PUT", "/admin/maintenance", map[string]any{"on": true, "retry_after_s": int(f.p.RetryAfter.D().Seconds())}, nil)
}

func (f *maintenanceFault) Revert(ctx context.Context) error {
	return f.a.do(ctx, "PUT", "/admin/maintenance", map[string]any{"on": false}, nil)
}
