package run

import (
	"context"
	"errors"
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
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
	"github.com/authquake/authquake/harness/target"
)

// execute drives the load and the faults and records everything.
func execute(ctx context.Context, s *scenario.Scenario, o Options, seed uint64, dir string, tgt *target.Target, meta *Meta) error {
	w, err := record.Create(filepath.Join(dir, record.File))
	if err != nil {
		return exitcode.New(exitcode.Environment, err, "")
	}
	var stopOnce sync.Once
	var atk *load.Attack
	var stopped time.Time
	var tl *fault.Timeline
	var stopping atomic.Bool
	var sl *shardLink
	halt := func(status, reason string) {
		stopOnce.Do(func() {
			stopping.Store(true)
			meta.Status, meta.Reason, stopped = status, reason, time.Now()
			fmt.Fprintf(o.Log, "\nstopping: %s\n", reason)
			tl.Stop(reason) // first: no fault goes in while the load drains
			atk.Stop()
		})
	}
	tl, err = fault.NewTimeline(s.Faults, tgt.FaultEnv(s, seed, o.AllowRemote), o.Log)
	if err != nil {
		w.Close()
		return exitcode.New(exitcode.Invalid, err, "")
	}
	defer tl.RevertAll() // on every way out, panics included
	mon := &monitor{stop: s.StopWhen, out: o.Progress, tty: o.TTY, active: tl.Active,
		breach: func(reason string) {
			if sl != nil {
				sl.stop(reason) // a stop anywhere stops every shard
			}
			halt(StatusAborted, reason)
		}}
	if meta.Shard != nil {
		if sl, err = link(o, meta.Shard, halt); err != nil {
			w.Close()
			return err
		}
		defer sl.close()
	}
	sinks := []load.Sink{w, mon}
	if o.Live != nil {
		sinks = append(sinks, o.Live)
	}
	atk, err = load.New(load.Options{Scenario: s, Seed: seed, Base: tgt.Topo.Endpoints.Service, Sinks: sinks,
		Guard: egress.Guard{AllowRemote: o.AllowRemote}, Refs: meta.Setup.Refs(), Shard: o.Shard.Shard, StartAt: o.Shard.StartAt})
	if err != nil {
		w.Close()
		return exitcode.New(exitcode.Invalid, err, "")
	}
	mon.plan = atk.Plan()
	if procs := o.Procs; procs != 0 {
		if procs == ProcsAuto {
			procs = load.Procs(s, atk.Plan(), o.Shard.Shard, runtime.GOMAXPROCS(0)) // the runtime's default heeds a container's CPU limit
		}
		defer load.SetProcs(procs)()
	}
	meta.Generator.Procs = runtime.GOMAXPROCS(0)
	startLive(o.Live, s, tl, atk.Plan(), mon, &stopping)
	meta.Phases, meta.DurationS, meta.Planned = atk.Plan().Spans(), atk.Plan().Duration().Seconds(), o.Shard.Shard.Planned(atk.Plan().Total())
	fmt.Fprintf(o.Log, "load: %s; the generator runs on %d of %d CPUs (GOMAXPROCS)\n", atk, meta.Generator.Procs, runtime.NumCPU())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	started, ticking := make(chan struct{}), make(chan struct{})
	var smp *sampler
	var svc *svcmetrics.Scraper
	go func() {
		defer close(ticking)
		began := atk.Began()
		meta.BaseUnixNano = began.UnixNano()
		tl.Start(runCtx, began)
		var serr error
		if smp, serr = newSampler(filepath.Join(dir, SamplesFile), began); serr == nil {
			smp.generator(runCtx)
			for role, c := range tgt.Topo.Containers {
				smp.container(runCtx, tgt.Docker, role, c.GetContainerID())
			}
		}
		svc = scrapeService(runCtx, s, tgt, dir, began, o.AllowRemote, o.Log)
		close(started)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
				mon.tick(time.Since(began))
				o.Live.Tick(time.Since(began))
			}
		}
	}()
	if sl != nil {
		go sl.follow(runCtx, halt)
	}
	go func() {
		select {
		case <-ctx.Done():
			halt(StatusInterrupted, "interrupted")
		case <-runCtx.Done():
		}
	}()
	r := atk.Run()
	stopOnce.Do(func() {})               // no halt after this point; and one that ran is visible here
	o.Live.Tick(time.Since(atk.Began())) // the schedule's last figures, once the load is done
	tl.Stop("the load ended")
	<-started
	if !stopped.IsZero() {
		meta.StoppedS = stopped.Sub(time.Unix(0, meta.BaseUnixNano)).Seconds()
	}
	if r.Err != nil {
		meta.Status, meta.Reason = StatusError, "a request could not be built: "+r.Err.Error()
	}
	cancel()
	<-ticking // the progress line is done before anything else is printed
	tl.RevertAll()
	tl.Wait()
	if o.TTY && o.Progress != nil {
		fmt.Fprintln(o.Progress)
	}
	if sl != nil { // the owner reads the ledger once the others are done
		sl.finish(s.Requests.Client.Timeout.D()*time.Duration(s.Requests.Client.Retries.MaxAttempts) + 10*time.Second)
	}
	if sl == nil || sl.owner {
		snapshotLedger(ctx, tgt, s, dir, o.AllowRemote, o.Log)
	}
	meta.Sent, meta.Attempts = r.Hits, w.Count()
	if meta.Status == StatusError {
		meta.Status = StatusCompleted
	}
	if sh := meta.Shard; sh != nil {
		sh.Planned, sh.Sent, sh.Status, sh.Reason = meta.Planned, r.Hits, meta.Status, meta.Reason
		sh.Unsent = sh.Planned - min(sh.Sent, sh.Planned)
		writeJSON(dir, ShardFile, sh)
	}
	errs := []error{w.Close(), writeJSON(dir, TimelineFile, tl.Events())}
	if smp != nil {
		errs = append(errs, smp.close())
	}
	if svc != nil {
		_, serr := svc.Close()
		errs = append(errs, serr)
	}
	if err := errors.Join(errs...); err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("save results: %w", err), "")
	}
	if r.Err != nil {
		return exitcode.New(exitcode.Invalid, errors.New(meta.Reason), "fix the request template: validation renders it for sample payments only")
	}
	if meta.Status != StatusCompleted {
		return exitcode.New(exitcode.Aborted, errors.New(meta.Reason), "the results so far are in "+dir)
	}
	return nil
}
