package fault

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// entry is one fault and its lifecycle.
type entry struct {
	mu     sync.Mutex
	fault  Fault
	ev     rundir.Event
	at     time.Duration
	dur    time.Duration
	revert sync.Once
	// injected is closed when the inject call has returned, so that a
	// revert never overtakes it.
	injected chan struct{}
	// reverted is closed by finish, so that the fault's goroutine stops
	// waiting for its end.
	reverted chan struct{}
}

// Timeline runs a scenario's faults against the run's base time and makes
// sure every one is reverted.
type Timeline struct {
	entries []*entry
	began   time.Time
	log     io.Writer
	wg      sync.WaitGroup
	// mu orders Stop against injections: a fault whose inject begins after
	// Stop is skipped, never injected.
	mu       sync.Mutex
	stopping string
	stop     chan struct{}
}

// RevertTimeout bounds one revert call.
const RevertTimeout = 30 * time.Second

// NewTimeline builds every fault of the scenario against env, checking all of
// them before any is created.
func NewTimeline(faults []scenario.Fault, env Env, log io.Writer) (*Timeline, error) {
	t := &Timeline{log: log, stop: make(chan struct{})}
	for i, f := range faults {
		k, ok := Lookup(f.Kind)
		if !ok {
			return nil, fmt.Errorf("fault %s: unknown kind %q (authquake list shows them)", f.Name, f.Kind)
		}
		spec := Spec{ID: fmt.Sprintf("f%d", i), Kind: f.Kind, Target: f.Target, Params: f.Params}
		flt, err := k.Build(spec, env)
		if err != nil {
			return nil, fmt.Errorf("fault %s (%s): %w", f.Name, f.Kind, err)
		}
		t.entries = append(t.entries, &entry{fault: flt, injected: make(chan struct{}), reverted: make(chan struct{}), at: f.At.D(), dur: f.Duration.D(), ev: rundir.Event{
			ID: spec.ID, Name: f.Name, Kind: f.Kind, Family: k.Family, Target: f.Target, Params: f.Params, Effect: k.Effect(spec, env.ClientTimeout),
			PlannedStartS: f.At.D().Seconds(), PlannedEndS: (f.At.D() + f.Duration.D()).Seconds(), State: "planned"}})
	}
	return t, nil
}

// Start runs the timeline in the background from base time began. Each fault
// is injected at its offset and reverted after its duration; when ctx ends
// first, faults not yet injected are skipped and active ones reverted.
func (t *Timeline) Start(ctx context.Context, began time.Time) {
	t.began = began
	for _, e := range t.entries {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			defer func() {
				if r := recover(); r != nil {
					t.finish(e, fmt.Errorf("panic: %v", r))
				}
			}()
			t.run(ctx, e)
		}()
	}
}

// Stop tells the timeline that the run is stopping: from now on no fault is
// injected, and those not yet injected are skipped with reason. Faults in
// force stay until their end or RevertAll. Safe to call more than once; the
// first reason counts.
func (t *Timeline) Stop(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping == "" {
		t.stopping = reason
		close(t.stop)
	}
}

func (t *Timeline) run(ctx context.Context, e *entry) {
	woke := sleepUntil(ctx, t.stop, t.began.Add(e.at))
	t.mu.Lock()
	if !woke || t.stopping != "" {
		t.mu.Unlock()
		t.skip(ctx, e)
		return
	}
	e.mu.Lock()
	e.ev.InjectS = t.now()
	e.ev.State = "injecting"
	e.mu.Unlock()
	t.mu.Unlock()
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RevertTimeout)
	err := func() error { defer close(e.injected); return e.fault.Inject(ictx) }()
	cancel()
	e.mu.Lock()
	e.ev.ActiveS = t.now()
	if d, ok := e.fault.(Detailer); ok {
		e.ev.Details = d.Details()
	}
	if err != nil {
		e.ev.State, e.ev.InjectError = "failed", err.Error()
		t.logf("fault %s: inject failed: %v", e.ev.Name, err)
	} else {
		e.ev.State = "active"
		t.logf("fault %s (%s %s) injected", e.ev.Name, e.ev.Kind, e.ev.Target)
	}
	e.mu.Unlock()
	sleepUntil(ctx, e.reverted, t.began.Add(e.at+e.dur))
	t.finish(e, nil)
}

