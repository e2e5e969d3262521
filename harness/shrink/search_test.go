package shrink

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
)

const testScenario = `name: test/shrink
seed: 9
target: {kind: authsim, authsim: {bugs: [limit-race]}}
accounts: {count: 2000}
traffic:
  phases:
    - {name: steady, duration: 16s, shape: constant, rate: 150/s}
faults:
  - {name: noise, at: 1s, duration: 2s, kind: latency, target: client, params: {latency: 5ms}}
  - {name: needed, at: 4s, duration: 8s, kind: latency, target: db, params: {latency: 15ms}}
  - {name: other, at: 6s, duration: 1s, kind: pause, target: service}
`

// fake is a Runner whose service breaks I6 with a probability that depends
// on the scenario it is given (odds), with deterministic noise: trial k of
// a scenario file breaks it when floor((k+1)p) > floor(kp), so that a
// scenario at 60% breaks it in exactly 3 of any 5 runs, and at 100% in all.
type fake struct {
	t      *testing.T
	odds   func(s *scenario.Scenario) float64
	trials map[string]int
	clock  time.Time
	// perRun is how far each run moves the clock on.
	perRun time.Duration
	// fail makes the next runs harness errors; after that many runs first.
	fail, after int
}

func (f *fake) Run(_ context.Context, tr replay.Trial) (replay.Result, error) {
	f.clock = f.clock.Add(f.perRun)
	if f.after > 0 {
		f.after--
	} else if f.fail > 0 {
		f.fail--
		return replay.Result{}, errors.New("container failed to start")
	}
	s, err := run.Load(tr.File) // the candidate is a valid scenario
	if err != nil {
		f.t.Fatalf("runner given an invalid scenario: %v", err)
	}
	if tr.DurationScale != 1 {
		f.t.Errorf("trial at duration scale %g, want 1", tr.DurationScale)
	}
	p := f.odds(s)
	k := float64(f.trials[tr.File])
	f.trials[tr.File]++
	res := replay.Result{Dir: filepath.Join(tr.Out, "run"), Payments: 1}
	if math.Floor((k+1)*p) > math.Floor(k*p) {
		res.Broken = []audit.Violation{{Invariant: "I6", Count: 1, Examples: []audit.Example{{Key: "aq-1-9-7", Account: "acct-000734"}}}}
	}
	return res, nil
}

func newFake(t *testing.T, odds func(s *scenario.Scenario) float64) *fake {
	return &fake{t: t, odds: odds, trials: map[string]int{}, clock: time.Unix(0, 0), perRun: time.Second}
}

func fault(s *scenario.Scenario, name string) *scenario.Fault {
	for i := range s.Faults {
		if s.Faults[i].Name == name {
			return &s.Faults[i]
		}
	}
	return nil
}

// known: I6 breaks when faults needed (at least 2s long) and other are
// both there, the load goes on at least 1s after needed starts, with at
// least 300 accounts; always at 40/s or more, in 60% of runs from 20/s.
func known(s *scenario.Scenario) float64 {
	needed, other := fault(s, "needed"), fault(s, "other")
	ph := s.Traffic.Phases[0]
	switch {
	case needed == nil || other == nil || needed.Duration.D() < 2*time.Second,
		s.Traffic.Duration() < needed.At.D()+time.Second, s.Accounts.Count < 300, ph.Rate < 20:
		return 0
	case ph.Rate < 40:
		return 0.6
	}
	return 1
}

