// Package swarm runs a scenario's shards as a Docker Swarm replicated job
// on an existing swarm (authquake swarm): one task per shard, the task's
// slot is the shard number, all shards start at one instant, and their run
// directories come back through the coordination endpoint to be merged
// into one run. No task reads or writes the manager's filesystem, so the
// tasks may run on any node.
//
//	authquake swarm ──build──▶ authquake image (FROM scratch; --image: yours)
//	      │ config create: the scenario, /scenario.yaml in every task
//	      │ secret create: the run's token, /run/secrets/authquake-run-token
//	      │ service create (replicated job, N completions, no restart,
//	      ▼                 /out a tmpfs)
//	 task slot 0: run --shard 0/N --upload (faults, ledger) ─┐ poll the endpoint that
//	 task slot 1: run --shard 1/N --upload ──────────────────┤ authquake swarm serves
//	 task slot 2: run --shard 2/N --upload ──────────────────┘ (stop, done, clocks),
//	      │ every task ends (complete, failed, killed)          PUT /results: its run
//	      ▼                                                     directory into DIR/shards
//	 merge DIR/shards/* --out DIR/merged; service, then config and secret removed (success, error, Ctrl-C)
//
// Each shard uploads a checkpoint of its run directory at start + 2 s, 4 s,
// 8 s... and the whole of it once its reports are written: a killed task
// leaves its last checkpoint, which merge reports as a killed shard.
// The shards attach to the host network: on a single-node swarm a target
// on this machine's 127.0.0.1 and the coordination endpoint are reached on
// loopback; on a multi-node swarm the endpoint listens on the manager's
// address (--listen, --allow-remote) and the target is wherever it is.
// Ctrl-C posts a stop to every shard, waits for them to save and upload
// their results, merges what they recorded, then removes the job and its
// config.
package swarm

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/merge"
)

// Options configures a Swarm run.
type Options struct {
	// Scenario is the scenario file (a Swarm config, /scenario.yaml in
	// every task).
	Scenario string
	// Workers is the number of shards.
	Workers int
	// Dir is the run's directory: shards/ (the uploads) and merged/ are
	// written below it.
	Dir string
	// Image is the authquake image (images.Builder: Need{Authquake: true}),
	// or a reference every node can pull (a multi-node swarm).
	Image string
	// Args are more flags for every shard's run (--seed, --duration-scale).
	Args []string
	// Lead is how long after creating the job the shards start (default 15 s).
	Lead time.Duration
	// Listen is where this process serves the coordination endpoint
	// (host:port); Advertise is the host the shards dial (default: Listen's).
	Listen, Advertise string
	// AllowRemote lets the endpoint and the shards use non-loopback addresses.
	AllowRemote bool
	// MaxPerNode, when not 0, is the most shards one node runs at once
	// (the service's placement): 1 spreads them one a node.
	MaxPerNode uint64
	// Name names the shard directories collected (NAME-shardK), e.g. the
	// scenario's name as a file name (default "run").
	Name string
	// Budget bounds what the shards may upload in all (default
	// coord.DefaultBudget).
	Budget coord.Budget
	// ScenarioData, when set, is what the shards run instead of the file
	// Scenario (SharedScenario, with an Owner).
	ScenarioData []byte
	// Owner, when set, owns the target and the fault timeline (see Owner).
	Owner Owner
	// Launcher names the command in the log: "swarm" (the default), "k8s".
	Launcher string
	Log      io.Writer
}

// Result says where the shards and the merged run are.
type Result struct {
	Shards []string
	Merged string
	// Tasks is each task's final state, by slot ("complete", "failed: ...").
	Tasks map[int]string
}

// Owner owns the target the shards share and its fault timeline, when the
// launcher started the target (run.Owner). Run calls it in this order:
// Faults once the job exists, Stop as soon as the load ends or is stopped
// (a shard's stop condition, Ctrl-C, an error), Finish once every shard
// has uploaded and the merge is written. Removing the target is the
// caller's, after Run.
type Owner interface {
	// Faults runs the fault timeline from the shards' common start instant.
	Faults(ctx context.Context, at time.Time)
	// Stop injects no fault any more and reverts those in force.
	Stop(reason string)
	// Finish reads the ledger and writes the owner's files into merged.
	Finish(ctx context.Context, merged string) error
	// Refs are the account ids the owner's setup captured, which the
	// shards read from the endpoint (nil: none).
	Refs() []string
}

// Run creates the scenario's config and the job, collects the shards'
// uploads, waits for every task to end, removes the service and then the
// config (whatever happens, with a fresh context) and merges the shards.
// With an Owner, the owner's faults run from the start instant and its
// files complete the merged run.
func Run(ctx context.Context, cli *client.Client, o Options) (*Result, error) {
	if err := Active(ctx, cli); err != nil {
		return nil, err
	}
	return RunOn(ctx, &dockerJob{cli: cli}, o)
}

