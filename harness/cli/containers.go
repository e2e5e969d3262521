package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/topology"
)

var imagesCommand = command{
	name: "images", usage: "",
	summary: "Build the images of the bundled topology (authsim, Toxiproxy, Postgres) and of authquake itself (for shards: swarm, k8s) with no registry. " +
		"Images are tagged by a hash of their inputs (a second call with nothing changed does no work) and also as authquake/NAME:local.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
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
			refs, err := b.All(ctx)
			if err != nil {
				return run.Interrupted(ctx, exitcode.New(exitcode.Environment, err, ""))
			}
			// Stable names for scenarios that use the bundled images as if
			// they were a user's own (examples/your-service).
			for _, ref := range []string{refs.Authsim, refs.Toxiproxy, refs.Postgres, refs.Authquake} {
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
	name: "up", usage: "",
	summary: "Start the bundled topology (Postgres, Toxiproxy, authsim), print its endpoints as JSON, and hold it until interrupted " +
		"(exit 0) or until --for has passed. Everything is removed on the way out.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		bugs := fs.StringSlice("bugs", nil, "authsim known bugs to switch on (comma-separated)")
		env := fs.StringToString("env", nil, "extra authsim environment, KEY=VALUE (repeatable)")
		hold := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
		return func(ctx context.Context, io IO, args []string) error {
			t, err := startAuthsim(ctx, io, *bugs, *env)
			defer closeTopology(t, io)
			if err != nil {
				return err
			}
			out, _ := json.Marshal(struct {
				RunID string `json:"run_id"`
				topology.Endpoints
				StartupMS int64 `json:"startup_ms"`
			}{t.RunID, t.Endpoints, t.Startup.Milliseconds()})
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

// startAuthsim reaps what dead runs left, makes sure the images exist, and
// starts the bundled topology. The topology is returned even on error so that
// the caller can close it.
func startAuthsim(ctx context.Context, io IO, bugs []string, env map[string]string) (*topology.Topology, error) {
	cli, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	if r, err := docker.Reap(ctx, cli, docker.Selector{}); err != nil {
		fmt.Fprintln(io.Err, "authquake: cleanup of dead runs:", err)
	} else if n := len(r.Containers) + len(r.Networks); n > 0 {
		fmt.Fprintf(io.Err, "authquake: removed %d leftovers of dead runs\n", n)
	}
	b, err := images.NewBuilder(cli, io.Err)
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, err, "")
	}
	refs, err := b.All(ctx)
	if err != nil {
		return nil, run.Interrupted(ctx, exitcode.New(exitcode.Environment, err, ""))
	}
	t, err := topology.StartAuthsim(ctx, topology.AuthsimOptions{Images: refs, Bugs: bugs, Env: env, Log: io.Err})
	if err != nil {
		return t, run.Interrupted(ctx, exitcode.New(exitcode.Environment, fmt.Errorf("start topology: %w", err),
			"see the container logs with docker logs; authquake cleanup removes leftovers"))
	}
	return t, nil
}

// closeTopology removes the topology with a fresh, bounded context: the run's
// context may already be cancelled by the interrupt that ends it.
func closeTopology(t *topology.Topology, io IO) {
	if t == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := t.Close(ctx); err != nil {
		fmt.Fprintln(io.Err, "authquake: teardown:", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
}
