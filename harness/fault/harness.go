package fault

import (
	"context"
	"errors"
)

// noop does nothing: it tests the timeline itself.
type noop struct{}

func (noop) Inject(context.Context) error { return nil }
func (noop) Revert(context.Context) error { return nil }

// failing fails on inject: it tests that a failed fault is recorded and
// still reverted.
type failing struct{}

func (failing) Inject(context.Context) error { return errors.New("injected failure (kind error)") }
func (failing) Revert(context.Context) error { return nil }

// harnessKind defines a kind that tests authquake itself. It stands for any
// fault, so attribution takes it to fail.
func harnessKind(name, summary string, f Fault) Kind {
	return Kind{Name: name, Family: "harness", Summary: summary, Effect: Always(Fails),
		Check: func(s Spec) []ParamError { return Decode(s.Params, &struct{}{}) },
		Build: func(s Spec, _ Env) (Fault, error) {
			if err := JoinParams(Decode(s.Params, &struct{}{})); err != nil {
				return nil, err
			}
			return f, nil
		}}
}

var (
	noopKind  = harnessKind("noop", "does nothing: tests authquake's fault timeline", noop{})
	errorKind = harnessKind("error", "fails on inject: tests that authquake records and reverts a failed fault", failing{})
)
