package run

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/rundir"
)

// watchTarget samples the target's containers and scrapes the service's
// metrics into the owner's directory from at, the shards' start instant,
// until endWatch: what a single run records beside its load, which shards
// that only send to the client link cannot.
func (w *Owner) watchTarget(ctx context.Context, at time.Time) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	w.mu.Lock()
	if w.ended { // stopped before it started
		w.mu.Unlock()
		cancel()
		return
	}
	w.stopWatch, w.watched = cancel, done
	w.mu.Unlock()
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		smp, err := newSampler(filepath.Join(w.dir, rundir.SamplesFile), at)
		if err == nil {
			for role, c := range w.tgt.Topo.Containers {
				smp.container(ctx, w.tgt.Docker, role, c.GetContainerID())
			}
		}
		svc := scrapeService(ctx, w.s, w.tgt, w.dir, at, w.o.AllowRemote, w.o.Log)
		<-ctx.Done()
		if smp != nil {
			smp.close()
		}
		if svc != nil {
			svc.Close()
		}
	}()
}

// endWatch stops the samplers and the scraper and waits until their files
// are closed. Safe to call more than once, and before watchTarget.
func (w *Owner) endWatch() {
	w.mu.Lock()
	w.ended = true
	stop, done := w.stopWatch, w.watched
	w.stopWatch = nil
	w.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// watchedFiles adds the owner's container samples to the merged run's
// (the shards' own are their generators') and puts its service metrics
// there. Files the owner did not write are no error.
func (w *Owner) watchedFiles(merged string) error {
	own, err := os.Open(filepath.Join(w.dir, rundir.SamplesFile))
	if err == nil {
		defer own.Close()
		var out *os.File
		if out, err = os.OpenFile(filepath.Join(merged, rundir.SamplesFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			_, err = io.Copy(out, own)
			err = errors.Join(err, out.Close())
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	metrics := filepath.Join(w.dir, rundir.ServiceMetricsFile)
	if _, serr := os.Stat(metrics); serr == nil {
		err = errors.Join(err, copyFile(metrics, filepath.Join(merged, rundir.ServiceMetricsFile)))
	}
	return err
}