// skip records e as never injected, with why: the run was stopping, or its
// context ended first.
func (t *Timeline) skip(ctx context.Context, e *entry) {
	t.mu.Lock()
	reason := t.stopping
	t.mu.Unlock()
	if reason == "" {
		reason = "the run ended before its start"
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			reason += " (" + cause.Error() + ")"
		}
	} else {
		reason = "the run was stopping: " + reason
	}
	e.mu.Lock()
	e.ev.State, e.ev.SkipReason = "skipped", reason
	e.mu.Unlock()
	t.logf("fault %s skipped: %s", e.ev.Name, reason)
}

// finish reverts e once, whatever happened before: after a failed inject, on
// abort, after a panic.
func (t *Timeline) finish(e *entry, cause error) {
	e.revert.Do(func() {
		defer close(e.reverted)
		e.mu.Lock()
		injected := e.ev.InjectS != nil
		if cause != nil {
			e.ev.InjectError = cause.Error()
		}
		if !injected {
			if e.ev.State == "planned" {
				e.ev.State, e.ev.SkipReason = "skipped", "the run ended before its start"
			}
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()
		<-e.injected // bounded: the inject call has its own timeout
		e.mu.Lock()
		e.ev.RevertS = t.now()
		e.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), RevertTimeout)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- e.fault.Revert(ctx) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.logf("fault %s: revert still running after 5s (%s %s)", e.ev.Name, e.ev.Kind, e.ev.Target)
			err = <-done
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		e.ev.RevertedS = t.now()
		if err != nil {
			e.ev.RevertError = err.Error()
			t.logf("fault %s: revert failed: %v", e.ev.Name, err)
		} else {
			t.logf("fault %s reverted", e.ev.Name)
		}
		if e.ev.InjectError == "" {
			e.ev.State = "reverted"
		}
	})
}

// RevertAll stops the timeline (no fault is injected after it), reverts
// every fault that was injected and not yet reverted, and waits for the
// timeline's goroutines. Safe to call more than once, and from a deferred
// call on any way out of the run.
func (t *Timeline) RevertAll() {
	t.Stop("faults were being reverted")
	var wg sync.WaitGroup
	for _, e := range t.entries {
		wg.Add(1)
		go func() { defer wg.Done(); t.finish(e, nil) }()
	}
	wg.Wait()
}

// Wait blocks until every fault has run its course (or the context ended).
func (t *Timeline) Wait() { t.wg.Wait() }

// Events returns the timeline as it stands.
func (t *Timeline) Events() []rundir.Event {
	out := make([]rundir.Event, len(t.entries))
	for i, e := range t.entries {
		e.mu.Lock()
		out[i] = e.ev
		e.mu.Unlock()
	}
	return out
}

// Active names the faults in force now.
func (t *Timeline) Active() []string {
	var out []string
	for _, e := range t.entries {
		e.mu.Lock()
		if e.ev.State == "active" {
			out = append(out, e.ev.Name)
		}
		e.mu.Unlock()
	}
	return out
}

func (t *Timeline) now() *float64 {
	s := time.Since(t.began).Seconds()
	return &s
}

func (t *Timeline) logf(format string, args ...any) {
	if t.log != nil {
		fmt.Fprintf(t.log, "%7.2fs  %s\n", time.Since(t.began).Seconds(), fmt.Sprintf(format, args...))
	}
}

// sleepUntil waits for deadline; false if ctx ended or stop closed first
// (a nil stop never does).
func sleepUntil(ctx context.Context, stop <-chan struct{}, deadline time.Time) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}
