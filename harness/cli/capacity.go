package cli

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/capacity"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/reports"
)

var capacityCommand = command{
	name: "capacity", usage: "SCENARIO.yaml",
	summary: "Find the highest rate within the scenario's SLO at several CPU limits of authsim's container: a step search, " +
		"then a bisection. Each step records the host's cores, the generator and the containers, and names the limit that bound it. " +
		"With --workers N each step's load comes from N shards on the Docker Swarm this engine manages (a job a step, as authquake swarm runs them), so that on a cluster the generator is elsewhere. " +
		"Writes capacity.json, capacity.md and capacity.html: sustainable rate and binding limit per limit, the knee, and the cores a target rate needs.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		cpus := fs.String("cpus", "0.5,1,2", "CPU limits of the service container, comma-separated")
		target := fs.String("target-rate", "", "the promotion's expected peak, e.g. 2000/s")
		stepLen := fs.Duration("step", 10*time.Second, "length of each steady step (the first fifth is warm-up)")
		start := fs.Float64("start-rate", 50, "first step's rate per second; each step doubles until one fails")
		maxRate := fs.Float64("max-rate", 20000, "highest rate to try per second")
		out := fs.String("out", "results", "parent directory of the capacity directory")
		seed := fs.Uint64("seed", 0, "seed (0: the scenario's)")
		cpuset := fs.String("cpuset", "off", "pin the service apart from the generator: auto, or the service's cores (e.g. 1 or 2-3); the generator and database take the others; off")
		workers := fs.Int("workers", 0, "offer each step's load from N shards on the Docker Swarm this engine manages, as authquake swarm runs them (0: this process)")
		sf := addSwarmFlags(fs, 10*time.Second, "with --workers: ")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake capacity scenarios/capacity/step-load.yaml --cpus 0.5,1", "capacity: want one scenario file")
			}
			for name, r := range map[string]float64{"start-rate": *start, "max-rate": *maxRate} {
				if !(r > 0 && r <= scenario.MaxRate) { // NaN fails too
					return exitcode.Invalidf("e.g. --"+name+" 100", "capacity: --%s must be more than 0 and at most %d", name, scenario.MaxRate)
				}
			}
			o := capacity.Options{Scenario: args[0], Step: *stepLen, StartRate: *start, MaxRate: *maxRate, Out: *out, Seed: *seed, Log: io.Err}
			for _, c := range strings.Split(*cpus, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
				if err != nil || !(v > 0 && v <= 1024) { // NaN fails too
					return exitcode.Invalidf("e.g. --cpus 0.5,1,2", "capacity: --cpus: %q is not a number of cores", c)
				}
				o.CPUs = append(o.CPUs, v)
			}
			var err error
			if o.Cpuset, err = capacity.PlanCpuset(*cpuset, runtime.NumCPU(), slices.Max(o.CPUs)); err != nil {
				return err
			}
			if *target != "" {
				r, err := scenario.ParseRate(*target)
				if err != nil {
					return exitcode.Invalidf("e.g. --target-rate 2000/s", "capacity: --target-rate: %v", err)
				}
				o.TargetRate = r
			}
			if *stepLen < time.Second {
				return exitcode.Invalidf("e.g. --step 10s", "capacity: --step must be at least 1s")
			}
			if *workers != 0 {
				if o.Shards, err = capacityShards(ctx, io, *workers, sf); err != nil {
					return err
				}
				defer o.Shards.Docker.Close()
				if o.Cpuset != nil {
					o.Cpuset.Note += "; the swarm shards are not pinned (a Swarm service takes no cpuset)"
				}
			}
			res, dir, err := capacity.Run(ctx, o)
			if res != nil && dir != "" {
				if werr := reports.WriteCapacity(dir, res); werr != nil && err == nil {
					err = werr
				}
				reports.CapacityMarkdown(io.Out, res)
				fmt.Fprintf(io.Out, "\ncapacity: %s/capacity.html\n", dir)
			}
			return run.Interrupted(ctx, err)
		}
	},
}

// capacityShards checks capacity --workers' flags and the swarm, and
// builds the authquake image the shards run (or takes --image).
func capacityShards(ctx context.Context, io IO, workers int, sf swarmFlags) (*capacity.Shards, error) {
	if err := sf.check("capacity", workers); err != nil {
		return nil, err
	}
	if *sf.lead < time.Second {
		return nil, exitcode.Invalidf("e.g. --lead 10s", "capacity: --lead must be at least 1s")
	}
	cli, ref, err := sf.connect(ctx, io, workers)
	if err != nil {
		return nil, err
	}
	return &capacity.Shards{Docker: cli, Image: ref, Workers: workers, Lead: *sf.lead, Listen: *sf.listen, Advertise: *sf.advertise,
		AllowRemote: *sf.remote, MaxPerNode: *sf.perNode}, nil
}
