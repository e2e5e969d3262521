// Package target brings up the system under test. Each kind of target is a
// module, as testcontainers-go has one module per dependency: authsim.go
// (the bundled reference service), containers.go (your images), url.go (an
// endpoint already running), registered in one explicit list (registry.go).
// run and capacity ask the module; they never switch on the kind.
//
// A module's part in a run, and what it is asked at each step:
//
//	decode         Defaults: its ledger source      LedgerKeeper
//	  │            Check: its scenario block        Checker
//	  v
//	start          Images, then containers          ImageUser, Module.Start
//	  │  (error: the half-built Target comes back, so that Close removes it)
//	  v
//	provision      its steps when the scenario      Provisioner
//	  │            gives none (authsim: the seed)
//	  v
//	load + faults  the fault kinds it adds and      FaultAdder
//	  │            what they act on (Links, FaultEnv)
//	  v
//	ledger read    the scenario's source (default   harness/ledger
//	  │            from Defaults), before teardown
//	  v
//	teardown       Target.Close, or Target.Keep (--keep)
//
// Only Module is required; the other abilities are optional interfaces,
// found by type assertion, as Toxiproxy's toxics have them.
package target

import (
	"context"
	"io"
	"time"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
)

// Module is one kind of target.
type Module interface {
	// Kind is the scenario's target.kind the module serves.
	Kind() string
	// Summary says in a line what the target is (authquake list).
	Summary() string
	// Links and roles are the links and containers the target has, that
	// network and container faults may name.
	Links(t scenario.Target) (links, roles []string)
	// Start brings the target up. It returns the Target even on error,
	// half-built, so that the caller can Close what started.
	Start(ctx context.Context, s *scenario.Scenario, o Options) (*Target, error)
}

// Checker is a module that checks its own block of a scenario (its bug
// names, its containers), placing each problem in the scenario file.
type Checker interface {
	Check(s *scenario.Scenario, src *scenario.Source) scenario.Problems
}

// ImageUser is a module that runs some of authquake's images.
type ImageUser interface {
	Images(t scenario.Target) images.Need
}

// Provisioner is a module with setup steps of its own, run when the
// scenario gives none.
type Provisioner interface {
	Setup(s *scenario.Scenario) *scenario.Setup
}

// LedgerKeeper is a module whose target exposes a ledger source of its own,
// read when the scenario names none (see harness/ledger).
type LedgerKeeper interface {
	Ledger() string
}

// FaultAdder is a module with fault kinds that only its kind of target has.
// The registry adds them to harness/fault's, marked with the module's kind,
// so that fault.Check refuses them on another target kind.
type FaultAdder interface {
	Faults() []fault.Kind
	// FaultEnv adds what the module's kinds act on (an admin API) to env.
	FaultEnv(t *Target, env *fault.Env)
}

// CPULimiter is a module whose Start honours Options.CPUs: authquake
// capacity needs one.
type CPULimiter interface {
	LimitsCPUs()
}

// Options are how a run starts its target.
type Options struct {
	// AllowRemote allows a url target off this machine.
	AllowRemote bool
	// Bugs, when set, replaces the bugs the scenario switches on (authsim's --bugs).
	Bugs *[]string
	// CPUs, when more than 0, limits the service container (CPULimiter modules).
	CPUs float64
	// KeepUntil, when set, marks the target's containers and network as
	// kept until then (--keep): no reap of dead runs removes them before.
	KeepUntil time.Time
	// Log receives the lines of image builds and containers as they become ready.
	Log io.Writer
}