// RunOn is Run against any engine (a swarm, a Kubernetes cluster, a fake
// in tests): the coordination endpoint, the owner's faults from the start
// instant, the uploads, the merge and the owner's ledger, in that order.
func RunOn(ctx context.Context, eng Engine, o Options) (*Result, error) {
	if o.Lead == 0 {
		o.Lead = 15 * time.Second
	}
	scen := o.ScenarioData
	if scen == nil {
		var err error
		if scen, err = os.ReadFile(o.Scenario); err != nil {
			return nil, exitcode.New(exitcode.Environment, err, "")
		}
	}
	if len(scen) > MaxScenario {
		return nil, exitcode.Invalidf("move large data out of the scenario file", "%s: %s is %d bytes; a Swarm config or a ConfigMap, which carries it to every node, holds at most %d", o.Launcher, o.Scenario, len(scen), MaxScenario)
	}
	shards := filepath.Join(o.Dir, "shards")
	if err := os.MkdirAll(shards, 0o755); err != nil {
		return nil, exitcode.New(exitcode.Environment, err, "")
	}
	startAt := time.Now().Add(o.Lead).UTC()
	runID := "swarm-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if o.Name == "" {
		o.Name = "run"
	}
	if o.Launcher == "" {
		o.Launcher = "swarm"
	}
	if o.Budget == (coord.Budget{}) {
		o.Budget = coord.DefaultBudget(o.Workers)
	}
	owner := o.Owner
	if owner == nil {
		owner = noOwner{}
	}
	defer owner.Stop("authquake " + o.Launcher + " ended") // every way out: no fault stays
	token := coord.NewToken()                              // this process owns the run: the shards get it as a secret
	srv, err := coord.Serve(o.Listen, coord.Config{Token: token, Shards: o.Workers,
		OnStop: func(reason string, by int) { owner.Stop(fmt.Sprintf("shard %d: %s", by, reason)) }})
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, err, "choose another --listen port")
	}
	defer srv.Close()
	if refs := owner.Refs(); refs != nil {
		if err := srv.SetRefs(refs); err != nil {
			return nil, exitcode.New(exitcode.Environment, err, "")
		}
	}
	if err := srv.Collect(shards, o.Name, o.Budget); err != nil { // the shards' run --upload
		return nil, exitcode.New(exitcode.Environment, err, "")
	}
	host, port, _ := net.SplitHostPort(srv.Addr())
	if o.Advertise != "" {
		host = o.Advertise
	}
	defer eng.Remove(o.Log) // the service, then its config and secret
	name, err := eng.Start(ctx, o, Job{RunID: runID, Scenario: scen, Token: token, StartAt: startAt, Coordinator: "http://" + net.JoinHostPort(host, port), Server: srv})
	if err != nil {
		return nil, err
	}
	owner.Faults(ctx, startAt)
	fmt.Fprintf(o.Log, "%s: job %s, %d shards, start at %s\n", o.Launcher, name, o.Workers, startAt.Format(time.RFC3339))
	tasks, err := eng.Wait(ctx, o.Workers)
	if err != nil && ctx.Err() != nil { // Ctrl-C: every shard stops, saves and uploads what it recorded
		owner.Stop("interrupted")
		srv.Stop("interrupted: authquake "+o.Launcher+" was stopped", -1)
		grace := coord.UploadTimeout + time.Minute
		fmt.Fprintf(o.Log, "%s: stopping every shard; waiting up to %s for their results to be uploaded (Ctrl-C again to force)\n", o.Launcher, grace)
		wctx, cancel := context.WithTimeout(context.Background(), grace)
		tasks, _ = eng.Wait(wctx, o.Workers)
		cancel()
	} else if err != nil {
		return &Result{Tasks: states(tasks)}, err
	}
	owner.Stop("the load ended")
	eng.KeepLogs(context.WithoutCancel(ctx), tasks, shards, o.Log)
	res := &Result{Tasks: states(tasks)}
	res.Shards = srv.Collected()
	for slot, st := range res.Tasks {
		fmt.Fprintf(o.Log, "%s: shard %d: %s\n", o.Launcher, slot, st)
	}
	if len(res.Shards) == 0 {
		return res, exitcode.New(exitcode.Environment, fmt.Errorf("no shard uploaded a run directory: %v", tasks), "the shards must reach the endpoint (--listen, --advertise); run one shard by hand with authquake run --shard 0/1")
	}
	merged := filepath.Join(o.Dir, "merged")
	if _, err := merge.Merge(res.Shards, merged); err != nil {
		return res, exitcode.New(exitcode.Environment, err, "")
	}
	if err := owner.Finish(context.WithoutCancel(ctx), merged); err != nil {
		return res, err
	}
	res.Merged = merged
	return res, context.Cause(ctx)
}

// noOwner is the owner of a run whose shards share a target none of them
// started (url): the faults are shard 0's, as its timeline.
type noOwner struct{}

func (noOwner) Faults(context.Context, time.Time)    {}
func (noOwner) Stop(string)                          {}
func (noOwner) Finish(context.Context, string) error { return nil }
func (noOwner) Refs() []string                       { return nil }

// Active checks that the engine is a manager of an active swarm.
func Active(ctx context.Context, cli *client.Client) error {
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("docker info: %w", err), "")
	}
	if sw := info.Info.Swarm; sw.LocalNodeState != apiswarm.LocalNodeStateActive || !sw.ControlAvailable {
		return exitcode.New(exitcode.Environment, fmt.Errorf("this Docker Engine is not a swarm manager (swarm %s)", sw.LocalNodeState),
			"run it on a manager of your swarm, or make a single-node one: docker swarm init --advertise-addr 127.0.0.1")
	}
	return nil
}
