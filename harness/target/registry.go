package target

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
)

var (
	registry = map[string]Module{}
	ordered  []Module
)

// The one explicit list of target modules. authquake list prints it.
func init() {
	for _, m := range []Module{authsimModule{}, containersModule{}, urlModule{}} {
		register(m)
	}
}

// register adds a module, and the fault kinds it adds to harness/fault's
// registry; a duplicate kind is a programming error.
func register(m Module) {
	if _, dup := registry[m.Kind()]; dup {
		panic(fmt.Sprintf("target kind %q registered twice", m.Kind()))
	}
	registry[m.Kind()] = m
	ordered = append(ordered, m)
	if fa, ok := m.(FaultAdder); ok {
		for _, k := range fa.Faults() {
			k.Module = m.Kind()
			fault.Register(k)
		}
	}
}

// Lookup returns the module of a target kind.
func Lookup(kind string) (Module, bool) {
	m, ok := registry[kind]
	return m, ok
}

// List returns every module, in the registry's order.
func List() []Module { return append([]Module(nil), ordered...) }

// Kinds lists the target kinds, in the registry's order.
func Kinds() []string {
	kinds := make([]string, len(ordered))
	for i, m := range ordered {
		kinds[i] = m.Kind()
	}
	return kinds
}

// Hooks are the modules' part in decoding a scenario: each scenario gets
// its target module's defaults and checks (scenario.ParseWith).
var Hooks = scenario.Hooks{Defaults: defaults, Check: check}

// Load reads, checks and defaults a scenario file, with its target
// module's defaults and checks.
func Load(path string) (*scenario.Scenario, *scenario.Source, error) {
	return scenario.LoadWith(path, Hooks)
}

func defaults(s *scenario.Scenario) {
	if lk, ok := registry[s.Target.Kind].(LedgerKeeper); ok && s.Ledger.Kind == "" {
		s.Ledger.Kind = lk.Ledger()
	}
}

func check(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	if c, ok := registry[s.Target.Kind].(Checker); ok {
		return c.Check(s, src)
	}
	return nil
}

// Links returns the links and container roles of a scenario's target, that
// faults may name (fault.Check): the client link of an unknown kind.
func Links(t scenario.Target) (links, roles []string) {
	if m, ok := registry[t.Kind]; ok {
		return m.Links(t)
	}
	return []string{"client"}, nil
}

// Images says which of authquake's images a target runs: none for a module
// that runs none.
func Images(t scenario.Target) images.Need {
	if iu, ok := registry[t.Kind].(ImageUser); ok {
		return iu.Images(t)
	}
	return images.Need{}
}

// DefaultSetup is the setup of the scenario's target module when the
// scenario gives none (authsim: its seed call), or nil.
func DefaultSetup(s *scenario.Scenario) *scenario.Setup {
	if p, ok := registry[s.Target.Kind].(Provisioner); ok {
		return p.Setup(s)
	}
	return nil
}

// Start brings up the scenario's target through its module. The Target is
// non-nil even on error, so that what started can be removed (Close).
func Start(ctx context.Context, s *scenario.Scenario, o Options) (*Target, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	m, ok := registry[s.Target.Kind]
	if !ok {
		return &Target{Info: Info{Kind: s.Target.Kind}}, exitcode.Invalidf("target kinds: "+strings.Join(Kinds(), ", "),
			"unknown target kind %q", s.Target.Kind)
	}
	t, err := m.Start(ctx, s, o)
	if t == nil {
		t = &Target{}
	}
	t.Kind, t.module = m.Kind(), m
	return t, err
}
