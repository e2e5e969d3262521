package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// healthy is a completed run of 450 payments, all sent and approved, that
// passes: each case below changes one thing.
func healthy() *Summary {
	return &Summary{Status: rundir.StatusCompleted,
		Requests: Requests{Planned: 450, Sent: 450, Payments: 450, Outcomes: Outcomes{Approved: 450}},
		Validity: Validity{Due: 450, FirstAttempts: 450, MaxRejectedRatio: DefaultMaxRejectedRatio}}
}

func TestVerdict(t *testing.T) {
	clean := &audit.Result{Checked: true}
	tests := []struct {
		name    string
		edit    func(s *Summary)
		verdict string
		code    int
		reason  string // part of an invalid-test reason, or of the unconfirmed note
	}{
		// Nothing to object to.
		{"healthy", func(s *Summary) {}, VerdictPass, 0, ""},
		// A template typo: nothing was sent; the run passed before.
		{"nothing sent", func(s *Summary) { s.Requests.Sent, s.Requests.Payments, s.Requests.Approved = 0, 0, 0 },
			VerdictInvalid, 1, "nothing was sent (0 of 450 payments due)"},
		// Sent far less than due.
		{"sent too little", func(s *Summary) { s.Requests.Sent, s.Requests.Payments, s.Requests.Approved = 300, 300, 300 },
			VerdictInvalid, 1, "sent 300 of the 450 payments due"},
		// 90% of what was due is enough.
		{"sent 90%", func(s *Summary) { s.Requests.Sent, s.Requests.Payments, s.Requests.Approved = 405, 405, 405 },
			VerdictPass, 0, ""},
		// An interrupted run is judged against what was due by then: still
		// aborted (4) first, but with no reason to call it invalid.
		{"interrupted, sent what was due", func(s *Summary) {
			s.Status, s.Validity.Due = rundir.StatusInterrupted, 100
			s.Requests.Sent, s.Requests.Payments, s.Requests.Approved = 100, 100, 100
		}, VerdictAborted, 4, ""},
		// Every answer was 400: a broken test, not 450 rejections to shrug at.
		{"all rejected", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Rejected: 450}
			s.Validity.ClientErrors, s.Validity.ByStatus = 450, map[int]int{400: 450}
		}, VerdictInvalid, 1, "450 of 450 answers were rejected, client errors or codes the scenario does not map (status 400: 450"},
		// A third of the answers are the service's money declines, 400
		// with its own code, and no rule maps them: not a pass, and the
		// reason names the code and the rule to add.
		{"unmapped declines", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 300, Rejected: 150}
			s.Validity.ClientErrors, s.Validity.ByStatus = 150, map[int]int{400: 150}
			s.Validity.Unmapped = []Unmapped{{Status: 400, Code: "INSUFFICIENT_FUND", Outcome: "rejected", Count: 150, Example: "insufficient funds",
				Rule: "{status: 400, json: {path: errorCode, equals: INSUFFICIENT_FUND}, outcome: declined}"}}
		}, VerdictInvalid, 1, `unmapped: 400 INSUFFICIENT_FUND x150 ("insufficient funds"): add {status: 400, json: {path: errorCode, equals: INSUFFICIENT_FUND}, outcome: declined}`},
		// Every answer was 400 but the rules called it a decline: still a client error.
		{"400 classified as declined", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Declined: 450}
			s.Validity.ClientErrors, s.Validity.ByStatus = 450, map[int]int{400: 450}
		}, VerdictInvalid, 1, "the requests, not the service, were wrong"},
		// A few rejections (at most 5%) are the service's business.
		{"some rejected", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 440, Rejected: 10}
			s.Validity.ClientErrors = 10
		}, VerdictPass, 0, ""},
		// The scenario lowers the limit.
		{"limit from the scenario", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 400, Rejected: 50}
			s.Validity.ClientErrors, s.Validity.MaxRejectedRatio = 50, 0.1
		}, VerdictInvalid, 1, "limit slo.max_rejected_ratio 0.1"},
		// Rejections are a share of answers: timeouts are not answers.
		{"rejected among few answers", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Timeout: 400, Rejected: 50}
			s.Validity.ClientErrors = 50
		}, VerdictInvalid, 1, "50 of 50 answers"},
		// Nothing answered at all: no service was tested.
		{"no answers", func(s *Summary) { s.Requests.Outcomes = Outcomes{ConnError: 450} },
			VerdictInvalid, 1, "none of 450 payments got an answer"},
		// A rerun against a service that kept its data: most keys collide.
		{"keys collide", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 7, Rejected: 443}
			s.Validity.FirstDuplicates, s.Validity.ClientErrors = 443, 443
		}, VerdictInvalid, 1, "443 of 450 first attempts were answered as duplicates"},
		// A few collisions only warn.
		{"few collide", func(s *Summary) { s.Validity.FirstDuplicates = 10 }, VerdictPass, 0, ""},
		// Accepted for later, no ledger audited: never a pass.
		{"pending, no audit", func(s *Summary) { s.Requests.Outcomes = Outcomes{Approved: 300, Pending: 150} },
			VerdictUnconfirmed, 1, "150 of 450 payments were accepted for later processing and no ledger was audited"},
		// Accepted for later, audit inconclusive: the audit's verdict comes first.
		{"pending, audit inconclusive", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 300, Pending: 150}
			s.Audit = &audit.Result{Checked: true, Inconclusive: true}
		}, VerdictInconclusive, 1, "the ledger audit was inconclusive"},
		// Accepted for later and the audit resolved them: a pass.
		{"pending, audit clean", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Approved: 300, Pending: 150}
			s.Audit = clean
		}, VerdictPass, 0, ""},
		// An invalid test outranks a breached SLO: the SLO judged the test.
		{"invalid and breached", func(s *Summary) {
			s.Requests.Sent, s.Requests.Payments, s.Requests.Approved = 0, 0, 0
			s.SLO = []SLOResult{{Name: "p99_ms"}}
		}, VerdictInvalid, 1, "nothing was sent"},
		// A broken invariant outranks an invalid test.
		{"invalid and invariant broken", func(s *Summary) {
			s.Requests.Outcomes = Outcomes{Rejected: 450}
			s.Validity.ClientErrors = 450
			s.Audit = &audit.Result{Checked: true, Violations: []audit.Violation{{Invariant: "I3"}}}
		}, VerdictInvariant, 3, "answers were rejected"},
		// An SLO breach on a valid run.
		{"breached", func(s *Summary) { s.SLO = []SLOResult{{Name: "p99_ms"}} }, VerdictSLOBreached, 1, ""},
	}
	for _, tt := range tests {
		s := healthy()
		tt.edit(s)
		v, code := verdict(s)
		if v != tt.verdict || code != tt.code {
			t.Errorf("%s: verdict %s (%d), want %s (%d); reasons %q", tt.name, v, code, tt.verdict, tt.code, invalidReasons(s))
		}
		said := strings.Join(append(invalidReasons(s), unconfirmed(s)), "\n")
		if tt.reason == "" && said != "" {
			t.Errorf("%s: unexpected reasons %q", tt.name, said)
		}
		if !strings.Contains(said, tt.reason) {
			t.Errorf("%s: reasons %q do not say %q", tt.name, said, tt.reason)
		}
	}
}

