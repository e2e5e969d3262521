package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/targets/truth/server"
)

// The async cell's fixed choices: the truth service answers pending after
// asyncBase and decides asyncDecide after each arrival; authquake polls
// every asyncEvery; a defer switch holds every decision due from
// asyncHoldAt for asyncHoldFor.
const (
	asyncBase    = 5 * time.Millisecond
	asyncDecide  = time.Second
	asyncEvery   = 100 * time.Millisecond
	asyncHoldAt  = 4.0
	asyncHoldFor = 3.0
	asyncSlack   = 0.15 // s: a poll's own round trip and a loaded machine's timers
	asyncRate    = 40.0 // payments a second
	asyncDrain   = 80.0 // decisions a second of the draining cell
)

// TestTruthAsync checks the time to a final state (summary.settle) against
// an asynchronous truth service, as queued ledgers decide: the run's
// payments settle Decide-Base after their pending answer (plus at most one
// poll interval); those answered while a defer switch held the decisions
// settle when it went off, at most its length later; the ones answered
// just before it wait for it too. Window by window, within a poll interval
// and the slack of a loaded machine.
func TestTruthAsync(t *testing.T) {
	svc := server.New(asyncBase)
	svc.Decide = asyncDecide
	s := runAsync(t, svc, asyncCell{hold: asyncHoldFor, length: 12})
	st := s.Settle
	held, decide := holdLength(t, svc), (asyncDecide - asyncBase).Seconds()
	within := func(what string, gotMS, lo, hi float64) {
		t.Helper()
		if got := gotMS / 1000; got < lo-asyncSlack || got > hi+asyncEvery.Seconds()+asyncSlack {
			t.Errorf("%s: %.3f s, want %.3f to %.3f s (+ a poll interval %s)", what, got, lo, hi, asyncEvery)
		}
	}
	// Most payments were neither held nor waited for the hold: p50 is the decision time.
	within("run settle p50", st.LatencyMS.P50, decide, decide)
	// One answered just before the hold, its decision due inside it, waited the hold and its own decision time.
	within("run settle max", st.LatencyMS.Max, held+decide-asyncEvery.Seconds(), held+decide)
	var hold *analysis.SettleWindow
	for i := range st.Faults {
		if st.Faults[i].Name == "hold" {
			hold = &st.Faults[i]
		}
	}
	if hold == nil || hold.Pending == 0 {
		t.Fatalf("settle faults %+v: want the hold's payments", st.Faults)
	}
	// Answered while the hold was on: each settles when it went off, or its own decision time if later.
	within("hold settle max", hold.LatencyMS.Max, held-asyncEvery.Seconds(), held)
	within("hold settle p50", hold.LatencyMS.P50, held/2, held/2)
	checkDecisions(t, s.Faults[0], held, decide)
	t.Logf("settle p50 %.0f ms, max %.0f ms; hold (%.2f s) p50 %.0f ms, max %.0f ms; the hold's state by the answers: %s",
		st.LatencyMS.P50, st.LatencyMS.Max, held, hold.LatencyMS.P50, hold.LatencyMS.Max, s.Faults[0].State)
}

// asyncCell is one run against the asynchronous truth service: the hold
// from asyncHoldAt for hold seconds, the load at asyncRate for length.
type asyncCell struct{ hold, length float64 }

