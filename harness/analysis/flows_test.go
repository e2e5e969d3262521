package analysis

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// withFollowUps rewrites dir's attempts file with follow-ups added: a
// capture for every 2nd payment (a timeout, then an approval on retry), a
// void refused for every 5th, and a reversal not sent for every 7th.
func withFollowUps(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, rundir.AttemptsFile)
	var all []record.Attempt
	if err := record.Read(path, func(a *record.Attempt) error { all = append(all, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	w, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		w.Record(&a)
		due := a.Scheduled + 2*time.Second
		switch {
		case a.Seq%2 == 0:
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 1, Scheduled: due, Sent: due + time.Millisecond, Latency: time.Second,
				Outcome: record.Timeout, Call: record.Capture, AuthID: "x"})
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 2, Scheduled: due + 1200*time.Millisecond, Sent: due + 1200*time.Millisecond,
				Latency: 10 * time.Millisecond, Status: 200, Outcome: record.Approved, Call: record.Capture, AuthID: "x", Final: true})
		case a.Seq%5 == 0:
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 1, Scheduled: due, Sent: due, Latency: 5 * time.Millisecond, Status: 409,
				Outcome: record.Rejected, Call: record.Void, AuthID: "x", Final: true})
		case a.Seq%7 == 0:
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 1, Scheduled: due, Outcome: record.NotSent, Call: record.Reverse, Final: true})
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFollowUpsApart: follow-ups leave every figure about payments as it
// was, and are summed up per call.
func TestFollowUpsApart(t *testing.T) {
	healthy := func(time.Duration) (record.Outcome, time.Duration) { return record.Approved, 20 * time.Millisecond }
	plain := analyze(t, synth(t, synthScenario, healthy))
	dir := synth(t, synthScenario, healthy)
	withFollowUps(t, dir)
	flows := analyze(t, dir)
	if got := flows.Flows; len(got) != 3 || got[0].Call != "capture" || got[1].Call != "void" || got[2].Call != "reverse" {
		t.Fatalf("flows %+v", got)
	}
	// 2000 payments: 1000 captures, 200 voids (the odd 5ths), and the odd 7ths that are not 5ths not reversed.
	capture, void, reverse := flows.Flows[0], flows.Flows[1], flows.Flows[2]
	if capture.Calls != 1000 || capture.Attempts != 2000 || capture.Outcomes.Approved != 1000 || capture.NotSent != 0 {
		t.Errorf("capture %+v", capture)
	}
	if capture.Latency.P50 < 1200 || capture.Latency.P50 > 1220 || capture.SendLag.P99 > 1.1 {
		t.Errorf("capture latency %+v (want from its scheduled time to the retry's answer, 1.21 s), send lag %+v", capture.Latency, capture.SendLag)
	}
	if void.Calls != 200 || void.Outcomes.Rejected != 200 {
		t.Errorf("void %+v", void)
	}
	if reverse.NotSent == 0 || reverse.Calls != reverse.NotSent || reverse.Attempts != 0 {
		t.Errorf("reverse %+v", reverse)
	}
	plain.Flows = nil
	flows.Flows = nil
	if !reflect.DeepEqual(plain, flows) {
		t.Errorf("follow-ups changed the payments' figures:\n%+v\n%+v", plain, flows)
	}
}
