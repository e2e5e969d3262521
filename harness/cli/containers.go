package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/moby/moby/client"
	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/topology"
)

var imagesCommand = command{
	name: "images", usage: "",
	summary: "Build the images of the bundled topology (authsim, Toxiproxy, Postgres) and of authquake itself (for shards: swarm, k8s) with no registry. " +
		"Images are tagged by a hash of their inputs (a second call with nothing changed does no work) and also as authquake/NAME:local. " +
		"--dind also builds the Docker-in-Docker node image of a simulated multi-node swarm (make test-multinode).",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		dind := fs.Bool("dind", false, "also build authquake/dind, a Docker Engine node from Debian's docker.io (make test-multinode)")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) > 0 {
				return exitcode.Invalidf("authquake images takes no arguments", "images: unexpected argument %q", args[0])
			}
			cli, err := docker.Connect(ctx)
			if err != nil {
				return err
			}
			defer cli.Close()
			b, err := images.NewBuilder(cli, io.Out)
			if err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			refs, err := b.Build(ctx, images.Need{Postgres: true, Toxiproxy: true, Authsim: true, Authquake: true, Dind: *dind})
			if err != nil {
				return run.Interrupted(ctx, exitcode.New(exitcode.Environment, err, ""))
			}
			// Stable names for scenarios that use the bundled images as if
			// they were a user's own (examples/your-service).
			for _, ref := range []string{refs.Authsim, refs.Toxiproxy, refs.Postgres, refs.Authquake, refs.Dind} {
				if ref == "" {
					continue
				}
				alias := images.LocalAlias(ref)
				if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: alias}); err != nil {
					return exitcode.New(exitcode.Environment, fmt.Errorf("tag %s as %s: %w", ref, alias, err), "")
				}
			}
			return nil
		}
	},
}

var cleanupCommand = command{
	name: "cleanup", usage: "",
	summary: "Remove the containers, networks, Swarm services and configs that dead authquake runs left behind (a SIGKILLed run, a crash). " +
		"Resources of live runs, and anything without authquake's labels, are left alone; so are the targets runs kept with --keep " +
		"until their time is up (listed with their age): --run ID or --kept removes them.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		all := fs.Bool("all", false, "also remove the resources of runs still alive, and kept targets")
		run := fs.String("run", "", "remove only the resources of this run id, kept or not")
		kept := fs.Bool("kept", false, "also remove the targets dead runs kept with --keep, before their time is up")
		dry := fs.Bool("dry-run", false, "list what would be removed, and the kept targets with their age; remove nothing")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) > 0 {
				return exitcode.Invalidf("authquake cleanup [--run ID | --kept | --all] [--dry-run]", "cleanup: unexpected argument %q", args[0])
			}
			cli, err := docker.Connect(ctx)
			if err != nil {
				return err
			}
			defer cli.Close()
			r, err := docker.Reap(ctx, cli, docker.Selector{All: *all, RunID: *run, Kept: *kept, DryRun: *dry})
			printReaped(io.Out, r, *dry, time.Now())
			if err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			return nil
		}
	},
}

// printReaped says what a cleanup removed (or would), and which kept
// targets it left alone, with their age and until when.
func printReaped(w io.Writer, r docker.Reaped, dry bool, now time.Time) {
	verb := "removed"
	if dry {
		verb = "would remove"
	}
	fmt.Fprintf(w, "%s %d containers, %d networks\n", verb, len(r.Containers), len(r.Networks))
	for _, c := range r.Containers {
		fmt.Fprintln(w, "  container", c)
	}
	for _, n := range r.Networks {
		fmt.Fprintln(w, "  network  ", n)
	}
	for _, n := range r.Services {
		fmt.Fprintln(w, "  service  ", n) // authquake swarm's shard jobs
	}
	for _, n := range r.Configs {
		fmt.Fprintln(w, "  config   ", n) // and their scenarios
	}
	for _, n := range r.Secrets {
		fmt.Fprintln(w, "  secret   ", n) // and their run tokens
	}
	if len(r.Kept) == 0 {
		return
	}
	fmt.Fprintf(w, "kept %d targets (cleanup --run ID or --kept removes them):\n", len(r.Kept))
	for _, k := range r.Kept {
		fmt.Fprintf(w, "  run %s  age %s  kept until %s (%s left)  %d containers\n", k.RunID,
			now.Sub(k.Since).Truncate(time.Second), k.Until.Format(time.RFC3339), k.Until.Sub(now).Truncate(time.Second), len(k.Containers))
	}
}

var upCommand = command{
	name: "up", usage: "[SCENARIO.yaml]",
	summary: "Start a target through its module as run does, print its endpoints as JSON, and hold it until interrupted " +
		"(exit 0) or until --for has passed: the scenario's target, or the bundled topology (Postgres, Toxiproxy, authsim) without one. " +
		"Everything is removed on the way out.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		bugs := fs.StringSlice("bugs", nil, "authsim known bugs to switch on (comma-separated)")
		env := fs.StringToString("env", nil, "extra authsim environment, KEY=VALUE (repeatable)")
		hold := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
		return func(ctx context.Context, io IO, args []string) error {
			s, err := upScenario(args, *env)
			if err != nil {
				return err
			}
			o := target.Options{Log: io.Err}
			if fs.Changed("bugs") {
				o.Bugs = bugs
			}
			t, err := registry.Start(ctx, s, o)
			defer t.Close(io.Err)
			if err != nil {
				return run.Interrupted(ctx, err)
			}
			if t.Topo == nil {
				return exitcode.New(exitcode.Environment, errors.New("up: the target started nothing"), "")
			}
			out, _ := json.Marshal(struct {
				RunID string `json:"run_id"`
				topology.Endpoints
				StartupMS int64 `json:"startup_ms"`
			}{t.Topo.RunID, t.Topo.Endpoints, t.StartupMS})
			fmt.Fprintln(io.Out, string(out))
			var timeout <-chan time.Time
			if *hold > 0 {
				timeout = time.After(*hold)
			}
			select {
			case <-ctx.Done():
			case <-timeout:
			}
			return nil
		}
	},
}

// upScenario is what up starts: the scenario's target, checked as run
// checks it, or the bundled authsim; env adds to authsim's environment.
func upScenario(args []string, env map[string]string) (*scenario.Scenario, error) {
	var s *scenario.Scenario
	switch len(args) {
	case 0:
		s = &scenario.Scenario{Target: scenario.Target{Kind: scenario.TargetAuthsim, Authsim: &scenario.AuthsimTarget{}}}
	case 1:
		var err error
		if s, err = run.Load(args[0]); err != nil {
			return nil, err
		}
	default:
		return nil, exitcode.Invalidf("authquake up [SCENARIO.yaml] [--bugs B,...] [--env K=V]", "up: want at most one scenario file")
	}
	if len(env) > 0 {
		if s.Target.Authsim == nil {
			return nil, exitcode.Invalidf("--env sets authsim's environment; give the service's own in the scenario's target block",
				"up: --env applies to target kind authsim, not %q", s.Target.Kind)
		}
		merged := maps.Clone(s.Target.Authsim.Env)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, env)
		s.Target.Authsim.Env = merged
	}
	return s, nil
}
