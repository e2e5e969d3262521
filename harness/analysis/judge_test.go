package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// perSecond is a run told second by second: each second's 100 payments
// fail in the share fail[i] (-1: none was sent), and those scheduled in a
// slow second take 800 ms; the others 5 ms.
type perSecond struct {
	fail []float64
	slow []bool
}

func seconds(fail ...float64) perSecond { return perSecond{fail: fail, slow: make([]bool, len(fail))} }

func (p perSecond) failingIn(from, to int, share float64) perSecond {
	for i := from; i < to; i++ {
		p.fail[i] = share
	}
	return p
}

func (p perSecond) slowIn(from, to int) perSecond {
	for i := from; i < to; i++ {
		p.slow[i] = true
	}
	return p
}

func healthyFor(n int) perSecond { return seconds(make([]float64, n)...) }

// timeline writes the run's faults as the timeline would have.
func timeline(t *testing.T, dir string, tl []faultEvent) {
	t.Helper()
	b, _ := json.Marshal(tl)
	if err := os.WriteFile(filepath.Join(dir, rundir.TimelineFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// judgeRun writes the run told by p with the faults tl and analyses it with
// the SLO's limits (failure ratio 1%, p99 500 ms, recovered after 3 s).
func judgeRun(t *testing.T, p perSecond, tl []faultEvent) *Summary {
	t.Helper()
	yaml := strings.Replace(synthScenario, "duration: 20s", fmt.Sprintf("duration: %ds", len(p.fail)), 1)
	dir, _, plan, w := newRunDir(t, yaml)
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		i := int(at / time.Second)
		if p.fail[i] < 0 {
			continue
		}
		a := record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: 5 * time.Millisecond, Outcome: record.Approved, Status: 201, Final: true}
		if p.slow[i] {
			a.Latency = 800 * time.Millisecond
		}
		if float64(n%100) < p.fail[i]*100 {
			a.Outcome, a.Status, a.Code, a.Reason = record.Shed, 503, "91", "maintenance"
		}
		w.Record(&a)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	meta := rundir.Meta{Version: 1, Scenario: "synth", Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total(), Generator: rundir.GeneratorInfo{CPUs: 2}}
	b, _ := json.Marshal(meta)
	os.WriteFile(filepath.Join(dir, rundir.MetaFile), b, 0o644)
	timeline(t, dir, tl)
	return analyze(t, dir)
}

// want is what one fault's judgement must say.
type want struct {
	state      string
	tti, ttr   *float64 // nil: none
	sharedWith []string
	attributed []string
	hidden     []string
	note       string // in the note
}

func f(x float64) *float64 { return &x }

func checkFaults(t *testing.T, s *Summary, wants []want) {
	t.Helper()
	// Times to the answer's 5 ms: the first damage is known when its answer comes.
	eq := func(a, b *float64) bool {
		return a == nil && b == nil || a != nil && b != nil && math.Abs(*a-*b) <= 0.005
	}
	for i, w := range wants {
		r := s.Faults[i]
		if r.State != w.state || !eq(r.TimeToImpactS, w.tti) || !eq(r.TimeToRecoverS, w.ttr) || !slices.Equal(r.SharedWith, w.sharedWith) ||
			!slices.Equal(r.AttributedTo, w.attributed) || !slices.Equal(r.HiddenBy, w.hidden) || !strings.Contains(r.Note, w.note) {
			t.Errorf("%s: state %s impact %v recover %v shared %v attributed %v hidden %v note %q\n  want %s impact %v recover %v shared %v attributed %v hidden %v note with %q",
				r.Name, r.State, ptr(r.TimeToImpactS), ptr(r.TimeToRecoverS), r.SharedWith, r.AttributedTo, r.HiddenBy, r.Note,
				w.state, ptr(w.tti), ptr(w.ttr), w.sharedWith, w.attributed, w.hidden, w.note)
		}
		if r.Recovered != (w.ttr != nil) {
			t.Errorf("%s: recovered %v with state %s", r.Name, r.Recovered, r.State)
		}
		if r.Impact != (w.tti != nil) {
			t.Errorf("%s: impact flag %v", r.Name, r.Impact)
		}
	}
}

// TestRecovery: one fault alone, its impact and recovery to the second.
func TestRecovery(t *testing.T) {
	blackhole := func(start, end float64) []faultEvent { return []faultEvent{ev("f", "timeout", "db", start, end, nil)} }
	for _, tt := range []struct {
		name string
		p    perSecond
		tl   []faultEvent
		want want
	}{
		// Every payment fails while the fault is in force (5 s to 10 s),
		// healthy again from 10 s: impact at the start, recovery at the end.
		{"blackhole", healthyFor(15).failingIn(5, 10, 1), blackhole(5.2, 10.1), want{state: StateImpactRecovered, tti: f(0), ttr: f(0)}},
		// The service needs 2 s after the end to heal.
		{"slow recovery", healthyFor(16).failingIn(5, 12, 1), blackhole(5, 10), want{state: StateImpactRecovered, tti: f(0), ttr: f(2)}},
		// It takes 2 s to hurt.
		{"late impact", healthyFor(14).failingIn(7, 10, 1), blackhole(5, 10), want{state: StateImpactRecovered, tti: f(2), ttr: f(0)}},
		// A fault that never hurts: no impact.
		{"no impact", healthyFor(11), blackhole(3, 6), want{state: StateNoImpact, ttr: f(0)}},
		// A service that never comes back: did not recover.
		{"never recovers", healthyFor(11).failingIn(3, 11, 1), blackhole(3, 5), want{state: StateDidNotRecover, tti: f(0)}},
		// One healthy second is not a recovery (recovered_after 3 s).
		{"flapping", healthyFor(11).failingIn(2, 4, 1).failingIn(5, 7, 1), blackhole(2, 4), want{state: StateImpactRecovered, tti: f(0), ttr: f(3)}},
		// Empty seconds judge nothing: the healthy stretch skips them.
		{"gap", seconds(0, 1, 1, -1, 0, -1, 0, 0, 0), blackhole(1, 3), want{state: StateImpactRecovered, tti: f(0), ttr: f(1)}},
		// The run ends before 3 healthy seconds.
		{"run ends", healthyFor(6).failingIn(1, 4, 1), blackhole(1, 3), want{state: StateDidNotRecover, tti: f(0), note: "the run ended"}},
	} {
		t.Run(tt.name, func(t *testing.T) { checkFaults(t, judgeRun(t, tt.p, tt.tl), []want{tt.want}) })
	}
}

func TestRecoveryWorstAndUnhealthyTime(t *testing.T) {
	p := healthyFor(8).failingIn(2, 3, 0.5).failingIn(3, 4, 1).failingIn(4, 5, 0.2).slowIn(3, 4)
	r := judgeRun(t, p, []faultEvent{ev("f", "timeout", "db", 2, 5, nil)}).Faults[0]
	if r.UnhealthyS != 3 || r.Worst == nil || r.Worst.T != 3 || r.Worst.FailureRatio != 1 {
		t.Errorf("unhealthy %v worst %+v", r.UnhealthyS, r.Worst)
	}
}

func TestBaselineHealth(t *testing.T) {
	s := []Bucket{{T: 0, Payments: 100}, {T: 1, Payments: 100, FailureRatio: 0.01}, {T: 2, Payments: 100},
		{T: 3, Payments: 100, FailureRatio: 0.5}, {T: 4, Payments: 100, FailureRatio: 0.5}}
	for i := range s {
		s[i].Latency.P99 = 10
	}
	h := baseline(s, 3, 1, nil, nil)
	if h.Rule != "baseline" || h.MaxFailureRatio != 0.02 || h.MaxP99MS != 30 {
		t.Errorf("%+v", h)
	}
	slo := 0.05
	if h := baseline(s, 3, 1, &slo, nil); h.MaxFailureRatio != 0.05 || h.Rule != "slo+baseline" {
		t.Errorf("%+v", h)
	}
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

var mild = map[string]any{"latency": "150ms"}

// TestAttribution: with several faults, damage goes to the fault that
// explains it, a recovery the next fault cuts short is hidden, never a
// number, and a fault that began on a failing service is not "impact 0 s".
func TestAttribution(t *testing.T) {
	tests := []struct {
		name   string
		p      perSecond
		events []faultEvent
		want   []want
	}{
		// The report that started attribution: a mild client latency fault
		// (no failures) from 10 s, a database blackhole from 20 s inside its
		// window. The blackhole's damage is the blackhole's, and the mild
		// fault, harmless, hides nothing.
		{"mild latency, then a blackhole inside it", healthyFor(60).failingIn(20, 25, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 10, 40, mild), ev("db-blackhole", "timeout", "db", 20, 25, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}, note: "from 20 s is attributed to fault db-blackhole"},
				{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The latency fault hurts, by latency, from its start; the
		// blackhole's failures are new damage all the same. The blackhole
		// is reverted while the latency fault still hurts: its recovery is
		// hidden, and the latency fault's is seen once it ends.
		{"latency impact, then a blackhole inside it", healthyFor(60).failingIn(20, 25, 1).slowIn(10, 40),
			[]faultEvent{ev("slow-client", "latency", "client", 10, 40, mild), ev("db-blackhole", "timeout", "db", 20, 25, nil)},
			// (slow payments are known late once they pass the 500 ms limit)
			[]want{{state: StateImpactRecovered, tti: f(0.5), ttr: f(0)},
				{state: StateRecoveryHidden, tti: f(0.01), hidden: []string{"slow-client"}, note: "still in force"}}},
		// A database blackhole from 20 s whose failures show from 23 s,
		// after a client latency fault began at 22 s: latency on the client
		// link cannot fail payments while a fault that can is an owner.
		{"latency after a blackhole with a delayed onset", healthyFor(60).failingIn(23, 30, 1),
			[]faultEvent{ev("db-blackhole", "timeout", "db", 20, 30, nil), ev("slow-client", "latency", "client", 22, 40, mild)},
			[]want{{state: StateImpactRecovered, tti: f(3), ttr: f(0)},
				{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}}}},
		// Both injected within one second: time cannot separate them, the
		// kind of damage can.
		{"blackhole and latency in the same second", healthyFor(60).failingIn(20, 30, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 20, 40, mild), ev("db-blackhole", "timeout", "db", 20.4, 30, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}}, {state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// Latency long enough to reach the client's 2 s timeout can fail
		// payments itself: with a blackhole in the same second, shared.
		{"timeout-long latency shares", healthyFor(60).failingIn(20, 30, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 20, 30, map[string]any{"latency": "3s"}), ev("db-blackhole", "timeout", "db", 20.4, 30, nil)},
			[]want{{state: StateShared, tti: f(0), ttr: f(0), sharedWith: []string{"db-blackhole"}},
				{state: StateShared, tti: f(0), ttr: f(0), sharedWith: []string{"slow-client"}}}},
		// A later fault whose damage begins after a healthy stretch of the
		// earlier one owns it, whatever their kinds.
		{"later fault after a healthy stretch", healthyFor(60).failingIn(25, 30, 1),
			[]faultEvent{ev("pause", "pause", "service", 10, 40, nil), ev("kill", "kill", "service", 25, 30, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"kill"}}, {state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// A second fault 2 s after the first was reverted, before 3 s of
		// healthy payments could be seen: the first's recovery is hidden by
		// it, never "recovered" at the end of the second.
		{"recovery hidden by the next fault", healthyFor(40).failingIn(10, 18, 1).failingIn(20, 26, 1),
			[]faultEvent{ev("db-slow", "latency", "db", 10, 18, mild), ev("db-down", "timeout", "db", 20, 26, nil)},
			[]want{{state: StateRecoveryHidden, tti: f(0), hidden: []string{"db-down"}, note: "began 2 s after the revert"},
				{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The next fault began 15 s after the revert, past the first's
		// horizon: it did not cut a recovery short, the service was watched
		// that long and was not healthy: did not recover, not hidden.
		{"still failing when the next fault began", healthyFor(50).failingIn(10, 40, 1),
			[]faultEvent{ev("crash", "kill", "service", 10, 12, nil), ev("db-cut", "timeout", "db", 27, 30, nil)},
			[]want{{state: StateDidNotRecover, tti: f(0), note: "not healthy again in the 15 s between its revert and fault db-cut"},
				{state: StateAlreadyUnhealthy, ttr: f(10)}}},
		// Damage 6 s after the revert, after 6 healthy seconds, that no
		// payment caught in flight: not the fault's after-effect (it had
		// recovered), so no impact.
		{"damage after the recovery", healthyFor(40).failingIn(26, 28, 1),
			[]faultEvent{ev("strict", "risk_strictness", "service", 10, 20, nil)},
			[]want{{state: StateNoImpact, ttr: f(0)}}},
		// The same damage right after the revert is its after-effect.
		{"damage right after the revert", healthyFor(40).failingIn(20, 22, 1),
			[]faultEvent{ev("restart", "restart", "service", 10, 20, nil)},
			[]want{{state: StateImpactRecovered, tti: f(10.005), ttr: f(2)}}},
		// Two faults reverted together: neither hides the other's recovery.
		{"reverted together", healthyFor(40).failingIn(10, 20, 1),
			[]faultEvent{ev("a", "timeout", "db", 10, 20, nil), ev("b", "kill", "service", 12, 20.1, nil)},
			[]want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}, {state: StateAlreadyUnhealthy, ttr: f(0)}}},
		// Healthy again only once the load fell from 100 to 1 per second.
		{"recovery at lower load", func() perSecond {
			p := healthyFor(60).failingIn(10, 20, 1)
			for i := 21; i < 60; i++ {
				p.fail[i] = -1
			}
			return p
		}(), []faultEvent{ev("blackhole", "timeout", "db", 10, 20, nil)},
			[]want{{state: StateDidNotRecover, tti: f(0)}}},
		// The same recovery with the load kept up is a recovery.
		{"recovery at the same load", healthyFor(60).failingIn(10, 20, 1), []faultEvent{ev("blackhole", "timeout", "db", 10, 20, nil)},
			[]want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The service was failing before the fault: not "impact 0 s".
		{"already failing", healthyFor(60).failingIn(0, 45, 1), []faultEvent{ev("kill", "kill", "service", 30, 35, nil)},
			[]want{{state: StateAlreadyUnhealthy, ttr: f(10), note: "already failing"}}},
		// One failing second before the fault is not "already unhealthy".
		{"one bad second before", healthyFor(60).failingIn(30, 35, 1).failingIn(29, 30, 1),
			[]faultEvent{ev("kill", "kill", "service", 30, 35, nil)}, []want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// A fault the timeline never injected.
		{"skipped", healthyFor(60), []faultEvent{{Name: "late", Kind: "kill", PlannedStartS: 50, PlannedEndS: 55, State: "skipped",
			SkipReason: "the run was stopping: interrupted"}}, []want{{state: StateSkipped, note: "the run was stopping: interrupted"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkFaults(t, judgeRun(t, tt.p, tt.events), tt.want) })
	}
}

// TestHealthOfAFaultFreeRun: with nothing to judge, the health rule is the
// whole run's (5 ms answers: p99 at most 25 ms), read once.
func TestHealthOfAFaultFreeRun(t *testing.T) {
	yaml := "name: synth\ntraffic: {phases: [{name: steady, duration: 5s, shape: constant, rate: 100/s}]}\n"
	dir, _, plan, w := newRunDir(t, yaml)
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		w.Record(&record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: 5 * time.Millisecond, Outcome: record.Approved, Status: 201, Final: true})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	meta := rundir.Meta{Version: 1, Scenario: "synth", Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total(), Generator: rundir.GeneratorInfo{CPUs: 2}}
	b, _ := json.Marshal(meta)
	os.WriteFile(filepath.Join(dir, rundir.MetaFile), b, 0o644)
	if h := analyze(t, dir).Health; h.Rule != "baseline" || math.Abs(h.MaxP99MS-25) > 0.01 || h.MaxFailureRatio != 0.02 {
		t.Errorf("health %+v, want the whole run's baseline", h)
	}
}
