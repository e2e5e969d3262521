// Package run carries out `authquake run`: scenario -> target up -> load and
// fault timeline -> recorded results, in one run directory:
//
//	results/<scenario>-<UTC time>/
//	  scenario.yaml    the scenario as given
//	  seed             the seed of all randomness
//	  run.json         what ran against what, base time, how it ended
//	  attempts.csv.gz  every attempt of every payment, written as it goes
//	  timeline.json    every fault: planned, injected, reverted
//	  samples.jsonl    generator and container resources, once a second
//	  ledger.jsonl.gz  the service's ledger, read before teardown (harness/ledger);
//	                   ledger.error when it could not be read, ledger.none when no source is set
//
// Whatever way the run ends (done, stop condition, Ctrl-C, error, panic),
// faults are reverted, containers removed and what was recorded is kept.
package run

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/traffic"
)

// Options configures a run.
type Options struct {
	// Scenario is the scenario file.
	Scenario string
	// Out is the parent of run directories.
	Out string
	// Seed overrides the scenario's seed when non-zero.
	Seed uint64
	// DurationScale scales phases and fault times (see scenario.Scale).
	DurationScale float64
	// AllowRemote allows a url target off this machine.
	AllowRemote bool
	// Bugs, when set, replaces the authsim bugs the scenario switches on.
	Bugs *[]string
	// Log receives the harness's own lines (containers, faults).
	Log io.Writer
	// Progress receives the live progress line; TTY redraws it in place.
	Progress io.Writer
	TTY      bool
	// Version is authquake's version, saved in run.json.
	Version string
	// Live, when set, receives the load and the run's state for the
	// Prometheus endpoint (authquake run --metrics-addr).
	Live *live.Exporter
	// Keep leaves the target running after the run (its faults reverted,
	// its ledger read) for inspection, labelled as kept (docker.LabelKept)
	// until KeepFor after the run's planned end: only authquake cleanup
	// --run or --kept removes it before then.
	Keep bool
	// KeepFor is how long a kept target stays after the planned end of the
	// run; DefaultKeepFor when zero.
	KeepFor time.Duration
	// Procs is how many threads run the generator's Go code (GOMAXPROCS)
	// while the run lasts: 0 leaves the setting alone, ProcsAuto sizes it to
	// the schedule's peak (load.Procs).
	Procs int
	// Shard makes the run one shard of a run split over several processes
	// (see ShardOptions); the zero value is the whole run.
	Shard ShardOptions
	// OnDir, when set, is called once the run directory exists (with
	// shard.json, for a shard), before the target starts: authquake run
	// --upload checkpoints the directory to the coordinator from then on.
	OnDir func(dir string)
}

// DefaultKeepFor is how long a kept target stays when Options.KeepFor is 0.
const DefaultKeepFor = 24 * time.Hour

// ProcsAuto as Options.Procs sizes GOMAXPROCS to the schedule (load.Procs).
const ProcsAuto = -1

// Result is where a run's results are and how it ended.
type Result struct {
	Dir  string
	Meta *Meta
}

// Load reads a scenario with its target module's checks (harness/target),
// and checks its faults and its request templates (rendered for sample
// payments): every problem at once.
func Load(path string) (*scenario.Scenario, error) {
	s, _, err := loadScenario(path)
	return s, err
}

func loadScenario(path string) (*scenario.Scenario, *scenario.Source, error) {
	s, src, err := target.Load(path)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.Invalid, err, "")
	}
	links, roles := target.Links(s.Target)
	probs := append(fault.Check(s, src, links, roles), load.CheckTemplates(s, src)...)
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, nil, exitcode.New(exitcode.Invalid, probs, "")
	}
	return s, src, nil
}