func TestFewCollisionsWarn(t *testing.T) {
	s := healthy()
	s.Validity.FirstDuplicates = 10
	if w := warnings(s); len(w) != 1 || !strings.Contains(w[0], "10 of 450 first attempts were answered as duplicates") {
		t.Errorf("warnings %q", w)
	}
	s.Validity.FirstDuplicates = 0
	if w := warnings(s); len(w) != 0 {
		t.Errorf("warnings %q with no collision", w)
	}
}

// TestNoApprovalWarns: a run whose every answer was a decline (accounts that
// do not exist in the service, say) never tested an approval: it says so.
func TestNoApprovalWarns(t *testing.T) {
	s := healthy()
	s.Requests.Declined, s.Requests.Approved = s.Requests.Payments, 0
	if w := warnings(s); len(w) != 1 || !strings.Contains(w[0], "no payment was approved") {
		t.Errorf("warnings %q", w)
	}
	s.Requests.Approved, s.Requests.Declined = 1, s.Requests.Payments-1
	if w := warnings(s); len(w) != 0 {
		t.Errorf("warnings %q with one approval", w)
	}
}

func TestValidityCounts(t *testing.T) {
	tests := []struct {
		a                            record.Attempt
		first, duplicates, clientErr int
	}{
		// An approved first attempt counts as a first attempt only.
		{record.Attempt{Attempt: 1, Status: 201, Outcome: record.Approved, Final: true}, 1, 0, 0},
		// A first attempt answered 409: its key was known before.
		{record.Attempt{Attempt: 1, Status: 409, Outcome: record.Rejected, Final: true}, 1, 1, 1},
		// A service that says "duplicate" in its own words (response rules).
		{record.Attempt{Attempt: 1, Status: 200, Outcome: record.Duplicate, Final: true}, 1, 1, 0},
		// A double tap answered 409 is the service doing its job.
		{record.Attempt{Attempt: 1, Status: 409, Outcome: record.Rejected, Duplicate: true, Final: true}, 0, 0, 1},
		// A retry answered 409 is not a first attempt.
		{record.Attempt{Attempt: 2, Status: 409, Outcome: record.Rejected, Final: true}, 0, 0, 1},
		// A 400 the rules called a decline by its status alone is still a client error.
		{record.Attempt{Attempt: 1, Status: 400, Outcome: record.Declined, Final: true}, 1, 0, 1},
		// A business decline is not.
		{record.Attempt{Attempt: 1, Status: 402, Outcome: record.Declined, Final: true}, 1, 0, 0},
		// A rejection that was retried counts once, at its final attempt.
		{record.Attempt{Attempt: 1, Status: 400, Outcome: record.Rejected}, 1, 0, 0},
	}
	for i, tt := range tests {
		var v Validity
		v.add(&tt.a)
		v.finish()
		if v.FirstAttempts != tt.first || v.FirstDuplicates != tt.duplicates || v.ClientErrors != tt.clientErr {
			t.Errorf("case %d: %+v", i, v)
		}
	}
}

