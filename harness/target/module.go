// Package target is what every target module shares: the Module interface
// with its optional abilities, the started Target, and the helpers of a
// module that runs containers. Each kind of target is a module in its own
// folder, as testcontainers-go has one module per dependency:
//
//	authsim/     the bundled reference service on Postgres (targets/authsim)
//	containers/  your images, with authquake's Postgres and dependencies
//	url/         an http:// endpoint already running
//	registry/    the one explicit list of modules, and the calls that ask
//	             the scenario's module (Load, Start, Links, Shareable, ...)
//
// run, capacity and the CLI ask the module through the registry; they never
// switch on the kind. A module's part in a run, and what it is asked at each
// step:
//
//	decode         its defaults (its block, its ledger)  Defaulter
//	  │            its checks (Validate)                 Module
//	  v
//	shard?         can shards share one target of it     Module.Shareable
//	  v
//	start          images, then containers               ImageUser, Module.Start
//	  │  (error: the half-built Target comes back, so that Close removes it)
//	  v
//	provision      its steps when the scenario           Provisioner
//	  │            gives none (authsim: the seed)
//	  v
//	load + faults  the fault kinds it adds               FaultAdder
//	  │            and the links they act on             Module.Links
//	  v
//	ledger read    its own ledger source, by default     LedgerKeeper
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
	"github.com/authquake/authquake/harness/ledger"
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
	// Validate checks the module's part of a scenario (its block, its bug
	// names, its containers), placing each problem in the scenario file.
	Validate(s *scenario.Scenario, src *scenario.Source) scenario.Problems
	// Shareable says whether the shards of a split run may each point at
	// the target as the scenario gives it: true for one that is already
	// running (url); false for one authquake starts, which the owner of the
	// fault timeline (authquake swarm, or shard 0 by hand) then starts once
	// and shares through its client link (run.Owner, run/owned.go).
	Shareable() bool
	// Start brings the target up. It returns the Target even on error,
	// half-built, so that the caller can Close what started.
	Start(ctx context.Context, s *scenario.Scenario, o Options) (*Target, error)
}

// Defaulter is a module with defaults of its own for a scenario of its kind
// (authsim: an empty authsim block, its ledger source), set before checks.
type Defaulter interface {
	Defaults(s *scenario.Scenario)
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

// LedgerKeeper is a module whose target keeps a ledger authquake can read
// with a source of its own: the registry adds the source to harness/ledger's
// under the module's name for it, and the module's Defaults names it when
// the scenario names none.
type LedgerKeeper interface {
	// Ledger is the source's kind, the scenario's ledger.kind.
	Ledger() string
	// LedgerSource reads the target's ledger.
	LedgerSource(env ledger.Env) (ledger.Source, error)
}

// FaultAdder is a module with fault kinds that only its kind of target has
// (they act on Target's admin API, fault.Env's Admin). The registry adds
// them to harness/fault's, marked with the module's kind, so that
// fault.Check refuses them on another target kind.
type FaultAdder interface {
	Faults() []fault.Kind
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
	// CpusetService and CpusetOthers, when set, pin the service container
	// and the others (database, proxy, dependencies) to cores, in Docker's
	// cpuset syntax (CPULimiter modules; authquake capacity --cpuset).
	CpusetService, CpusetOthers string
	// KeepUntil, when set, marks the target's containers and network as
	// kept until then (--keep): no reap of dead runs removes them before.
	KeepUntil time.Time
	// Log receives the lines of image builds and containers as they become ready.
	Log io.Writer
}
