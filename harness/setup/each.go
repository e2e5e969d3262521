package setup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// each runs a step once, once per account, or once per batch of accounts,
// with bounded concurrency. A call of an idempotent step that failed in a
// way worth another try (timeout, connection, 5xx, 429) is tried again with
// backoff; any other failure stops the step (calls in flight finish).
//
//	accounts ──split──> units (1 account, or batch: N) ──workers (concurrency)──> call ──fail, retryable──> backoff, call again
func each(ctx context.Context, step scenario.SetupStep, cfg *scenario.Setup, base *view, accounts []*Account, r runner, env Env) (rundir.SetupStep, error) {
	var res rundir.SetupStep
	units := split(step, accounts)
	out := env.Progress
	if step.ForEach != scenario.ForEachAccount {
		out = nil // a once step shows no progress
	}
	p := newProgress(out, env.TTY, step.Name, len(accounts))
	defer p.stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	for range min(cfg.Concurrency, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(units) {
					return
				}
				if err := call(ctx, step, cfg, base, units[i], r, p); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				p.done.Add(int64(max(1, len(units[i]))))
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = &StepError{Step: step.Name, Err: context.Cause(ctx)}
	}
	res.Runs, res.Calls, res.Retries = int(p.done.Load()), p.calls.Load(), p.retries.Load()
	return res, firstErr
}

// split makes the step's units of work: one without accounts for a once
// step, else one per account or per batch.
func split(step scenario.SetupStep, accounts []*Account) [][]*Account {
	if step.ForEach != scenario.ForEachAccount {
		return [][]*Account{nil}
	}
	size := max(step.Batch, 1)
	units := make([][]*Account, 0, (len(accounts)+size-1)/size)
	for i := 0; i < len(accounts); i += size {
		units = append(units, accounts[i:min(i+size, len(accounts))])
	}
	return units
}

// call runs the step for one unit, each attempt within the timeout, the
// retries of an idempotent step after a growing, jittered backoff.
func call(ctx context.Context, step scenario.SetupStep, cfg *scenario.Setup, base *view, unit []*Account, r runner, p *progress) error {
	v := *base
	switch {
	case step.Batch > 0:
		v.Accounts = unit
	case len(unit) == 1:
		v.Account = unit[0]
	}
	backoff := cfg.Retries.Backoff.D()
	for attempt := 1; ; attempt++ {
		p.calls.Add(1)
		actx, cancel := context.WithTimeout(ctx, cfg.Timeout.D())
		err := r.run(actx, &v, unit)
		cancel()
		if err == nil {
			return nil
		}
		if !step.Retried() || attempt >= cfg.Retries.MaxAttempts || ctx.Err() != nil || !worthRetry(err) {
			if attempt > 1 {
				err = fmt.Errorf("%w (attempt %d of %d)", err, attempt, cfg.Retries.MaxAttempts)
			}
			return &StepError{Step: step.Name, Account: name(unit), Err: err}
		}
		p.retries.Add(1)
		wait := backoff/2 + rand.N(backoff/2+1) // jitter: retries of a batch do not come back together
		select {
		case <-ctx.Done():
			return &StepError{Step: step.Name, Account: name(unit), Err: context.Cause(ctx)}
		case <-time.After(wait):
		}
		backoff = min(2*backoff, cfg.Retries.MaxBackoff.D())
	}
}

// name says which accounts a unit is, for errors.
func name(unit []*Account) string {
	switch len(unit) {
	case 0:
		return ""
	case 1:
		return unit[0].ID
	}
	return fmt.Sprintf("%s to %s (a batch of %d)", unit[0].ID, unit[len(unit)-1].ID, len(unit))
}

// retryable marks a failure that another attempt may not meet: an answer
// 5xx or 429.
type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

// worthRetry says whether a failed call may succeed if tried again: a
// timeout, a connection that failed, a 5xx or 429, a database error that
// pgx says is safe to retry.
func worthRetry(err error) bool {
	var rt retryable
	var ne net.Error
	return errors.As(err, &rt) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || pgconn.SafeToRetry(err)
}
