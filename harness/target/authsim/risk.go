package authsim

import (
	"context"

	"github.com/authquake/authquake/harness/fault"
)

// riskKind raises (or lowers) authsim's risk rules: payments it would
// approve get declined. It declines payments, failing none.
var riskKind = serviceKind("risk_strictness", "raises (or lowers) the service's risk rules: normal payments get declined", fault.Always(fault.Declines),
	[]string{"level: 0 off, 1 normal, 2 strict, 3 paranoid"},
	func(p *riskParams) []fault.ParamError {
		if p.Level == nil || *p.Level < 0 || *p.Level > 3 {
			return []fault.ParamError{{Param: "level", Msg: "is required: 0 (off) to 3 (paranoid)"}}
		}
		return nil
	},
	func(p *riskParams, a admin, _ fault.Spec, _ fault.Env) fault.Fault { return &riskFault{a: a, p: *p} })

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
