// Package registry is the one explicit list of target modules
// (harness/target), and the calls that ask the scenario's module: decode a
// scenario with its defaults and checks, start its target, name its links,
// say whether shards may share it. authquake list prints the list. A new
// target kind is a folder under harness/target and one line here.
package registry

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/ledger"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/authsim"
	"github.com/authquake/authquake/harness/target/containers"
	"github.com/authquake/authquake/harness/target/url"
)

var (
	registry = map[string]target.Module{}
	ordered  []target.Module
)

// The one explicit list of target modules.
func init() {
	for _, m := range []target.Module{authsim.Module{}, containers.Module{}, url.Module{}} {
		register(m)
	}
}

// register adds a module, the fault kinds it adds to harness/fault's
// registry and its ledger source to harness/ledger's; a duplicate kind is a
// programming error.
func register(m target.Module) {
	if _, dup := registry[m.Kind()]; dup {
		panic(fmt.Sprintf("target kind %q registered twice", m.Kind()))
	}
	registry[m.Kind()] = m
	ordered = append(ordered, m)
	if fa, ok := m.(target.FaultAdder); ok {
		for _, k := range fa.Faults() {
			k.Module = m.Kind()
			fault.Register(k)
		}
	}
	if lk, ok := m.(target.LedgerKeeper); ok {
		ledger.Register(lk.Ledger(), lk.LedgerSource)
	}
}

// Lookup returns the module of a target kind.
func Lookup(kind string) (target.Module, bool) {
	m, ok := registry[kind]
	return m, ok
}

// List returns every module, in the registry's order.
func List() []target.Module { return append([]target.Module(nil), ordered...) }

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
	if d, ok := registry[s.Target.Kind].(target.Defaulter); ok {
		d.Defaults(s)
	}
}

func check(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	if m, ok := registry[s.Target.Kind]; ok {
		return m.Validate(s, src)
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

// Shareable says whether the shards of a split run may share the target of
// this kind (Module.Shareable); an unknown kind may not.
func Shareable(kind string) bool {
	m, ok := registry[kind]
	return ok && m.Shareable()
}

// Images says which of authquake's images a target runs: none for a module
// that runs none.
func Images(t scenario.Target) images.Need {
	if iu, ok := registry[t.Kind].(target.ImageUser); ok {
		return iu.Images(t)
	}
	return images.Need{}
}

// DefaultSetup is the setup of the scenario's target module when the
// scenario gives none (authsim: its seed call), or nil.
func DefaultSetup(s *scenario.Scenario) *scenario.Setup {
	if p, ok := registry[s.Target.Kind].(target.Provisioner); ok {
		return p.Setup(s)
	}
	return nil
}

// Start brings up the scenario's target through its module. The Target is
// non-nil even on error, so that what started can be removed (Close).
func Start(ctx context.Context, s *scenario.Scenario, o target.Options) (*target.Target, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	m, ok := registry[s.Target.Kind]
	if !ok {
		return &target.Target{Info: target.Info{Kind: s.Target.Kind}}, exitcode.Invalidf("target kinds: "+strings.Join(Kinds(), ", "),
			"unknown target kind %q", s.Target.Kind)
	}
	t, err := m.Start(ctx, s, o)
	if t == nil {
		t = &target.Target{}
	}
	t.Kind = m.Kind()
	return t, err
}
