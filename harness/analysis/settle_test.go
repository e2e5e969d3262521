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
)

const asyncScenario = `name: synth
traffic: {phases: [{name: steady, duration: 2s, shape: constant, rate: 10/s}]}
target:
  response: {rules: [{status: 202, outcome: pending}]}
  webhooks: {key: data.id, match: id, status: data.state, rules: [{equals: DONE, outcome: approved}, {equals: NO, outcome: declined}]}
`

// TestNotificationOfAFinalAnswerConfirmsIt: a service that approves or
// declines some payments at once and notifies of them too. A notification
// that says what the answer said is a duplicate, one that says otherwise a
// contradiction; neither is a payment settled, unsettled or unknown. The
// notifications of payments answered pending are counted as before.
func TestNotificationOfAFinalAnswerConfirmsIt(t *testing.T) {
	dir, _, plan, w := newRunDir(t, asyncScenario)
	notify := func(seq uint64, at time.Duration, o record.Outcome) {
		w.Record(&record.Attempt{Seq: seq, Attempt: 1, Scheduled: at, Sent: at, Status: 0, Outcome: o, Final: true, Call: record.Notify})
	}
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		a := record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: time.Millisecond, Final: true, AuthID: "pay_" + string(rune('a'+n))}
		switch n % 4 {
		case 0: // pending, then told approved once
			a.Status, a.Outcome = 202, record.Pending
			w.Record(&a)
			notify(n, at+100*time.Millisecond, record.Approved)
		case 1: // approved at once, then confirmed
			a.Status, a.Outcome = 201, record.Approved
			w.Record(&a)
			notify(n, at+100*time.Millisecond, record.Approved)
		case 2: // declined at once, then told approved: a contradiction
			a.Status, a.Outcome = 402, record.Declined
			w.Record(&a)
			notify(n, at+100*time.Millisecond, record.Approved)
		case 3: // a confirming notification that overtook its answer
			notify(n, at, record.Approved)
			a.Status, a.Outcome = 201, record.Approved
			w.Record(&a)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	meta := rundir.Meta{Version: 1, Scenario: "synth", Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total(), Generator: rundir.GeneratorInfo{CPUs: 2}}
	b, _ := json.Marshal(meta)
	os.WriteFile(filepath.Join(dir, rundir.MetaFile), b, 0o644)
	st := analyze(t, dir).Settle
	if st == nil {
		t.Fatal("no settle figures")
	}
	// 20 payments: 5 pending, 10 approved at once, 5 declined at once.
	if st.Pending != 5 || st.Settled != 5 || st.Unsettled != 0 || st.Notifications != 20 {
		t.Errorf("pending %d settled %d unsettled %d notifications %d; want 5 5 0 20", st.Pending, st.Settled, st.Unsettled, st.Notifications)
	}
	if st.Duplicates != 10 || st.Contradictions != 5 {
		t.Errorf("duplicates %d, contradictions %d; want 10 (final answers confirmed) and 5 (a decline told approved)", st.Duplicates, st.Contradictions)
	}
}

// TestUnsettledSaysHowStatesWereTold: payments that never reached a final
// state are "notifications lost" only when notifications were to tell them;
// a run that polled says no poll found one.
func TestUnsettledSaysHowStatesWereTold(t *testing.T) {
	for _, c := range []struct {
		st   Settle
		want string
	}{
		{Settle{Pending: 9, Unsettled: 1, LimitS: 5, Notifications: 8}, "notifications lost or late"},
		{Settle{Pending: 9, Unsettled: 1, LimitS: 5, Polls: 40}, "no poll of the status endpoint found one"},
		{Settle{Pending: 9, Unsettled: 1, LimitS: 5, Polls: 40, Notifications: 8}, "neither a notification nor a poll told one"},
	} {
		got := unconfirmed(&Summary{Settle: &c.st})
		if !strings.HasPrefix(got, "1 of 9 payments answered pending never reached a final state within 5s") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}
