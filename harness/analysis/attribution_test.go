package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/run"
)

// ev is a fault in force from start to end.
func ev(name, kind, target string, start, end float64, params map[string]any) faultEvent {
	return faultEvent{ID: name, Name: name, Kind: kind, Target: target, Params: params,
		PlannedStartS: start, PlannedEndS: end, ActiveS: &start, RevertedS: &end, State: "reverted"}
}

// failing is n seconds of buckets that fail with ratio fr in [from, to) and
// are healthy elsewhere, each with 100 payments offered.
func failingIn(n int, from, to int, fr float64) []Bucket {
	f := make([]float64, n)
	for i := from; i < to; i++ {
		f[i] = fr
	}
	s := series(f...)
	for i := range s {
		s[i].Offered = 100
	}
	return s
}

// slowIn makes the buckets in [from, to) slow (p99 800 ms, over the limit).
func slowIn(s []Bucket, from, to int) []Bucket {
	for i := from; i < to; i++ {
		s[i].Latency.P99 = 800
	}
	return s
}

var mild = map[string]any{"latency": "150ms"}

// want is what one fault's judgement must say.
type want struct {
	state      string
	tti, ttr   *float64 // nil: none
	sharedWith []string
	attributed []string
	note       string // in the note
}

func TestAttribution(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name   string
		s      []Bucket
		events []faultEvent
		want   []want
	}{
		// The report that started this: a mild client latency fault (no
		// failures) from 10 s, a database blackhole from 20 s inside its
		// window. The latency fault was charged "impact 10 s, did not
		// recover"; the blackhole's damage is the blackhole's.
		{"mild latency, then a blackhole inside it", failingIn(60, 20, 25, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 10, 40, mild), ev("db-blackhole", "timeout", "db", 20, 25, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}, note: "from 20 s is attributed to fault db-blackhole"},
				{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The latency fault does hurt, by latency, from its start: it keeps
		// its own impact, and the blackhole's failures are still new damage
		// (a slow service is not "already unhealthy" for a blackhole).
		{"latency impact, then a blackhole inside it", slowIn(failingIn(60, 20, 25, 1), 10, 40),
			[]faultEvent{ev("slow-client", "latency", "client", 10, 40, mild), ev("db-blackhole", "timeout", "db", 20, 25, nil)},
			[]want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}, {state: StateImpactRecovered, tti: f(0), ttr: f(15), note: "slow-client"}}},
		// The reverse: a database blackhole from 20 s whose failures show
		// from 23 s, after a client latency fault began at 22 s. The later
		// fault is not credited: latency on the client link cannot fail
		// payments while a fault that can is in force.
		{"latency after a blackhole with a delayed onset", failingIn(60, 23, 30, 1),
			[]faultEvent{ev("db-blackhole", "timeout", "db", 20, 30, nil), ev("slow-client", "latency", "client", 22, 40, mild)},
			[]want{{state: StateImpactRecovered, tti: f(3), ttr: f(0)},
				{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}}}},
		// Both injected within one bucket: time cannot separate them, the
		// kind of damage can.
		{"blackhole and latency in the same second", failingIn(60, 20, 30, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 20, 40, mild), ev("db-blackhole", "timeout", "db", 20.4, 30, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"db-blackhole"}}, {state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// Latency long enough to reach the client's 2 s timeout can fail
		// payments itself: with a blackhole in the same second, shared.
		{"timeout-long latency shares", failingIn(60, 20, 30, 1),
			[]faultEvent{ev("slow-client", "latency", "client", 20, 30, map[string]any{"latency": "3s"}), ev("db-blackhole", "timeout", "db", 20.4, 30, nil)},
			[]want{{state: StateShared, tti: f(0), ttr: f(0), sharedWith: []string{"db-blackhole"}},
				{state: StateShared, tti: f(0), ttr: f(0), sharedWith: []string{"slow-client"}}}},
		// A later fault whose damage begins after a healthy stretch of the
		// earlier one owns it, whatever their kinds.
		{"later fault after a healthy stretch", failingIn(60, 25, 30, 1),
			[]faultEvent{ev("pause", "pause", "service", 10, 40, nil), ev("kill", "kill", "service", 25, 30, nil)},
			[]want{{state: StateNoImpact, ttr: f(0), attributed: []string{"kill"}}, {state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The smoke run: a slow database keeps p99 high from 10 s to 30 s,
		// a pause comes and goes, then maintenance sheds payments at 25 s.
		// The shedding is maintenance's alone: the others had buckets
		// without failures in force before it began, slow as those were.
		{"failures after a slow stretch", slowIn(failingIn(60, 25, 27, 1), 10, 30),
			[]faultEvent{ev("slow-db", "latency", "db", 10, 20, mild), ev("freeze", "pause", "service", 20, 22, nil), ev("maint", "maintenance", "service", 25, 26, nil)},
			[]want{{state: StateImpactRecovered, tti: f(0), ttr: f(10), note: "the damage of fault maint came before this recovery"},
				{state: StateNoImpact, ttr: f(0), attributed: []string{"maint"}, note: "already slow"},
				{state: StateImpactRecovered, tti: f(0), ttr: f(4)}}},
		// Healthy again only once the load fell from 100 to 1 per second.
		{"recovery at lower load", func() []Bucket {
			s := failingIn(60, 10, 20, 1)
			for i := 20; i < 60; i++ {
				s[i].Offered, s[i].Payments = 1, 1
			}
			return s
		}(), []faultEvent{ev("blackhole", "timeout", "db", 10, 20, nil)},
			[]want{{state: StateLowerLoad, tti: f(0), note: "only at 1/s offered against 100/s before the fault"}}},
		// The same recovery with the load kept up is a recovery.
		{"recovery at the same load", failingIn(60, 10, 20, 1), []faultEvent{ev("blackhole", "timeout", "db", 10, 20, nil)},
			[]want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// The service was failing before the fault: not "impact 0 s".
		{"already failing", failingIn(60, 0, 45, 1), []faultEvent{ev("kill", "kill", "service", 30, 35, nil)},
			[]want{{state: StateAlreadyUnhealthy, ttr: f(10), note: "already failing"}}},
		// One failing second before the fault is not "already unhealthy".
		{"one bad second before", func() []Bucket { s := failingIn(60, 30, 35, 1); s[29].FailureRatio = 1; return s }(),
			[]faultEvent{ev("kill", "kill", "service", 30, 35, nil)}, []want{{state: StateImpactRecovered, tti: f(0), ttr: f(0)}}},
		// A fault the timeline never injected.
		{"skipped", failingIn(60, 0, 0, 0), []faultEvent{func() faultEvent {
			e := faultEvent{Name: "late", Kind: "kill", PlannedStartS: 50, PlannedEndS: 55, State: "skipped", SkipReason: "the run was stopping: interrupted"}
			return e
		}()}, []want{{state: StateSkipped, note: "the run was stopping: interrupted"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeFaults(tt.events, tt.s, 1, float64(len(tt.s)), 3, 2, sloHealth)
			for i, w := range tt.want {
				r := got[i]
				eq := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
				if r.State != w.state || !eq(r.TimeToImpactS, w.tti) || !eq(r.TimeToRecoverS, w.ttr) ||
					!slices.Equal(r.SharedWith, w.sharedWith) || !slices.Equal(r.AttributedTo, w.attributed) || !strings.Contains(r.Note, w.note) {
					t.Errorf("%s: state %s impact %v recover %v shared %v attributed %v note %q\nwant %s impact %v recover %v shared %v attributed %v note with %q",
						tt.events[i].Name, r.State, ptr(r.TimeToImpactS), ptr(r.TimeToRecoverS), r.SharedWith, r.AttributedTo, r.Note,
						w.state, ptr(w.tti), ptr(w.ttr), w.sharedWith, w.attributed, w.note)
				}
				if r.Recovered != (w.state == StateImpactRecovered || w.state == StateNoImpact || w.ttr != nil) {
					t.Errorf("%s: recovered %v with state %s", tt.events[i].Name, r.Recovered, r.State)
				}
			}
		})
	}
}

// TestOverlappingFaultsFromAttempts replays the overlapping faults from
// saved attempts: a 150 ms client latency from 10 s to 40 s that fails
// nothing, and a database blackhole from 20 s to 25 s inside it, where
// every payment times out. Only the blackhole has an impact.
func TestOverlappingFaultsFromAttempts(t *testing.T) {
	yaml := strings.Replace(synthScenario, "duration: 20s", "duration: 60s", 1)
	dir := synth(t, yaml, func(at time.Duration) (record.Outcome, time.Duration) {
		switch {
		case at >= 20*time.Second && at < 25*time.Second:
			return record.Timeout, 2 * time.Second
		case at >= 10*time.Second && at < 40*time.Second:
			return record.Approved, 160 * time.Millisecond
		}
		return ok(at)
	})
	tl := []faultEvent{ev("slow-client", "latency", "client", 10, 40, mild), ev("db-blackhole", "timeout", "db", 20, 25, nil)}
	b, _ := json.Marshal(tl)
	if err := os.WriteFile(filepath.Join(dir, run.TimelineFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s := analyze(t, dir)
	lat, bh := s.Faults[0], s.Faults[1]
	if lat.State != StateNoImpact || lat.Impact || lat.TimeToImpactS != nil || !slices.Equal(lat.AttributedTo, []string{"db-blackhole"}) {
		t.Errorf("latency fault: state %s impact %v at %v attributed %v; want no_impact, its damage attributed to db-blackhole",
			lat.State, lat.Impact, ptr(lat.TimeToImpactS), lat.AttributedTo)
	}
	if bh.State != StateImpactRecovered || bh.TimeToImpactS == nil || *bh.TimeToImpactS > 1 || bh.TimeToRecoverS == nil || *bh.TimeToRecoverS > 1 {
		t.Errorf("blackhole: state %s impact %v recover %v; want impact and recovery within a bucket", bh.State, ptr(bh.TimeToImpactS), ptr(bh.TimeToRecoverS))
	}
	if bh.TimelineState != "reverted" {
		t.Errorf("timeline state %q", bh.TimelineState)
	}
}

// TestCanFail: which faults can make payments fail rather than slow or
// decline them, by their registered kind names.
func TestCanFail(t *testing.T) {
	for _, tt := range []struct {
		e    faultEvent
		want bool
	}{
		// Stricter risk rules decline; they fail nothing.
		{faultEvent{Kind: "risk_strictness"}, false},
		// Frozen or lowered credit lines decline too.
		{faultEvent{Kind: "credit_limit"}, false},
		// A little latency on the client link only slows answers.
		{faultEvent{Kind: "latency", Target: "client", Params: map[string]any{"latency": "50ms"}}, false},
		// Latency past the client's timeout fails them.
		{faultEvent{Kind: "latency", Target: "client", Params: map[string]any{"latency": "3s"}}, true},
		// Latency behind the service can make it fail.
		{faultEvent{Kind: "latency", Target: "db", Params: map[string]any{"latency": "50ms"}}, true},
		// A blackhole fails.
		{faultEvent{Kind: "timeout", Target: "client"}, true},
	} {
		if got := canFail(tt.e, 2); got != tt.want {
			t.Errorf("%s on %s: canFail %v, want %v", tt.e.Kind, tt.e.Target, got, tt.want)
		}
	}
}