// TestDueWhenInterrupted: a run stopped at 5 s of a 100/s schedule had 500
// payments due, not the 2000 of the whole plan; a completed one, the plan.
// TestOvertakenByItsDoubleTap: a double tap that reaches the service before
// its original makes the original the duplicate: no collision with an
// earlier run's keys. A 409 no double tap explains is one.
func TestOvertakenByItsDoubleTap(t *testing.T) {
	var v Validity
	v.add(&record.Attempt{Attempt: 1, Key: "k1", Status: 201, Outcome: record.Approved, Duplicate: true, Final: true})
	v.add(&record.Attempt{Attempt: 1, Key: "k1", Status: 409, Outcome: record.Rejected, Final: true})
	v.add(&record.Attempt{Attempt: 1, Key: "k2", Status: 409, Outcome: record.Rejected, Final: true})
	v.finish()
	if v.FirstAttempts != 2 || v.FirstDuplicates != 1 {
		t.Errorf("first attempts %d, duplicates %d; want 2 and 1 (k2 only)", v.FirstAttempts, v.FirstDuplicates)
	}
}

// TestConfirmedDeclinesAreNotClientErrors: a service that declines with 400
// and says why in its body (a response rule reads it) gave business
// answers; a 400 only its status called a decline stays a client error.
func TestConfirmedDeclinesAreNotClientErrors(t *testing.T) {
	rules := scenario.ResponseRules{Declined: []int{400}, Rules: []scenario.ResponseRule{
		{Status: scenario.Statuses{400}, JSON: &scenario.JSONMatch{Path: "error", In: []string{"insufficient funds"}}, Outcome: "declined"}}}
	v := newValidity(rules)
	v.add(&record.Attempt{Attempt: 1, Status: 400, Outcome: record.Declined, Final: true})
	v.add(&record.Attempt{Attempt: 1, Status: 400, Outcome: record.Rejected, Final: true})
	if v.ClientErrors != 1 {
		t.Errorf("client errors %d, want 1 (the rejection only)", v.ClientErrors)
	}
	v = newValidity(scenario.ResponseRules{Declined: []int{400}})
	v.add(&record.Attempt{Attempt: 1, Status: 400, Outcome: record.Declined, Final: true})
	if v.ClientErrors != 1 {
		t.Errorf("client errors %d, want 1: no rule read the body", v.ClientErrors)
	}
}

func TestDueWhenInterrupted(t *testing.T) {
	dir := synth(t, synthScenario, ok)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := due(r); d != 2000 {
		t.Errorf("completed: due %d, want 2000", d)
	}
	r.Meta.Status, r.Meta.StoppedS = rundir.StatusInterrupted, 5
	if d := due(r); d < 499 || d > 501 {
		t.Errorf("stopped at 5 s: due %d, want 500", d)
	}
}

// TestAllRejectedIsInvalid: a saved run whose every answer was a rejection
// is an invalid test, with the reason in the summary.
func TestAllRejectedIsInvalid(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, func(time.Duration) (record.Outcome, time.Duration) {
		return record.Rejected, time.Millisecond
	}))
	if s.Verdict != VerdictInvalid || s.ExitCode != 1 || len(s.Validity.Reasons) != 1 ||
		!strings.Contains(s.Validity.Reasons[0], "2000 of 2000 answers were rejected") {
		t.Errorf("verdict %s (%d), validity %+v", s.Verdict, s.ExitCode, s.Validity)
	}
}
