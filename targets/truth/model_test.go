package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/authquake/authquake/targets/truth/server"
)

// TestTruthModel checks the analysis against the truth service's rules
// exactly, with no network and no timer: every payment of every matrix
// cell is answered by the oracle, sent on time, switches flipped at their
// planned instants; the recorded run is then analysed like any other.
// TestTruthMatrix does the same through HTTP with real timers.
func TestTruthModel(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			tm := c.timing()
			first, second := [2]float64{tm.aF, tm.aF + tm.dF}, [2]float64{tm.aG, tm.aG + tm.dG}
			ws := []server.Window{{Mode: c.mode, On: first[0], Off: first[1], Extra: tm.extra, Share: partialShare}}
			tl := []rundir.Event{event("first", first)}
			if c.mode == server.Slow {
				tl[0].Params = map[string]any{"effect": "delays"}
			}
			if tm.dG > 0 {
				ws = append(ws, server.Window{Mode: server.Fail, On: second[0], Off: second[1]})
				tl = append(tl, event("second", second))
			}
			dir := recorded(t, c.scenarioYAML("http://127.0.0.1:9", "http://127.0.0.1:9"), ws, tm, tl)
			check(t, c, analyze(t, dir), c.expect(first, second))
		})
	}
}

func event(name string, in [2]float64) rundir.Event {
	return rundir.Event{ID: name, Name: name, Kind: "http", Family: "service", PlannedStartS: in[0], PlannedEndS: in[1],
		InjectS: &in[0], ActiveS: &in[0], RevertS: &in[1], RevertedS: &in[1], State: "reverted"}
}

// recorded writes a run directory for the scenario whose every payment is
// answered by the oracle.
func recorded(t *testing.T, yaml string, ws []server.Window, tm timing, tl []rundir.Event) string {
	t.Helper()
	dir := t.TempDir()
	s, _, err := scenario.Parse("truth.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	plan := traffic.NewPlan(s.Traffic.Phases)
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]uint64, len(ws))
	nth := func(i int) uint64 { seen[i]++; return seen[i] - 1 }
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		ans := server.Oracle(tm.b, at.Seconds(), tm.timeout, ws, nth)
		a := record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: time.Duration(ans.Latency * float64(time.Second)),
			Outcome: record.Approved, Status: 201, Final: true}
		switch {
		case ans.TimedOut:
			a.Outcome, a.Status, a.Error = record.Timeout, 0, "timeout"
		case ans.Fail:
			a.Outcome, a.Status, a.Code, a.Reason = record.Shed, 503, "96", "switched to fail"
		}
		w.Record(&a)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	meta := rundir.Meta{Version: 1, Scenario: s.Name, Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total(), Generator: rundir.GeneratorInfo{CPUs: 2}}
	for name, v := range map[string]any{rundir.MetaFile: meta, rundir.TimelineFile: tl} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
