// Package fault injects failures on a timeline while the load runs: network
// faults as Toxiproxy toxics on any link, capacity and process faults through
// the Docker API, and the generic http fault that calls a service's own
// switch. A target module (harness/target) adds the faults only its kind
// has, such as authsim's maintenance switch, through Register.
//
// A fault is a small interface, registered by kind in one explicit list
// (registry.go). Every fault runs inside a lifecycle that always reverts it:
//
//	planned ──at──> injecting ──ok──> active ──at+duration──> reverting ──> reverted
//	                    │                │                                     ^
//	                    └─error─> failed ┴──── abort, error, panic, Ctrl-C ─────┘
//
// Revert is called even when Inject failed half-way, so a fault that got
// partly in is still taken out.
package fault

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/goccy/go-yaml"
	"github.com/moby/moby/client"
)

// Fault is one injectable failure.
type Fault interface {
	// Inject makes the failure happen.
	Inject(ctx context.Context) error
	// Revert undoes it; it must be safe after a failed or partial Inject.
	Revert(ctx context.Context) error
}

// Detailer is a Fault that reports what it changed (which accounts, the old
// limits), saved in the timeline for the analysis and the audit.
type Detailer interface {
	Details() any
}

// Env is what faults act on: the running target.
type Env struct {
	// Toxiproxy is the API client of the target's proxies; Links their names.
	Toxiproxy *toxiclient.Client
	Links     []string
	// Docker reaches the containers, by role (service, postgres, ...).
	Docker     *client.Client
	Containers map[string]string
	// Network is the run's Docker network and Aliases each role's alias on it.
	Network string
	// Admin is the target's admin API with its token, for the faults its
	// module adds (authsim's maintenance, risk_strictness, credit_limit).
	Admin, AdminToken string
	// Accounts are the ids the traffic uses (credit_limit picks from them).
	AccountPrefix string
	AccountCount  int
	// Seed drives every random choice a fault makes.
	Seed uint64
	// ClientTimeout is how long the load's client waits for an answer: a
	// kind's effect may depend on it (Kind.Effect), and the timeline
	// records the effect of each fault with it.
	ClientTimeout time.Duration
	// AllowRemote lets http faults call a non-loopback URL.
	AllowRemote bool
}

// Spec is one fault of a scenario's timeline, as the kind sees it.
type Spec struct {
	// ID is unique within the run (the timeline's index), for names the
	// fault leaves on the target such as a toxic's.
	ID     string
	Kind   string
	Target string
	Params map[string]any
}

// Kind is a registered kind of fault.
type Kind struct {
	Name    string
	Family  string // network, container, service or harness
	Summary string
	// Params documents the parameters, one "name: meaning (default)" each.
	Params []string
	// Target says what the target field names; empty if it takes none.
	Target string
	// Module is the target kind whose module adds this kind (Register
	// sets it); "" for a kind every target has. Check refuses the kind
	// on another target kind.
	Module string
	// Effect says what a fault of this kind does to payments (delays,
	// fails or declines them), from its spec and the client's timeout.
	Effect EffectRule
	// Check validates a spec without touching anything: every problem, by
	// parameter name ("" for the fault as a whole).
	Check func(Spec) []ParamError
	// Build makes the fault against env; it creates nothing until Inject.
	Build func(Spec, Env) (Fault, error)
}

// ParamError is a problem with one parameter of a fault.
type ParamError struct {
	Param string // "" for the target or the fault as a whole
	Msg   string
}

func (e ParamError) Error() string {
	if e.Param == "" {
		return e.Msg
	}
	return e.Param + ": " + e.Msg
}

var unknownParam = regexp.MustCompile(`unknown field "([^"]+)"`)

// Decode reads params strictly into p: an unknown parameter is an error
// naming it; durations and sizes take units. Modules' kinds decode with it.
func Decode(params map[string]any, p any) []ParamError {
	if len(params) == 0 {
		return nil
	}
	b, err := yaml.Marshal(params)
	if err == nil {
		err = yaml.UnmarshalWithOptions(b, p, yaml.DisallowUnknownField())
	}
	if err == nil {
		return nil
	}
	msg := firstLine(err.Error())
	if m := unknownParam.FindStringSubmatch(msg); m != nil {
		return []ParamError{{Param: m[1], Msg: "unknown parameter"}}
	}
	return []ParamError{{Msg: "parameters: " + msg}}
}

var yamlPrefix = regexp.MustCompile(`^\[\d+:\d+\] `)

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return yamlPrefix.ReplaceAllString(s, "")
}

// Lookup returns the registered kind with name.
func Lookup(name string) (Kind, bool) {
	k, ok := registry[name]
	return k, ok
}

// List returns every registered kind, by family then name.
func List() []Kind {
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return out[i].Family < out[j].Family
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Register adds a kind of a target module (harness/target registers its
// modules' kinds, with Module set); a duplicate name is a programming error.
func Register(k Kind) { register(k) }

// register adds a kind; a duplicate name, or a kind that does not say its
// effect, is a programming error.
func register(k Kind) {
	if k.Effect == nil {
		panic(fmt.Sprintf("fault kind %q says nothing of its effect", k.Name))
	}
	if _, dup := registry[k.Name]; dup {
		panic(fmt.Sprintf("fault kind %q registered twice", k.Name))
	}
	registry[k.Name] = k
}
