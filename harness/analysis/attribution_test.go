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
	"github.com/authquake/authquake/harness/rundir"
)

// ev is a fault in force from start to end.
func ev(name, kind, target string, start, end float64, params map[string]any) faultEvent {
	return faultEvent{ID: name, Name: name, Kind: kind, Target: target, Params: params,
		PlannedStartS: start, PlannedEndS: end, ActiveS: &start, RevertedS: &end, State: "reverted"}
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
	if err := os.WriteFile(filepath.Join(dir, rundir.TimelineFile), b, 0o644); err != nil {
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
