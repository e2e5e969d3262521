package run

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
	"github.com/authquake/authquake/harness/target"
)

// execution is the load and the fault timeline of one run, recorded into its
// directory. It goes through three steps, each a method:
//
//	start ──> watch: running ──the load returns──> finishing ──> finish
//	                   │                               ^
//	                   └─halt─> stopping (the load drains)
//
// A halt (a stop condition, Ctrl-C, another shard's stop) counts only while
// the state is running: the first one stops the faults, then the load, and
// sets how the run ended. Once the load has returned the run is finishing,
// and a late halt changes nothing.
type execution struct {
	s    *scenario.Scenario
	o    Options
	seed uint64
	dir  string
	tgt  *target.Target
	meta *rundir.Meta

	w   *record.Writer
	tl  *fault.Timeline
	mon *monitor
	atk *load.Attack
	sl  *shardLink // nil unless the run is a shard
	// restoreProcs puts GOMAXPROCS back (nil: left alone).
	restoreProcs func()

	mu     sync.Mutex
	state  state
	halted *halt // the halt that stopped the load, if one did
	// stopped is halted != nil, read without the lock (the live exporter).
	stopped atomic.Bool

	// Set by watch: what runs beside the load until finish stops it.
	cancel           context.CancelFunc
	started, ticking chan struct{}
	smp              *sampler
	svc              *svcmetrics.Scraper
}

// state is where an execution is; see execution.
type state int

const (
	running   state = iota // the load runs: a halt stops it
	stopping               // a halt came: the load drains
	finishing              // the load has returned: no halt counts
)

// halt is an early stop: its status (aborted or interrupted), why, and when.
type halt struct {
	status, reason string
	at             time.Time
}

// execute drives the load and the faults and records everything.
func execute(ctx context.Context, s *scenario.Scenario, o Options, seed uint64, dir string, tgt *target.Target, meta *rundir.Meta) error {
	e := &execution{s: s, o: o, seed: seed, dir: dir, tgt: tgt, meta: meta}
	defer e.close() // on every way out, panics included
	if err := e.start(); err != nil {
		return err
	}
	r, halted := e.watch(ctx)
	return e.finish(ctx, r, halted)
}

// start opens the attempts file and builds the fault timeline, the monitor,
// the attack and the shard link, and puts the plan into run.json; nothing is
// sent or injected yet. On error the attempts file is closed.
func (e *execution) start() (err error) {
	s, o := e.s, e.o
	if e.w, err = record.Create(filepath.Join(e.dir, rundir.AttemptsFile)); err != nil {
		return exitcode.New(exitcode.Environment, err, "")
	}
	defer func() {
		if err != nil {
			e.w.Close()
		}
	}()
	if e.tl, err = fault.NewTimeline(s.Faults, e.tgt.FaultEnv(s, e.seed, o.AllowRemote), o.Log); err != nil {
		return exitcode.New(exitcode.Invalid, err, "")
	}
	e.mon = &monitor{stop: s.StopWhen, out: o.Progress, tty: o.TTY, active: e.tl.Active,
		breach: func(reason string) {
			if e.sl != nil {
				e.sl.stop(reason) // a stop anywhere stops every shard
			}
			e.halt(rundir.StatusAborted, reason)
		}}
	sinks := []load.Sink{e.w, e.mon}
	if o.Live != nil {
		sinks = append(sinks, o.Live)
	}
	e.atk, err = load.New(load.Options{Scenario: s, Seed: e.seed, Base: e.tgt.Topo.Endpoints.Service, Sinks: sinks,
		Guard: egress.Guard{AllowRemote: o.AllowRemote}, Refs: o.refs, Shard: o.Shard.Shard, StartAt: o.Shard.StartAt, Auth: o.authorizer(), NotifyURL: o.notifyURL()})
	if err != nil {
		return exitcode.New(exitcode.Invalid, err, "")
	}
	o.attachSettlement(e.atk.Settlement())
	if e.meta.Shard != nil { // after the attack: a halt from another shard has a load to stop
		if e.sl, err = link(o, e.meta.Shard, e.halt); err != nil {
			return err
		}
		if err = e.sl.publish(s, e.tgt, o.refs); err != nil {
			e.sl.close()
			return err
		}
	}
	plan := e.atk.Plan()
	e.mon.plan = plan
	if procs := o.Procs; procs != 0 {
		if procs == ProcsAuto {
			procs = load.Procs(s, plan, o.Shard.Shard, runtime.GOMAXPROCS(0)) // the runtime's default heeds a container's CPU limit
		}
		e.restoreProcs = load.SetProcs(procs)
	}
	e.meta.Generator.Procs = runtime.GOMAXPROCS(0)
	startLive(o.Live, s, e.tl, plan, e.mon, &e.stopped)
	e.meta.Phases, e.meta.DurationS, e.meta.Planned = plan.Spans(), plan.Duration().Seconds(), o.Shard.Shard.Planned(plan.Total())
	fmt.Fprintf(o.Log, "load: %s; the generator runs on %d of %d CPUs (GOMAXPROCS)\n", e.atk, e.meta.Generator.Procs, runtime.NumCPU())
	return nil
}

// halt stops the run early, if the load still runs: first the fault
// timeline, so that no fault goes in while the load drains, then the load.
// The lock is held until both are told, so that a load returning meanwhile
// finds the halt whole.
func (e *execution) halt(status, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != running {
		return
	}
	e.state, e.halted = stopping, &halt{status: status, reason: reason, at: time.Now()}
	e.stopped.Store(true)
	fmt.Fprintf(e.o.Log, "\nstopping: %s\n", reason)
	e.tl.Stop(reason)
	e.atk.Stop()
}

// loadReturned moves the run to finishing: no halt counts from here. It
// returns the halt that stopped the load, nil when it ran to its end.
func (e *execution) loadReturned() *halt {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state = finishing
	return e.halted
}

// close undoes what start and watch set up, in reverse: whatever the way out,
// the run's goroutines end, GOMAXPROCS is back, the shard endpoint is closed
// and every fault is reverted.
func (e *execution) close() {
	if e.cancel != nil {
		e.cancel()
	}
	if e.restoreProcs != nil {
		e.restoreProcs()
	}
	if e.sl != nil {
		e.sl.close()
	}
	if e.tl != nil {
		e.tl.RevertAll()
	}
}
