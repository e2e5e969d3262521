// Package run carries out `authquake run`: scenario -> target up -> load and
// fault timeline -> recorded results, in one run directory, written through
// harness/rundir (which names its files and holds their types):
//
//	results/<scenario>-<UTC time>/
//	  scenario.yaml, seed, run.json, attempts.csv.gz, timeline.json,
//	  samples.jsonl, service_metrics.jsonl.gz, accounts.json, created.json,
//	  ledger.jsonl.gz (or ledger.error, ledger.none)
//
// Whatever way the run ends (done, stop condition, Ctrl-C, error, panic),
// faults are reverted, containers removed and what was recorded is kept.
package run

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/auth"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/authquake/authquake/harness/webhook"
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
	auth  *auth.Source // target.auth's token, once the target is up
	// webhooks serves target.webhooks from setup on.
	webhooks *webhook.Receiver
	refs     []string // the service's account ids by index, once setup captured them
	// listener is shard 0's coordination port, held from before the target starts.
	listener net.Listener
}

// DefaultKeepFor is how long a kept target stays when Options.KeepFor is 0.
const DefaultKeepFor = 24 * time.Hour

// ProcsAuto as Options.Procs sizes GOMAXPROCS to the schedule (load.Procs).
const ProcsAuto = -1

// Result is where a run's results are and how it ended.
type Result struct {
	Dir  string
	Meta *rundir.Meta
}

// Run carries out a scenario. The error is for the harness only: a run that
// a stop condition or an interrupt ended returns its Result with the status
// in Meta and an exit-code-4 error.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if !(o.DurationScale > 0) {
		o.DurationScale = 1
	}
	s, unscaled, warnings, err := prepare(o)
	if err != nil {
		return nil, err
	}
	if err := awaitTarget(ctx, s, o, orDiscard(o.Log)); err != nil {
		return nil, err
	}
	if lateJoin(o) || !joins(o) {
		return nil, nil // nothing ran, nothing to report: a lost shard stays lost
	}
	if o.listener, err = reserveListen(o); err != nil {
		return nil, err
	}
	if o.listener != nil {
		defer o.listener.Close() // the endpoint's, once it serves: closed twice is harmless
	}
	setKeyPrefix(s, o.Shard)
	dir, err := newRunDir(o.Out, shardPart(s, o.Shard.Shard), o.Scenario, s.Seed)
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, err, "")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	fmt.Fprintf(o.Log, "run %s: seed %d, keys %s-%d-N\n", dir, s.Seed, s.Requests.KeyPrefix, s.Seed)
	if unscaled.Count != s.Accounts.Count {
		fmt.Fprintf(o.Log, "duration scale %g: %d accounts instead of %d (accounts.scale_with_duration)\n", o.DurationScale, s.Accounts.Count, unscaled.Count)
	}
	for _, w := range warnings {
		fmt.Fprintln(o.Log, "warning:", w)
	}
	meta, err := newMeta(s, o, dir, warnings)
	res = &Result{Dir: dir, Meta: meta}
	if err != nil {
		return res, err
	}
	if o.OnDir != nil {
		o.OnDir(dir)
	}
	defer func() { // run.json on every way out, a panic included
		if p := recover(); p != nil {
			meta.Status, meta.Reason = rundir.StatusError, fmt.Sprintf("panic: %v", p)
			err = exitcode.New(exitcode.Environment, fmt.Errorf("panic: %v", p), "this is a bug in authquake")
		}
		meta.Ended = time.Now().UTC()
		if werr := rundir.WriteJSON(dir, rundir.MetaFile, meta); werr != nil && err == nil {
			err = werr
		}
		// The last guard: whatever a service answered or logged with a secret in it.
		if files, serr := secret.ScrubDir(dir); serr != nil && err == nil {
			err = exitcode.New(exitcode.Environment, fmt.Errorf("redact secrets: %w", serr), "")
		} else if len(files) > 0 {
			fmt.Fprintf(o.Log, "secrets redacted from %d files of the run directory\n", len(files))
		}
	}()
	return res, againstTarget(ctx, s, o, dir, meta)
}

// againstTarget starts the target, provisions its accounts and executes the
// load and the faults. Whatever the way out, the target is then removed, or
// kept for inspection (--keep).
func againstTarget(ctx context.Context, s *scenario.Scenario, o Options, dir string, meta *rundir.Meta) error {
	tgt, err := registry.Start(ctx, s, target.Options{AllowRemote: o.AllowRemote, Bugs: o.Bugs, Log: o.Log, KeepUntil: keepUntil(s, o)})
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
		err = reachTarget(ctx, tgt, o)
	}
	if err == nil {
		var stop func()
		if stop, err = startAuth(ctx, s, tgt, &o, meta); err == nil {
			defer stop()
			if stop, err = startWebhooks(s, &o, meta); err == nil {
				defer stop()
				if err = provision(ctx, tgt, s, &o, dir, meta); err == nil {
					err = fetchRefs(ctx, &o)
				}
			}
		}
	}
	if err != nil {
		saveStartLog(dir, err)
		meta.Reason, _, _ = strings.Cut(err.Error(), "\n") // the log is in its own file
		return Interrupted(ctx, err)
	}
	return execute(ctx, s, o, s.Seed, dir, tgt, meta)
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

// orDiscard is log, or a writer that drops everything.
func orDiscard(log io.Writer) io.Writer {
	if log == nil {
		return io.Discard
	}
	return log
}

// Interrupted maps a cancelled context to its cause (the interrupt, exit 4),
// and returns err otherwise.
func Interrupted(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		return cause
	}
	return err
}
