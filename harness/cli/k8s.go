package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/k8s"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/swarm"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/traffic"
)

var k8sCommand = command{
	name: "k8s", usage: "SCENARIO.yaml --workers N",
	summary: "Write the Kubernetes manifests of a sharded run: an Indexed Job (the completion index is the shard number), " +
		"the scenario as a ConfigMap, the run's token as a Secret, a headless Service for shard 0's coordination endpoint and a NetworkPolicy " +
		"that admits only the job's pods to it, a ReadWriteMany claim for the " +
		"shard directories and a collector pod, and print the commands that run it and bring the shards back for authquake merge. " +
		"A target authquake starts (authsim, containers) is started here, once, as authquake swarm does: this process runs its faults, " +
		"serves the endpoint the pods poll and upload to (--listen, --advertise, --allow-remote), waits while you apply the Job, " +
		"reads the ledger, merges and reports.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		workers := fs.Int("workers", 2, "number of shards (pods of the Indexed Job)")
		out := fs.String("out", "k8s.yaml", "the manifests file to write")
		name := fs.String("name", "", "name of every object (default aq- and the scenario's name)")
		ns := fs.String("namespace", "", "namespace of every object (default: kubectl's)")
		image := fs.String("image", "authquake/authquake:local", "the authquake image as the cluster pulls it (authquake images builds it; push or load it first)")
		startAt := fs.String("start-at", "", "the common start instant, RFC 3339 UTC (default: --lead from now: apply the manifests before)")
		lead := fs.Duration("lead", 3*time.Minute, "how long after the manifests are written the shards start: time to apply them")
		own := ownedK8sFlags(fs)
		cpu := fs.String("cpu", "1", "each shard's CPU request and limit")
		mem := fs.String("memory", "512Mi", "each shard's memory request and limit")
		storage := fs.String("storage", "1Gi", "size of the results claim")
		class := fs.String("storage-class", "", "storage class of the results claim; it must offer ReadWriteMany (default: the cluster's)")
		seed := fs.Uint64("seed", 0, "seed for all randomness (0: the scenario's)")
		scale := fs.Float64("duration-scale", 1, "scale every phase and every fault offset and duration")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake k8s SCENARIO.yaml --workers 4", "k8s: want one scenario file")
			}
			if *workers < 1 || *workers > traffic.MaxShards {
				return exitcode.Invalidf("e.g. --workers 4", "k8s: --workers must be 1 to %d", traffic.MaxShards)
			}
			s, err := run.Load(args[0])
			if err != nil {
				return err
			}
			if *lead < 5*time.Second {
				return exitcode.Invalidf("e.g. --lead 3m", "k8s: --lead %s: the shards need time to be applied and to start", *lead)
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return exitcode.New(exitcode.Invalid, err, "")
			}
			o := k8s.Options{Name: *name, Namespace: *ns, Scenario: src, Workers: *workers, Image: *image, CPU: *cpu, Memory: *mem,
				Storage: *storage, StorageClass: *class, Port: 7190, Args: swarm.ShardArgs(*seed, *scale), StartAt: time.Now().Add(*lead),
				Token: coord.NewToken()} // this command owns the run: the token goes to the shards as a Secret
			if o.Name == "" {
				o.Name = dnsLabel("aq-" + s.Name)
			}
			if *startAt != "" {
				if o.StartAt, err = time.Parse(time.RFC3339Nano, *startAt); err != nil {
					return exitcode.Invalidf("e.g. --start-at 2026-11-30T06:00:00Z", "k8s: --start-at %q: %v", *startAt, err)
				}
			}
			if !registry.Shareable(s.Target.Kind) { // the pods cannot start it: this process owns it
				return own.run(ctx, io, args[0], s, o, *out, *seed, *scale, *lead, *startAt != "")
			}
			objs, err := k8s.Manifests(o)
			if err != nil {
				return exitcode.Invalidf("e.g. --cpu 500m --memory 256Mi --storage 1Gi", "k8s: %v", err)
			}
			y, err := k8s.YAML(objs)
			if err == nil { // it holds the run's token: for this user's eyes only
				err = os.WriteFile(*out, y, 0o600)
			}
			if err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			fmt.Fprint(io.Out, k8s.Commands(o, *out, filepath.Join("results", o.Name)))
			return nil
		}
	},
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsLabel makes s a Kubernetes object name: lower case, [a-z0-9-], at most
// 52 characters (room for the -collect and pod index suffixes).
func dnsLabel(s string) string {
	s = strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 52 {
		s = strings.TrimRight(s[:52], "-")
	}
	return s
}
