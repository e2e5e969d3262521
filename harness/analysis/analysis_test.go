package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// answer decides what happened to the payment scheduled at t.
type answer func(t time.Duration) (record.Outcome, time.Duration)

const synthScenario = `name: synth
traffic: {phases: [{name: steady, duration: 20s, shape: constant, rate: 100/s}]}
slo: {failure_ratio: 0.01, p99: 500ms, time_to_recover: 5s}
faults: [{name: f, at: 5s, duration: 5s, kind: noop}]
`

// synth writes a run directory whose payments are answered by ans, with
// one fault in force from 5 s to 10 s.
func synth(t *testing.T, yaml string, ans answer) string {
	t.Helper()
	dir, _, plan, w := newRunDir(t, yaml)
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		o, lat := ans(at)
		a := record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at + 100*time.Microsecond, Latency: lat, Outcome: o, Final: true}
		switch o {
		case record.Approved:
			a.Status = 201
		case record.Declined:
			a.Status, a.Code, a.Reason = 402, "51", "insufficient_credit"
		case record.Shed:
			a.Status, a.Code, a.Reason = 503, "91", "maintenance"
		case record.Timeout:
			a.Error = "timeout"
		}
		w.Record(&a)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	five, ten := 5.0, 10.0
	tl := []rundir.Event{{ID: "f0", Name: "f", Kind: "noop", Family: "harness", PlannedStartS: 5, PlannedEndS: 10,
		InjectS: &five, ActiveS: &five, RevertS: &ten, RevertedS: &ten, State: "reverted"}}
	meta := rundir.Meta{Version: 1, Scenario: "synth", Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total(), Generator: rundir.GeneratorInfo{CPUs: 2}}
	for name, v := range map[string]any{rundir.MetaFile: meta, rundir.TimelineFile: tl} {
		b, _ := json.Marshal(v)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	return dir
}

// newRunDir starts a run directory with the scenario yaml: its copy, its
// plan and an attempts file to write.
func newRunDir(t *testing.T, yaml string) (string, *scenario.Scenario, *traffic.Plan, *record.Writer) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _, err := scenario.Parse("synth.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, traffic.NewPlan(s.Traffic.Phases), w
}

func analyze(t *testing.T, dir string) *Summary {
	t.Helper()
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := Analyze(r, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ok(time.Duration) (record.Outcome, time.Duration) { return record.Approved, 5 * time.Millisecond }

func TestEveryRequestTimesOutDuringTheFault(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, func(at time.Duration) (record.Outcome, time.Duration) {
		if at >= 5*time.Second && at < 10*time.Second {
			return record.Timeout, 2 * time.Second
		}
		return ok(at)
	}))
	f := s.Faults[0]
	// The truth: impact at 0 s, recovery at 0 s after the end.
	if !f.Impact || f.TimeToImpactS == nil || *f.TimeToImpactS > 1 {
		t.Errorf("time to impact %v, want within one bucket of 0", ptr(f.TimeToImpactS))
	}
	if !f.Recovered || f.TimeToRecoverS == nil || *f.TimeToRecoverS > 1 {
		t.Errorf("time to recover %v, want within one bucket of 0", ptr(f.TimeToRecoverS))
	}
	if f.During.FailureRatio != 1 || f.Before.FailureRatio != 0 || f.After.FailureRatio != 0 {
		t.Errorf("failure ratio before/during/after %v %v %v", f.Before.FailureRatio, f.During.FailureRatio, f.After.FailureRatio)
	}
	if s.ErrorClarity.NoAnswer != 500 || s.ErrorClarity.SpecificShare != 0 {
		t.Errorf("clarity %+v", s.ErrorClarity)
	}
	if s.Verdict != VerdictSLOBreached || s.ExitCode != 1 {
		t.Errorf("verdict %s exit %d", s.Verdict, s.ExitCode)
	}
}

func TestAFaultThatNeverHurts(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, ok))
	f := s.Faults[0]
	if f.Impact || f.TimeToImpactS != nil || !f.Recovered {
		t.Errorf("want no impact: %+v", f.Recovery)
	}
	if s.Verdict != VerdictPass || s.ExitCode != 0 {
		t.Errorf("verdict %s, SLO %+v", s.Verdict, s.SLO)
	}
}

func TestAServiceThatNeverRecovers(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, func(at time.Duration) (record.Outcome, time.Duration) {
		if at >= 5*time.Second {
			return record.Shed, time.Millisecond
		}
		return ok(at)
	}))
	f := s.Faults[0]
	if f.Recovered || f.TimeToRecoverS != nil {
		t.Errorf("want did not recover: %+v", f.Recovery)
	}
	var ttr SLOResult
	for _, r := range s.SLO {
		if r.Name == "time_to_recover_s" {
			ttr = r
		}
	}
	if ttr.Pass || ttr.Note == "" {
		t.Errorf("time_to_recover SLO %+v", ttr)
	}
	if s.ErrorClarity.Specific != 1500 || s.ErrorClarity.SpecificShare != 1 {
		t.Errorf("maintenance answers are specific: %+v", s.ErrorClarity)
	}
}

func TestDeclinesAreNotFailures(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, func(time.Duration) (record.Outcome, time.Duration) {
		return record.Declined, 3 * time.Millisecond
	}))
	if s.FailureRatio != 0 || s.Requests.Declined != 2000 || s.Faults[0].Impact || s.Verdict != VerdictPass {
		t.Errorf("all declined: failure ratio %v, declined %d, impact %v, verdict %s", s.FailureRatio, s.Requests.Declined, s.Faults[0].Impact, s.Verdict)
	}
	if s.Declines["51 insufficient_credit"] != 2000 {
		t.Errorf("declines by reason %v", s.Declines)
	}
}

func TestAchievedRatePerPhaseAndGenerator(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, ok))
	if p := s.Phases[0]; p.Sent != 2000 || p.AchievedRatio != 1 {
		t.Errorf("phase %+v", p)
	}
	if !s.Generator.Trustworthy {
		t.Errorf("generator %+v", s.Generator)
	}
}

// TestHypervisorStealIsWarned: the generator's samples carry the machine's
// steal each second; its mean and worst second are in the summary, and from
// StealWarn on average the run is warned (the verdict is unchanged).
func TestHypervisorStealIsWarned(t *testing.T) {
	for _, c := range []struct {
		steal      []float64
		mean, most float64
		warned     bool
	}{
		{[]float64{0, 1, 0.5, 0.5}, 0.5, 1, false},
		{[]float64{2, 30, 4, 4}, 10, 30, true},
	} {
		dir := synth(t, synthScenario, ok)
		f, _ := os.Create(filepath.Join(dir, rundir.SamplesFile))
		for i, st := range c.steal {
			json.NewEncoder(f).Encode(rundir.Sample{TS: float64(i + 1), Kind: "generator", CPUPct: 5, HostCPU: 40, HostSteal: st})
		}
		f.Close()
		s := analyze(t, dir)
		g := s.Generator
		warned := strings.Contains(strings.Join(s.Validity.Warnings, "\n"), "the hypervisor gave 10% of this machine's CPU time to other machines during the run (up to 30% in a second)")
		if g.HostStealMeanPct != c.mean || g.HostStealMaxPct != c.most || warned != c.warned || !g.Trustworthy {
			t.Errorf("steal %v: mean %v, max %v, warned %v, generator trustworthy %v; want %v, %v, %v, true (%q)",
				c.steal, g.HostStealMeanPct, g.HostStealMaxPct, warned, g.Trustworthy, c.mean, c.most, c.warned, s.Validity.Warnings)
		}
	}
}
