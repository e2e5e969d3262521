package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/scenario"
)

// adminTimeout bounds each call an authsim fault makes.
const adminTimeout = 10 * time.Second

// adminHTTP calls authsim's admin API, which always runs on this machine: the
// guard allows loopback only and no redirect.
var adminHTTP = egress.Guard{}.Client(egress.Timeout(adminTimeout))

// call sends a JSON request and decodes a 2xx JSON answer into out.
func call(ctx context.Context, method, u string, headers map[string]string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := adminHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// admin is authsim's admin API.
type admin struct{ url, token string }

func (a admin) do(ctx context.Context, method, path string, body, out any) error {
	return call(ctx, method, a.url+path, map[string]string{"Authorization": "Bearer " + a.token}, body, out)
}

// serviceKind defines a fault kind that drives authsim's admin API, with its
// effect on payments.
func serviceKind[P any](name, summary string, effect fault.EffectRule, params []string, check func(*P) []fault.ParamError,
	build func(p *P, a admin, s fault.Spec, env fault.Env) fault.Fault) fault.Kind {
	parse := func(s fault.Spec) (*P, []fault.ParamError) {
		p := new(P)
		if errs := fault.Decode(s.Params, p); errs != nil {
			return nil, errs
		}
		return p, check(p)
	}
	return fault.Kind{Name: name, Family: "service", Summary: summary, Params: params, Effect: effect,
		Check: func(s fault.Spec) []fault.ParamError { _, errs := parse(s); return errs },
		Build: func(s fault.Spec, env fault.Env) (fault.Fault, error) {
			p, errs := parse(s)
			if err := fault.JoinParams(errs); err != nil {
				return nil, err
			}
			if env.Admin == "" {
				return nil, fmt.Errorf("%s needs authsim's admin API; for another target use kind http", name)
			}
			return build(p, admin{env.Admin, env.AdminToken}, s, env), nil
		}}
}

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

type riskParams struct {
	// Level is 0 (off) to 3 (paranoid); authsim runs at 1.
	Level *int `yaml:"level"`
}

type riskFault struct {
	a   admin
	p   riskParams
	was *int
}

func (f *riskFault) Inject(ctx context.Context) error {
	var st struct {
		Strictness int `json:"strictness"`
	}
	if err := f.a.do(ctx, "GET", "/admin/state", nil, &st); err != nil {
		return err
	}
	f.was = &st.Strictness
	return f.a.do(ctx, "PUT", "/admin/risk", map[string]any{"strictness": *f.p.Level}, nil)
}

func (f *riskFault) Revert(ctx context.Context) error {
	if f.was == nil {
		return nil
	}
	return f.a.do(ctx, "PUT", "/admin/risk", map[string]any{"strictness": *f.was}, nil)
}

var (
	maintenanceKind = serviceKind("maintenance", "switches the service into maintenance mode: explicit 503s with Retry-After", fault.Always(fault.Fails),
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
	riskKind = serviceKind("risk_strictness", "raises (or lowers) the service's risk rules: normal payments get declined", fault.Always(fault.Declines),
		[]string{"level: 0 off, 1 normal, 2 strict, 3 paranoid"},
		func(p *riskParams) []fault.ParamError {
			if p.Level == nil || *p.Level < 0 || *p.Level > 3 {
				return []fault.ParamError{{Param: "level", Msg: "is required: 0 (off) to 3 (paranoid)"}}
			}
			return nil
		},
		func(p *riskParams, a admin, _ fault.Spec, _ fault.Env) fault.Fault { return &riskFault{a: a, p: *p} })
)