func testBase(t *testing.T) *Base {
	d, err := replay.ParseDoc([]byte(testScenario))
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromDoc(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func shrink(t *testing.T, f *fake, budget time.Duration) (*Report, error, string) {
	out := t.TempDir()
	var table strings.Builder
	rep, err := Shrink(context.Background(), f, testBase(t), Options{Run: t.TempDir(), Out: out, Invariant: "I6", Budget: budget,
		Trials: 5, MinRepro: 4, Progress: &table, Clock: func() time.Time { return f.clock },
		OnBest: func(r *Report) error { return r.Write(out) }})
	t.Log("\n" + table.String())
	return rep, err, out
}

// The search finds the known minimum: the two faults that matter, the
// shortest fault and load that still break I6, a rate where it always
// breaks (never the 60% one), and the fewest accounts that break it.
func TestShrinkFindsKnownMinimum(t *testing.T) {
	f := newFake(t, known)
	rep, err, out := shrink(t, f, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != StatusDone {
		t.Errorf("status %s, want %s", rep.Status, StatusDone)
	}
	s, err := run.Load(filepath.Join(out, ShrunkFile)) // authquake validate passes
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range s.Faults {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"needed", "other"}) {
		t.Errorf("faults %v, want [needed other]", names)
	}
	needed, other := fault(s, "needed"), fault(s, "other")
	if d := needed.Duration.D(); d < 2*time.Second || d > 2500*time.Millisecond {
		t.Errorf("needed lasts %s, want 2s to 2.5s", d)
	}
	if needed.At != 0 || other.Duration.D() != minFault {
		t.Errorf("needed at %s, other for %s; want 0s and %s", needed.At.D(), other.Duration.D(), minFault)
	}
	// The load ends right after other starts (a fault must start within it).
	if l, want := s.Traffic.Duration(), other.At.D()+minFault; l != want {
		t.Errorf("load lasts %s, want %s", l, want)
	}
	if r := s.Traffic.Phases[0].Rate; r < 40 || r > 50 {
		t.Errorf("rate %g/s, want 40/s to 50/s: the last rate where it always breaks", r)
	}
	if s.Accounts.Count != 300 {
		t.Errorf("%d accounts, want 300: the fewest that break it (a violating key's acct-000734 is not kept)", s.Accounts.Count)
	}
	noInvalid(t, rep)
	// The 60% region was tried, and refused.
	var sixty int
	for _, row := range rep.Rows {
		if strings.Contains(row.Change, "peak") && row.Reproduced > 0 && !row.Failing {
			sixty++
		}
	}
	if sixty == 0 {
		t.Error("no candidate at 60% was tried: the test proves nothing about noise")
	}
	if k, n := rep.Odds(); k != 5 || n != 5 {
		t.Errorf("final odds %d of %d, want 5 of 5 (topped up to --trials)", k, n)
	}
	if got, want := rep.Base.Payments(rep.Final), rep.Base.Payments(rep.Original)/3; got > want {
		t.Errorf("%d payments, want at most a third of the original's (%d)", got, want)
	}
	b, _ := os.ReadFile(filepath.Join(out, ShrunkFile))
	for _, w := range []string{"drop fault noise", "broke in 5 of 5 runs", "Original, as it ran: 2400 payments"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("shrunk.yaml lacks %q:\n%s", w, b)
		}
	}
}

// Out of budget, the search stops and keeps the smallest failing scenario
// so far; the final odds are still counted over --trials runs.
func TestShrinkBudget(t *testing.T) {
	f := newFake(t, known)
	f.perRun = time.Minute
	rep, err, out := shrink(t, f, 12*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != StatusBudget {
		t.Errorf("status %s, want %s", rep.Status, StatusBudget)
	}
	if runs := f.clock.Sub(time.Unix(0, 0)) / time.Minute; runs > 12+1 {
		t.Errorf("%d runs in a 12-minute budget of 1-minute runs (one more allowed for the odds)", runs)
	}
	if _, err := run.Load(filepath.Join(out, ShrunkFile)); err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) == 0 || rep.Base.Payments(rep.Final) >= rep.Base.Payments(rep.Original) && len(rep.Final.Faults) == 3 {
		t.Errorf("nothing shrunk in the budget: %+v", rep.Steps)
	}
}

func TestShrinkNotReproducible(t *testing.T) {
	f := newFake(t, func(*scenario.Scenario) float64 { return 0.6 })
	rep, err, out := shrink(t, f, time.Hour)
	if !errors.Is(err, ErrNotReproducible) || rep.Status != StatusNotReproducible {
		t.Fatalf("error %v status %s, want ErrNotReproducible", err, rep.Status)
	}
	if _, err := os.Stat(filepath.Join(out, ShrunkFile)); err == nil {
		t.Error("shrunk.yaml written for a failure that does not reproduce")
	}
}

// One harness error is run again; two in a row stop the search, keeping
// the best so far.
func TestShrinkHarnessError(t *testing.T) {
	f := newFake(t, known)
	f.fail = 1
	if rep, err, _ := shrink(t, f, time.Hour); err != nil || rep.Status != StatusDone {
		t.Fatalf("one failed run: status %s, error %v", rep.Status, err)
	}
	f = newFake(t, known)
	f.fail = 2
	rep, err, _ := shrink(t, f, time.Hour)
	if err == nil || rep.Status != StatusError {
		t.Fatalf("two failed runs: status %s, error %v; want a harness error", rep.Status, err)
	}
	// Later, a candidate whose run fails twice is undecided and the search
	// goes on to the same minimum (the machine hiccupped, as here when
	// authsim's database link reset every connection for a minute)...
	f = newFake(t, known)
	f.after, f.fail = 12, 2
	rep, err, _ = shrink(t, f, time.Hour)
	undecided := 0
	for _, r := range rep.Rows {
		if strings.HasPrefix(r.Note, "undecided") {
			undecided++
		}
	}
	if err != nil || rep.Status != StatusDone || undecided != 1 || rep.Final.Accounts != 300 {
		t.Fatalf("a candidate's two failed runs: status %s, error %v, %d undecided, %d accounts; want done, one undecided, 300", rep.Status, err, undecided, rep.Final.Accounts)
	}
	// ...but three candidates in a row undecided stop it, the best so far kept.
	f = newFake(t, known)
	f.after, f.fail = 12, 6
	rep, err, _ = shrink(t, f, time.Hour)
	if err == nil || rep.Status != StatusError || len(rep.Final.Faults) == 0 {
		t.Fatalf("three candidates undecided: status %s, error %v; want a harness error with the best so far", rep.Status, err)
	}
}

// noInvalid fails the test when the search made a candidate that is not a
// valid scenario: each pass must build on the best candidate as it is now.
func noInvalid(t *testing.T, rep *Report) {
	t.Helper()
	for _, row := range rep.Rows {
		if strings.HasPrefix(row.Note, "not a valid scenario") {
			t.Errorf("%s (%s): %s", row.ID, row.Change, row.Note)
		}
	}
}

// When the failure needs some load before the fault, the load starts
// later only as far as it still fails, each step from the best so far.
func TestShrinkStartLater(t *testing.T) {
	f := newFake(t, func(s *scenario.Scenario) float64 {
		if n := fault(s, "needed"); n == nil || n.At.D() < 1200*time.Millisecond {
			return 0
		}
		return known(s)
	})
	rep, err, _ := shrink(t, f, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	noInvalid(t, rep)
	at := rep.Final.Faults[0].At
	if s := rep.Base.S.Faults[rep.Final.Faults[0].Src].Name; s != "needed" || at < 1200*time.Millisecond || at > 1600*time.Millisecond {
		t.Errorf("first fault %s at %s, want needed at 1.2s to 1.6s", s, at)
	}
}