// runAsync runs the cell against svc and analyses it, after checking that
// the service kept its rules and the generator its schedule, and that every
// payment answered pending reached its final state.
func runAsync(t *testing.T, svc *server.Server, c asyncCell) *analysis.Summary {
	t.Helper()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "async.yaml")
	if err := os.WriteFile(path, []byte(asyncScenario(srv.URL, c)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := run.Run(context.Background(), run.Options{Scenario: path, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if answers, late := svc.Fidelity(); 100*late > answers {
		t.Fatalf("the truth service wrote %d of %d answers over %s late: no truth to check against", late, answers, server.Tolerance)
	}
	s := analyze(t, res.Dir)
	if !s.Generator.Trustworthy {
		t.Fatalf("the generator did not keep its schedule: %v", s.Generator.Reasons)
	}
	if st := s.Settle; st == nil || st.Pending == 0 || st.Unsettled != 0 || st.Settled != st.Pending {
		t.Fatalf("settle %+v: want every payment answered pending and settled", st)
	}
	return s
}

// TestTruthAsyncDrain checks the decision clock's recovery against a queue
// that drains: the truth service's one worker makes asyncDrain decisions a
// second, so the backlog the hold left (asyncRate a second of it) drains
// while new payments queue behind it. A payment answered at a after the
// hold's end t1, its decision due at u = a + decide, is decided at t1 +
// rho(u - t0) (rho = rate/drain, t0 the hold's start): late while that is
// more than L after a, in time from a = (rho*held + decide - L)/(1-rho) -
// decide after t1. A decision told by a poll is taken within half a poll
// interval of when it was made: the crossing moves by up to that over the
// queue's slope (1-rho).
func TestTruthAsyncDrain(t *testing.T) {
	const hold, length = 6.0, 20.0
	svc := server.New(asyncBase)
	svc.Decide, svc.Drain = asyncDecide, asyncDrain
	s := runAsync(t, svc, asyncCell{hold: hold, length: length})
	held, decide := holdLength(t, svc), (asyncDecide - asyncBase).Seconds()
	f := s.Faults[0]
	t.Logf("answers: health p99 limit %.1f ms (%s); p99 before / during / after the hold %.1f / %.1f / %.1f ms; worst %+v",
		s.Health.MaxP99MS, s.Health.Rule, f.Before.Latency.P99, f.During.Latency.P99, f.After.Latency.P99, f.Worst)
	d := checkImpact(t, f, decide)
	limit, rho, gap := d.LimitMS/1000, asyncRate/asyncDrain, 1/asyncRate
	want := (rho*held+decide-limit)/(1-rho) - decide
	blur := asyncEvery.Seconds() / 2 / (1 - rho)
	if ttr := *d.TimeToRecoverS; ttr < want-blur-asyncSlack || ttr > want+blur+gap+asyncSlack {
		t.Errorf("decisions time to recover %.3f s, want %.3f s (± %.3f s: half a poll interval at the queue's slope)", ttr, want, blur)
	}
	// Every payment answered from decide before the hold to its end was late.
	if late, all := float64(d.Late), asyncRate*(held+decide); late < all-asyncRate*asyncSlack || late > all+asyncRate*asyncSlack {
		t.Errorf("%d late decisions, want %.0f", d.Late, all)
	}
	t.Logf("drain at %g/s: late past %.0f ms, impact after %.3f s, in time again %.3f s after the revert (want %.3f s), %d late; answers: %s",
		asyncDrain, d.LimitMS, *d.TimeToImpactS, *d.TimeToRecoverS, want, d.Late, f.State)
}

// holdLength is how long the truth service's hold was on, by its own clock.
func holdLength(t *testing.T, svc *server.Server) float64 {
	t.Helper()
	flips := svc.Flips()
	if len(flips) != 2 {
		t.Fatalf("flips %+v, want the hold on and off", flips)
	}
	return flips[1].At.Sub(flips[0].At).Seconds()
}

// checkImpact checks the hold's impact on the decision clock, and returns
// its decisions. The answers were never hurt: by them the hold had no
// impact. With the lateness limit L the run reports, the first payment the
// hold caught was answered decide before it began (its decision was due as
// it went on) and was known late L after its answer: time to impact
// L - decide.
func checkImpact(t *testing.T, f analysis.FaultStats, decide float64) *analysis.Decisions {
	t.Helper()
	d := f.Decisions
	if d == nil || d.Rule != "baseline" || d.State != analysis.StateImpactRecovered || !d.Impact || d.TimeToImpactS == nil || d.TimeToRecoverS == nil {
		t.Fatalf("the hold's decisions %+v: want an impact and a recovery against the baseline", d)
	}
	if f.State != analysis.StateNoImpact {
		t.Errorf("the hold's state by the answers %s, want %s: it only delayed decisions", f.State, analysis.StateNoImpact)
	}
	limit := d.LimitMS / 1000
	if tti := *d.TimeToImpactS; tti < limit-decide-asyncSlack || tti > limit-decide+1/asyncRate+asyncSlack {
		t.Errorf("decisions time to impact %.3f s, want %.3f s (the limit %.3f s less the decision time %.3f s)", tti, limit-decide, limit, decide)
	}
	return d
}

// checkDecisions checks the hold's impact and recovery on the decision
// clock (checkImpact). Late are those answered from decide before the hold
// until L before it went off (± half a poll interval: a decision told by a
// poll is taken midway between the last poll that said pending and the
// next). Those answered after the revert are decided in decide, within L:
// in time again at once.
func checkDecisions(t *testing.T, f analysis.FaultStats, held, decide float64) {
	t.Helper()
	d := checkImpact(t, f, decide)
	limit, gap := d.LimitMS/1000, 1/asyncRate
	if ttr := *d.TimeToRecoverS; ttr > gap+asyncSlack {
		t.Errorf("decisions time to recover %.3f s, want 0 (within a payment's spacing %.3f s)", ttr, gap)
	}
	want, half := asyncRate*(held-limit+decide), asyncEvery.Seconds()/2
	if late := float64(d.Late); late < want-asyncRate*(half+asyncSlack) || late > want+asyncRate*(half+asyncSlack) {
		t.Errorf("%d late decisions, want %.0f (%.0f/s from decide before the hold until the limit before its end)", d.Late, want, asyncRate)
	}
	t.Logf("decisions: late past %.0f ms, impact after %.3f s, in time again %.3f s after the revert, %d late (want %.0f)",
		d.LimitMS, *d.TimeToImpactS, *d.TimeToRecoverS, d.Late, want)
}

// asyncScenario is the async cell c against the truth service at base.
func asyncScenario(base string, c asyncCell) string {
	return fmt.Sprintf(`name: truth-async
target:
  kind: url
  url: "%[1]s"
  response:
    auth_id: id
    rules:
      - {status: 202, json: {path: status, equals: pending}, outcome: pending}
  status:
    path: /payments/{{.AuthID}}
    every: %[2]s
    status: status
    rules:
      - {equals: approved, outcome: approved}
  settle: 10s
traffic: {phases: [{name: steady, duration: %[6]gs, shape: constant, rate: %[5]g/s}]}
requests: {client: {timeout: 5s, retries: {max_attempts: 1}}}
# The answers' health by an SLO, not the baseline's 2x a 5 ms p99: one
# answer in a second's 40 that a loaded machine slows past 25 ms would read
# as the hold's impact on the answers, which it never touches.
slo: {p99: 250ms}
faults:
  - {name: hold, at: %[3]gs, duration: %[4]gs, kind: http, params: {inject: {url: "%[1]s/switch/hold/on?mode=defer"}, revert: {url: "%[1]s/switch/hold/off"}, effect: delays}}
`, base, asyncEvery, asyncHoldAt, c.hold, asyncRate, c.length)
}
