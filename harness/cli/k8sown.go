package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/k8s"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/swarm"
)

// k8sOwnFlags are authquake k8s's flags for a target it starts and owns
// (authsim, containers), whose shards reach back to this process.
type k8sOwnFlags struct {
	listen, advertise, results *string
	remote                     *bool
}

func ownedK8sFlags(fs *pflag.FlagSet) k8sOwnFlags {
	const p = "with a target authquake starts: "
	return k8sOwnFlags{
		listen:    fs.String("listen", "127.0.0.1:7190", p+"where this process serves the endpoint the pods poll and upload to (a cluster: 0.0.0.0:7190 or this host's address, with --allow-remote)"),
		advertise: fs.String("advertise", "", p+"the host the pods dial for the endpoint and the target's client link (default: --listen's host)"),
		remote:    fs.Bool("allow-remote", false, p+"allow the endpoint, the relay to the client link and the pods' links to them off loopback (a cluster)"),
		results:   fs.String("results", "results", p+"parent directory of the run directory (the shards' uploads and the merged run)"),
	}
}

// run owns a sharded run on a cluster whose pods cannot start its target:
// it starts the target here (as authquake swarm does), writes the
// manifests of shards that reach back to it (k8s.Owned) at the start
// instant, waits for their uploads while the user applies them, then
// merges, reads the ledger and reports. fixed says the start instant was
// given (--start-at); otherwise it is lead after the target is up.
func (f k8sOwnFlags) run(ctx context.Context, io IO, path string, s *scenario.Scenario, o k8s.Options, file string,
	seed uint64, scale float64, lead time.Duration, fixed bool) error {
	if err := (swarmFlags{listen: f.listen, remote: f.remote}).check("k8s", o.Workers); err != nil {
		return err
	}
	if err := o.Check(); err != nil { // before the target starts
		return exitcode.Invalidf("e.g. --cpu 500m --memory 256Mi", "k8s: %v", err)
	}
	name := strings.ReplaceAll(s.Name, "/", "_")
	dir, err := filepath.Abs(filepath.Join(*f.results, name+"-k8s-"+time.Now().UTC().Format("20060102T150405Z")))
	if err != nil {
		return exitcode.New(exitcode.Environment, err, "")
	}
	if !*f.remote {
		fmt.Fprintln(io.Err, "k8s: without --allow-remote the endpoint and the target's client link are on this machine's loopback, "+
			"which only pods on this machine's network reach; on a cluster: --listen 0.0.0.0:7190 --advertise THIS_HOST --allow-remote")
	}
	so := swarm.Options{Scenario: path, Workers: o.Workers, Dir: dir, Args: o.Args, Listen: *f.listen, Advertise: *f.advertise,
		AllowRemote: *f.remote, Name: name, Budget: coord.DefaultBudget(o.Workers), Log: io.Err, Launcher: "k8s"}
	done, err := ownTarget(ctx, &so, seed, scale)
	defer done() // every way out: faults reverted, containers removed, the relay closed
	if err != nil {
		return err
	}
	so.Lead = lead
	if fixed {
		if so.Lead = time.Until(o.StartAt); so.Lead < 5*time.Second {
			return exitcode.Invalidf("give a later --start-at, or none (--lead after the target is up)",
				"k8s: --start-at %s is %s away now that the target is up: too soon to apply the Job", o.StartAt.Format(time.RFC3339), so.Lead.Round(time.Second))
		}
	}
	eng := &k8s.Outside{Options: o, File: file, Length: time.Duration(float64(s.Traffic.Duration()) * scale)}
	res, err := swarm.RunOn(ctx, eng, so)
	return reportShards(ctx, io, "k8s", res, err)
}
