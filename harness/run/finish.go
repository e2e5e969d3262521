package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/rundir"
)

// finish ends a run whose load has returned: it winds down what ran beside
// the load and reverts the faults, says in run.json how the run ended, reads
// the ledger, and saves what was recorded. The error carries the exit code:
// 2 when a request could not be built, 4 when the run was stopped early.
func (e *execution) finish(ctx context.Context, r load.Result, halted *halt) error {
	e.windDown()
	e.atk.Settlement().Wait(ctx) // the final states of payments answered pending, up to target.settle
	e.o.attachSettlement(nil)
	e.settle(r, halted)
	if e.sl != nil { // the owner reads the ledger once the others are done
		c := e.s.Requests.Client
		e.sl.finish(c.Timeout.D()*time.Duration(c.Retries.MaxAttempts) + 10*time.Second)
	}
	if e.sl == nil || e.sl.owner {
		snapshotLedger(ctx, e.tgt, e.s, e.dir, e.o.AllowRemote, e.o.Log)
	}
	if err := e.save(r); err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("save results: %w", err), "")
	}
	switch {
	case r.Err != nil:
		return exitcode.New(exitcode.Invalid, errors.New(e.meta.Reason), "fix the request template: validation renders it for sample payments only")
	case e.meta.Status != rundir.StatusCompleted:
		return exitcode.New(exitcode.Aborted, errors.New(e.meta.Reason), "the results so far are in "+e.dir)
	}
	return nil
}

// windDown stops what ran beside the load: the live exporter gets the
// schedule's last figures, no fault goes in any more, the progress line is
// done before anything else is printed, and every fault is reverted.
func (e *execution) windDown() {
	e.o.Live.Tick(time.Since(e.atk.Began()))
	e.tl.Stop("the load ended")
	<-e.started
	e.cancel()
	<-e.ticking
	e.tl.RevertAll()
	e.tl.Wait()
	if e.o.TTY && e.o.Progress != nil {
		fmt.Fprintln(e.o.Progress)
	}
}

// settle says in run.json how the run ended: in error when a request could
// not be built (the attack stopped there), else as the halt that stopped it
// said, else completed; and when it was stopped, at what offset.
func (e *execution) settle(r load.Result, halted *halt) {
	m := e.meta
	if halted != nil {
		m.Status, m.Reason = halted.status, halted.reason
		m.StoppedS = halted.at.Sub(time.Unix(0, m.BaseUnixNano)).Seconds()
	} else {
		m.Status = rundir.StatusCompleted
	}
	if r.Err != nil {
		m.Status, m.Reason = rundir.StatusError, "a request could not be built: "+r.Err.Error()
	}
}

// save writes the counts, the shard's own record (for a shard) and the
// timeline, and closes the attempts, samples and service metrics files.
func (e *execution) save(r load.Result) error {
	m := e.meta
	m.Sent, m.Attempts, m.AnswersTruncated = r.Hits, e.w.Count(), r.Truncated
	if sh := m.Shard; sh != nil {
		sh.Planned, sh.Sent, sh.Status, sh.Reason = m.Planned, r.Hits, m.Status, m.Reason
		sh.Unsent = sh.Planned - min(sh.Sent, sh.Planned)
		rundir.WriteJSON(e.dir, rundir.ShardFile, sh)
	}
	errs := []error{e.w.Close(), rundir.WriteJSON(e.dir, rundir.TimelineFile, e.tl.Events())}
	if e.smp != nil {
		errs = append(errs, e.smp.close())
	}
	if e.svc != nil {
		_, err := e.svc.Close()
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
