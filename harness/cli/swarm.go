package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/swarm"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/traffic"
)

var swarmCommand = command{
	name: "swarm", usage: "SCENARIO.yaml --workers N",
	summary: "Run a scenario's load as N shards on an existing Docker Swarm (a replicated job of the authquake image, " +
		"the task slot as the shard number, one common start instant, the scenario as a Swarm config), collect the shard directories " +
		"each shard uploads to the endpoint authquake swarm serves (no shared filesystem), merge and report them as one run. " +
		"A target authquake starts (authsim, containers) is started once, here: this process runs its faults from the common start instant " +
		"and reads its ledger once every shard has uploaded, and the shards send to its client link (single-node swarm). " +
		"The job, its config, the target and every fault are removed on success, error and Ctrl-C.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		workers := fs.Int("workers", 2, "number of shards (tasks of the job)")
		out := fs.String("out", "results", "parent directory of run directories")
		seed := fs.Uint64("seed", 0, "seed for all randomness (0: the scenario's)")
		scale := fs.Float64("duration-scale", 1, "scale every phase and every fault offset and duration, e.g. 0.1")
		sf := addSwarmFlags(fs, 15*time.Second, "")
		lead, listen, advertise, remote, perNode := sf.lead, sf.listen, sf.advertise, sf.remote, sf.perNode
		budget := fs.String("max-results", "16Gi", "the most the shards may upload in all, counted as unpacked (their run directories, checkpoints included until replaced)")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake swarm SCENARIO.yaml --workers 3", "swarm: want one scenario file")
			}
			if err := sf.check("swarm", *workers); err != nil {
				return err
			}
			maxResults, err := resource.ParseQuantity(*budget)
			if err != nil || maxResults.Value() < 1<<20 {
				return exitcode.Invalidf("e.g. --max-results 64Gi", "swarm: --max-results %q: want a size of at least 1Mi", *budget)
			}
			s, err := run.Load(args[0])
			if err != nil {
				return err
			}
			shared := !registry.Shareable(s.Target.Kind) // this process starts the target and owns its faults
			cli, ref, err := sf.connect(ctx, io, *workers)
			if err != nil {
				return err
			}
			defer cli.Close()
			dir := filepath.Join(*out, strings.ReplaceAll(s.Name, "/", "_")+"-swarm-"+time.Now().UTC().Format("20060102T150405Z"))
			dir, err = filepath.Abs(dir)
			if err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			b := coord.DefaultBudget(*workers)
			b.Bytes = maxResults.Value()
			o := swarm.Options{Scenario: args[0], Workers: *workers, Dir: dir, Image: ref,
				Args: swarm.ShardArgs(*seed, *scale), Lead: *lead, Listen: *listen, Advertise: *advertise, AllowRemote: *remote,
				MaxPerNode: *perNode, Name: strings.ReplaceAll(s.Name, "/", "_"), Budget: b, Log: io.Err}
			if shared {
				done, err := ownTarget(ctx, &o, *seed, *scale)
				defer done() // every way out: faults reverted, containers removed, the relay closed
				if err != nil {
					return err
				}
			}
			res, err := swarm.Run(ctx, cli, o)
			return reportShards(ctx, io, "swarm", res, err)
		}
	},
}

// reportShards reports the merged run of a launcher's shards (swarm, k8s)
// and gives its exit code: the verdict's, or interrupted (4) when the run
// was cut short and no invariant broke, as for run.
func reportShards(ctx context.Context, io IO, launcher string, res *swarm.Result, err error) error {
	if res == nil || res.Merged == "" {
		return run.Interrupted(ctx, err)
	}
	fmt.Fprintf(io.Err, "%s: merged %d shard directories into %s\n", launcher, len(res.Shards), res.Merged)
	verdict := report(io.Out, res.Merged, time.Second)
	if err != nil && exitcode.Of(verdict) != exitcode.InvariantBroken {
		return run.Interrupted(ctx, err)
	}
	return verdict
}

// swarmFlags are the flags of a command whose shards run as a swarm job
// (swarm; capacity --workers).
type swarmFlags struct {
	lead              *time.Duration
	listen, advertise *string
	remote            *bool
	image             *string
	perNode           *uint64
}

// addSwarmFlags adds them to fs, each usage after prefix (e.g. "with
// --workers: ").
func addSwarmFlags(fs *pflag.FlagSet, lead time.Duration, prefix string) swarmFlags {
	return swarmFlags{
		lead:      fs.Duration("lead", lead, prefix+"how long after creating the job every shard starts: enough to start the tasks"),
		listen:    fs.String("listen", "127.0.0.1:7190", prefix+"where authquake serves the coordination endpoint the shards poll and upload to (multi-node: this manager's address, with --allow-remote)"),
		advertise: fs.String("advertise", "", prefix+"the host the shards dial for the endpoint (default: --listen's host)"),
		remote:    fs.Bool("allow-remote", false, prefix+"allow the endpoint, the shards' links to it and a url target off loopback (a multi-node swarm)"),
		image:     fs.String("image", "", prefix+"run this authquake image reference and build none (a multi-node swarm: one every node can pull, e.g. REGISTRY/authquake:TAG)"),
		perNode:   fs.Uint64("max-per-node", 0, prefix+"the most shards one node runs at once (1: one a node, as on a multi-node swarm; 0: the scheduler's spread)"),
	}
}

