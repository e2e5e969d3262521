package analysis

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// TestPendingAndDuplicateAreCountedNotFailures: asynchronous and duplicate
// answers are counted in the summary, among the payments, and are not
// failures.
func TestPendingAndDuplicateAreCountedNotFailures(t *testing.T) {
	s := analyze(t, synth(t, synthScenario, func(at time.Duration) (record.Outcome, time.Duration) {
		switch {
		case at < 5*time.Second:
			return record.Pending, 3 * time.Millisecond
		case at < 6*time.Second:
			return record.Duplicate, 3 * time.Millisecond
		}
		return record.Approved, 3 * time.Millisecond
	}))
	q := s.Requests
	if q.Pending != 500 || q.Duplicate != 100 || q.Approved != 1400 || q.Payments != 2000 {
		t.Errorf("pending %d, duplicate %d, approved %d of %d payments; want 500, 100, 1400 of 2000", q.Pending, q.Duplicate, q.Approved, q.Payments)
	}
	// Not failures; but pending answers no ledger confirmed keep the run
	// from passing.
	if s.FailureRatio != 0 || s.Verdict != VerdictUnconfirmed {
		t.Errorf("failure ratio %v, verdict %s: pending and duplicate are not failures, and unconfirmed pending is no pass", s.FailureRatio, s.Verdict)
	}
	b, _ := json.Marshal(s.Requests)
	if !strings.Contains(string(b), `"pending":500`) || !strings.Contains(string(b), `"duplicate":100`) {
		t.Errorf("summary.json requests lack the counts: %s", b)
	}
}

// TestOutcomesWithoutPendingKeepTheirJSON: a run without the new outcomes
// writes the same summary.json fields as before.
func TestOutcomesWithoutPendingKeepTheirJSON(t *testing.T) {
	b, _ := json.Marshal(Outcomes{Approved: 1})
	if strings.Contains(string(b), "pending") || strings.Contains(string(b), "duplicate") {
		t.Errorf("zero counts written: %s", b)
	}
}
