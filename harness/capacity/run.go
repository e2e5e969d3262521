package capacity

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/capacity/verdict"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
)

// Run searches every CPU limit and returns the result with a new directory
// under o.Out for its reports (reports.WriteCapacity). Each limit gets a fresh
// target whose service container has that many CPUs: the target's module
// must be able to limit them (target.CPULimiter; authsim can).
func Run(ctx context.Context, o Options) (*rundir.Capacity, string, error) {
	s, err := run.Load(o.Scenario)
	if err != nil {
		return nil, "", err
	}
	if m, _ := registry.Lookup(s.Target.Kind); !isCPULimiter(m) {
		return nil, "", exitcode.Invalidf("capacity limits the CPUs of the service's container: use a target kind that can ("+strings.Join(cpuLimiters(), ", ")+")",
			"capacity: target kind %s cannot limit its service's CPUs", s.Target.Kind)
	}
	defaults(&o, s)
	if o.Log == nil {
		o.Log = io.Discard
	}
	maxFail, maxP99 := 0.01, 500.0
	if s.SLO.FailureRatio != nil {
		maxFail = *s.SLO.FailureRatio
	}
	if s.SLO.P99 != nil {
		maxP99 = float64(s.SLO.P99.D()) / float64(time.Millisecond)
	}
	res := &rundir.Capacity{Schema: "authquake.capacity/v2", Scenario: s.Name, Seed: s.Seed, StepS: o.Step.Seconds(), MaxFailure: maxFail, MaxP99MS: maxP99,
		TargetRate: o.TargetRate, Cores: runtime.NumCPU(), Cpuset: o.Cpuset}
	dir := filepath.Join(o.Out, "capacity-"+strings.ReplaceAll(s.Name, "/", "_")+"-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", exitcode.New(exitcode.Environment, err, "")
	}
	if o.Cpuset != nil {
		restore, err := pinGenerator(o.Cpuset.Generator)
		if err != nil {
			return nil, "", err
		}
		defer restore()
		fmt.Fprintf(o.Log, "cpuset: %s\n", o.Cpuset.Note)
	}
	var src []byte // the scenario's text, for the shards' step scenarios
	if o.Shards != nil {
		if src, err = os.ReadFile(o.Scenario); err != nil {
			return nil, "", exitcode.New(exitcode.Environment, err, "")
		}
		res.Workers, res.Generator = o.Shards.Workers, shardsNote(o.Shards.Workers)
		fmt.Fprintf(o.Log, "generator: %s\n", res.Generator)
	}
	defer verdict.Judge(res) // on every return: what was measured is judged
	for i, cpus := range o.CPUs {
		fmt.Fprintf(o.Log, "capacity at %g CPUs (SLO: failure ratio <= %g, p99 <= %.0f ms, steps of %s)\n", cpus, maxFail, maxP99, o.Step)
		l, err := oneLimit(ctx, *s, src, dir, cpus, i, o, maxFail, maxP99)
		if len(l.Steps) > 0 {
			res.Limits = append(res.Limits, l) // what was measured is kept, on error too
		}
		if err != nil {
			return res, dir, err
		}
		if ctx.Err() != nil {
			return res, dir, context.Cause(ctx)
		}
	}
	return res, dir, nil
}

func defaults(o *Options, s *scenario.Scenario) {
	if o.Step <= 0 {
		o.Step = 10 * time.Second
	}
	if o.StartRate <= 0 {
		o.StartRate = 50
	}
	if o.MaxRate <= 0 {
		o.MaxRate = 20000
	}
	if o.Bisections <= 0 {
		o.Bisections = 4
	}
	if o.Drain <= 0 {
		o.Drain = 2 * time.Second
	}
	if len(o.CPUs) == 0 {
		o.CPUs = []float64{0.5, 1, 2}
	}
	if o.Seed != 0 {
		s.Seed = o.Seed
	} else if s.Seed == 0 {
		s.Seed = rand.Uint64() >> 1
	}
}

func oneLimit(ctx context.Context, s scenario.Scenario, src []byte, dir string, cpus float64, i int, o Options, maxFail, maxP99 float64) (rundir.CapacityLimit, error) {
	to := target.Options{CPUs: cpus, Log: o.Log}
	if o.Cpuset != nil {
		to.CpusetService, to.CpusetOthers = o.Cpuset.Service, o.Cpuset.Others
	}
	tgt, err := registry.Start(ctx, &s, to)
	defer tgt.Close(o.Log)
	if err != nil {
		return rundir.CapacityLimit{}, fmt.Errorf("at %g CPUs: %w", cpus, err)
	}
	setup, err := run.Provision(ctx, tgt.Topo, &s, false, nil, false, nil, "")
	if err != nil {
		return rundir.CapacityLimit{}, err
	}
	m := newMeter(ctx, tgt.Docker, o.Cpuset, containerID(tgt, "service"), containerID(tgt, "postgres"), containerID(tgt, "toxiproxy"))
	var gen offerer = local{}
	if o.Shards != nil {
		m.shards = o.Shards.Workers // the generator is theirs, not this process
		gen = &shardOfferer{sh: o.Shards, src: src, refs: setup.Refs(), dir: dir, log: o.Log}
	}
	l, err := search(ctx, s, gen, tgt.Topo.Endpoints.Service, m, o, i, maxFail, maxP99, o.Log)
	l.CPUs = cpus
	l.PerCore = math.Round(l.Sustainable / cpus)
	return l, err
}

// containerID is the id of the target's container in role, "" for none.
func containerID(t *target.Target, role string) string {
	if t.Topo == nil || t.Topo.Containers[role] == nil {
		return ""
	}
	return t.Topo.Containers[role].GetContainerID()
}

func isCPULimiter(m target.Module) bool {
	_, ok := m.(target.CPULimiter)
	return ok
}

// cpuLimiters lists the target kinds whose modules can limit CPUs.
func cpuLimiters() []string {
	var kinds []string
	for _, m := range registry.List() {
		if isCPULimiter(m) {
			kinds = append(kinds, m.Kind())
		}
	}
	return kinds
}
