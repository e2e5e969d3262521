package fault

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// counting counts its inject calls: a fault that must never go in.
type counting struct{ injects *atomic.Int32 }

func (c counting) Inject(context.Context) error { c.injects.Add(1); return nil }
func (c counting) Revert(context.Context) error { return nil }

// TestNoFaultIsInjectedOnceTheRunIsStopping pins the run where a fault whose
// time came while the load was draining after a stop condition was injected
// and reverted 0.4 s later, then reported "no impact". Once Stop is called,
// pending faults are skipped with the reason and never injected.
func TestNoFaultIsInjectedOnceTheRunIsStopping(t *testing.T) {
	var injects atomic.Int32
	tests := []struct {
		name string
		at   time.Duration
		stop func(*Timeline)
		want string // in the skip reason
	}{
		// Due at once, but the run was already stopping: a start time that
		// has passed must not win the race against Stop.
		{"due now", 0, func(tl *Timeline) { tl.Stop("stop condition: p99 over 2s") }, "the run was stopping: stop condition: p99 over 2s"},
		// Due later; the timeline learns of the stop while it sleeps.
		{"due later", time.Hour, func(tl *Timeline) { tl.Stop("interrupted") }, "the run was stopping: interrupted"},
		// RevertAll on a way out stops the timeline too.
		{"revert all", time.Hour, func(tl *Timeline) { tl.RevertAll() }, "faults were being reverted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl, err := NewTimeline([]scenario.Fault{{Name: "late", Kind: "noop", At: dur(tt.at), Duration: dur(time.Second)}}, Env{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tl.entries[0].fault = counting{&injects}
			tt.stop(tl)
			tl.Start(context.Background(), time.Now())
			tl.Wait()
			tl.RevertAll()
			ev := tl.Events()[0]
			if ev.State != "skipped" || ev.InjectS != nil || ev.RevertS != nil || !strings.Contains(ev.SkipReason, tt.want) {
				t.Errorf("state %s, inject %v, revert %v, reason %q; want skipped, never injected, reason %q", ev.State, ev.InjectS, ev.RevertS, ev.SkipReason, tt.want)
			}
		})
	}
	if n := injects.Load(); n != 0 {
		t.Errorf("%d faults injected after the run began stopping", n)
	}
}

// TestStopLeavesInjectedFaultsToTheirRevert: a fault already in force when
// the run stops is still reverted, and the first stop reason is the one kept.
func TestStopLeavesInjectedFaultsToTheirRevert(t *testing.T) {
	tl, err := NewTimeline([]scenario.Fault{
		{Name: "early", Kind: "noop", At: 0, Duration: dur(time.Hour)},
		{Name: "late", Kind: "noop", At: dur(time.Hour), Duration: dur(time.Second)},
	}, Env{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tl.Start(context.Background(), time.Now())
	for len(tl.Active()) == 0 {
		time.Sleep(time.Millisecond)
	}
	tl.Stop("first")
	tl.Stop("second")
	tl.RevertAll()
	tl.Wait()
	ev := tl.Events()
	if ev[0].State != "reverted" || ev[0].RevertedS == nil {
		t.Errorf("fault in force not reverted: %+v", ev[0])
	}
	if ev[1].State != "skipped" || ev[1].SkipReason != "the run was stopping: first" {
		t.Errorf("pending fault: %+v", ev[1])
	}
}
