package run

import (
	"context"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/rundir"
)

// watch runs the load to its end. Beside it, from the attack's base time:
// the fault timeline, the resource samplers and the service's metrics; once a
// second, the progress line, the stop conditions and the live exporter. A
// stop condition, Ctrl-C or another shard halts it. watch returns once the
// load has, with the halt that stopped it (nil: it ran to its end); from
// then on no halt counts.
func (e *execution) watch(ctx context.Context) (load.Result, *halt) {
	runCtx, cancel := context.WithCancel(ctx)
	e.cancel = cancel
	e.started, e.ticking = make(chan struct{}), make(chan struct{})
	go e.tick(runCtx)
	if e.sl != nil {
		go e.sl.follow(runCtx, e.halt)
	}
	go func() {
		select {
		case <-ctx.Done():
			e.halt(rundir.StatusInterrupted, "interrupted")
		case <-runCtx.Done():
		}
	}()
	r := e.atk.Run()
	return r, e.loadReturned()
}

// tick starts what runs beside the load at its base time (then closes
// started), and ticks the monitor and the live exporter once a second until
// ctx ends (then closes ticking).
func (e *execution) tick(ctx context.Context) {
	defer close(e.ticking)
	began := e.atk.Began()
	e.meta.BaseUnixNano = began.UnixNano()
	e.tl.Start(ctx, began)
	var err error
	if e.smp, err = newSampler(filepath.Join(e.dir, rundir.SamplesFile), began); err == nil { // else no samples, nothing to close
		e.smp.generator(ctx)
		for role, c := range e.tgt.Topo.Containers {
			e.smp.container(ctx, e.tgt.Docker, role, c.GetContainerID())
		}
	}
	e.svc = scrapeService(ctx, e.s, e.tgt, e.dir, began, e.o.AllowRemote, e.o.Log)
	close(e.started)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.mon.tick(time.Since(began))
			e.o.Live.Tick(time.Since(began))
		}
	}
}