// check refuses a --workers or --listen that cmd cannot run shards with.
func (sf swarmFlags) check(cmd string, workers int) error {
	if workers < 1 || workers > traffic.MaxShards {
		return exitcode.Invalidf("e.g. --workers 3", "%s: --workers must be 1 to %d", cmd, traffic.MaxShards)
	}
	if h, _, err := net.SplitHostPort(*sf.listen); err != nil || egress.CheckHost(h, *sf.remote) != nil {
		return exitcode.Invalidf("e.g. --listen 127.0.0.1:7190, or a manager address with --allow-remote", "%s: --listen %q: not a loopback host:port", cmd, *sf.listen)
	}
	return nil
}

// connect reaches this engine, checks that it manages a swarm with room
// for workers shards, and gives the authquake image they run (--image, or
// built here). The client is the caller's to close.
func (sf swarmFlags) connect(ctx context.Context, io IO, workers int) (*client.Client, string, error) {
	cli, err := docker.Connect(ctx)
	if err != nil {
		return nil, "", err
	}
	ref := ""
	if err = swarm.Active(ctx, cli); err == nil {
		if err = swarm.Room(ctx, cli, workers, *sf.perNode); err == nil {
			ref, err = authquakeImage(ctx, cli, *sf.image, io)
		}
	}
	if err != nil {
		cli.Close()
		return nil, "", err
	}
	return cli, ref, nil
}

// authquakeImage is the image the shards run: ref as given (no build, no
// pull here: every node pulls it), or the authquake image built locally,
// which only this node has.
func authquakeImage(ctx context.Context, cli *client.Client, ref string, io IO) (string, error) {
	if ref != "" {
		return ref, nil
	}
	b, err := images.NewBuilder(cli, io.Err)
	if err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	refs, err := b.Build(ctx, images.Need{Authquake: true})
	if err != nil {
		return "", run.Interrupted(ctx, exitcode.New(exitcode.Environment, err, ""))
	}
	return refs.Authquake, nil
}

// ownTarget starts the scenario's target as a run would (its module:
// images, containers, links, setup) for shards that share it, and gives
// them a url scenario at its client link without faults, setup or ledger
// (swarm.SharedScenario), with the run's seed. With --allow-remote (a
// multi-node swarm, a cluster) the shards reach the client link, which is published
// on this machine's loopback, through a relay on --listen's host, dialled
// at --advertise's. done removes what started, on error too.
func ownTarget(ctx context.Context, o *swarm.Options, seed uint64, scale float64) (done func(), err error) {
	l := o.Launcher
	if l == "" {
		l = "swarm"
	}
	fmt.Fprintf(o.Log, "%s: starting the target once; this process runs its faults and reads its ledger, the shards reach its client link\n", l)
	owner, err := run.StartOwner(ctx, run.Options{Scenario: o.Scenario, Seed: seed, DurationScale: scale, Log: o.Log}, filepath.Join(o.Dir, "owner"))
	done = func() { owner.Close() }
	if err != nil {
		return done, err
	}
	clientURL := owner.ClientURL()
	if o.AllowRemote {
		relay, url, err := swarm.RelayTo(clientURL, o.Listen, o.Advertise)
		if err != nil {
			return done, exitcode.New(exitcode.Environment, err, "choose another --listen host")
		}
		done = func() { relay.Close(); owner.Close() }
		fmt.Fprintf(o.Log, "%s: shards on other nodes reach the client link %s through %s\n", l, clientURL, url)
		clientURL = url
	}
	src, err := os.ReadFile(o.Scenario)
	if err != nil {
		return done, exitcode.New(exitcode.Environment, err, "")
	}
	data, err := swarm.SharedScenario(src, clientURL, owner.Seed())
	if err != nil {
		return done, exitcode.New(exitcode.Invalid, err, "")
	}
	path := filepath.Join(o.Dir, "owner", "shard-scenario.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return done, exitcode.New(exitcode.Environment, err, "")
	}
	if _, err := run.Load(path); err != nil { // every shard would refuse it: say so once, here
		return done, fmt.Errorf("the shards' scenario (%s): %w", path, err)
	}
	o.ScenarioData, o.Owner, o.Args = data, owner, swarm.ShardArgs(owner.Seed(), scale)
	fmt.Fprintf(o.Log, "%s: target up; shards send to %s\n", l, clientURL)
	return done, nil
}