// Run carries out a scenario. The error is for the harness only: a run that
// a stop condition or an interrupt ended returns its Result with the status
// in Meta and an exit-code-4 error.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	s, src, err := loadScenario(o.Scenario)
	if err != nil {
		return nil, err
	}
	if !(o.DurationScale > 0) {
		o.DurationScale = 1
	}
	unscaled, planned := s.Accounts, traffic.NewPlan(s.Traffic.Phases).Total()
	s.Scale(o.DurationScale)
	if probs := s.CheckLimits(src); len(probs) > 0 { // a scale can push a valid file past them
		return nil, exitcode.New(exitcode.Invalid, probs, fmt.Sprintf("--duration-scale %g makes the scenario too long", o.DurationScale))
	}
	var warnings []string
	if w := s.ScaleWarning(unscaled, float64(planned), float64(traffic.NewPlan(s.Traffic.Phases).Total()), o.DurationScale); w != "" {
		warnings = append(warnings, w)
	}
	seed := o.Seed
	if seed == 0 {
		seed = s.Seed
	}
	if seed == 0 {
		seed = rand.Uint64() >> 1
	}
	s.Seed = seed
	if probs := checkDatabases(s, src, o.AllowRemote); len(probs) > 0 {
		return nil, exitcode.New(exitcode.Invalid, probs, "")
	}
	if err := checkShard(s, o.Shard); err != nil {
		return nil, err
	}
	if lateJoin(o) || !joins(o) {
		return nil, nil // nothing ran, nothing to report: a lost shard stays lost
	}
	switch {
	case s.Requests.KeyPrefix != "": // pinned
	case o.Shard.Shard.Sharded(): // every shard derives the same one
		s.Requests.KeyPrefix = SharedKeyPrefix(o.Shard.StartAt, seed)
	default: // keys of this run's own
		s.Requests.KeyPrefix = traffic.UniqueKeyPrefix(rand.Uint32())
	}
	name := s.Name
	if sh := o.Shard.Shard; sh.Sharded() {
		name = fmt.Sprintf("%s-shard%d", name, sh.Index)
		if sh.Index > 0 { // the fault timeline is the owner's alone
			s.Faults = nil
		}
	}
	dir, err := newRunDir(o.Out, name, o.Scenario, seed)
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, err, "")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	fmt.Fprintf(o.Log, "run %s: seed %d, keys %s-%d-N\n", dir, seed, s.Requests.KeyPrefix, seed)
	if unscaled.Count != s.Accounts.Count {
		fmt.Fprintf(o.Log, "duration scale %g: %d accounts instead of %d (accounts.scale_with_duration)\n", o.DurationScale, s.Accounts.Count, unscaled.Count)
	}
	for _, w := range warnings {
		fmt.Fprintln(o.Log, "warning:", w)
	}
	meta := &Meta{Version: 1, Scenario: s.Name, Seed: seed, KeyPrefix: s.Requests.KeyPrefix, DurationScale: o.DurationScale, Warnings: warnings, Started: time.Now().UTC(),
		Status: StatusError, Generator: GeneratorInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Version: o.Version}}
	res = &Result{Dir: dir, Meta: meta}
	if sh := o.Shard.Shard; sh.Sharded() {
		meta.Shard = &ShardInfo{Shard: sh, Host: hostname(), StartAtUnixNano: o.Shard.StartAt.UnixNano(),
			KeyPrefix: s.Requests.KeyPrefix, Status: StatusError, RunPlanned: traffic.NewPlan(s.Traffic.Phases).Total()}
		meta.Shard.Planned = sh.Planned(meta.Shard.RunPlanned)
		if err := writeJSON(dir, ShardFile, meta.Shard); err != nil {
			return res, exitcode.New(exitcode.Environment, err, "")
		}
	}
	if o.OnDir != nil {
		o.OnDir(dir)
	}
	defer func() {
		if p := recover(); p != nil {
			meta.Status, meta.Reason = StatusError, fmt.Sprintf("panic: %v", p)
			err = exitcode.New(exitcode.Environment, fmt.Errorf("panic: %v", p), "this is a bug in authquake")
		}
		meta.Ended = time.Now().UTC()
		if werr := writeJSON(dir, MetaFile, meta); werr != nil && err == nil {
			err = werr
		}
	}()
	tgt, err := target.Start(ctx, s, target.Options{AllowRemote: o.AllowRemote, Bugs: o.Bugs, Log: o.Log, KeepUntil: keepUntil(s, o)})
	defer func() {
		if o.Keep { // whatever the way out: a failed run is what one inspects
			tgt.Keep(o.Log)
			return
		}
		tgt.Close(o.Log)
	}()
	if tgt.Topo != nil {
		meta.RunID, meta.Endpoints = tgt.Topo.RunID, tgt.Topo.Endpoints
		if u := tgt.Topo.KeepUntil; !u.IsZero() && len(tgt.Topo.Containers) > 0 {
			meta.KeptUntil = &u
		}
	}
	meta.Target = tgt.Info
	if err == nil {
		err = provision(ctx, tgt, s, o, dir, meta)
	}
	if err != nil {
		saveStartLog(dir, err)
		meta.Reason, _, _ = strings.Cut(err.Error(), "\n") // the log is in its own file
		return res, Interrupted(ctx, err)
	}
	return res, execute(ctx, s, o, seed, dir, tgt, meta)
}

// keepUntil is when a kept target may be reaped: KeepFor after the planned
// end of the load (setup and the ledger read come on top, minutes against
// a day); zero without --keep. The label is set when the containers are
// created: Docker cannot change it later.
func keepUntil(s *scenario.Scenario, o Options) time.Time {
	if !o.Keep {
		return time.Time{}
	}
	keep := o.KeepFor
	if keep <= 0 {
		keep = DefaultKeepFor
	}
	return time.Now().Add(traffic.NewPlan(s.Traffic.Phases).Duration() + keep).UTC().Truncate(time.Second)
}

// newRunDir makes results/<scenario>-<UTC time>/ with the scenario and seed.
func newRunDir(out, name, scenarioPath string, seed uint64) (string, error) {
	dir := filepath.Join(out, strings.ReplaceAll(name, "/", "_")+"-"+time.Now().UTC().Format("20060102T150405Z"))
	base := dir
	for i := 2; exists(dir); i++ {
		dir = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src, err := os.ReadFile(scenarioPath)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ScenarioFile), src, 0o644); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, SeedFile), fmt.Appendf(nil, "%d\n", seed), 0o644)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Interrupted maps a cancelled context to its cause (the interrupt, exit 4),
// and returns err otherwise.
func Interrupted(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		return cause
	}
	return err
}
