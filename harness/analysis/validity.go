package analysis

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// Validity says whether the run tested the service at all. A run that sent
// far less than its schedule, whose requests the service mostly refused as
// malformed, or whose keys an earlier run had already used, measured the
// test, not the service: its reasons make the verdict invalid_test. Outcomes
// that only a ledger could confirm make it unconfirmed.
type Validity struct {
	// Due is how many payments the schedule had due when the load stopped:
	// the whole plan for a run that went to its end.
	Due uint64 `json:"due"`
	// FirstAttempts counts the first attempts of payments that are not
	// double taps; FirstDuplicates those of them answered 409 or
	// "duplicate": the service knew their key before this run sent it.
	FirstAttempts   int `json:"first_attempts"`
	FirstDuplicates int `json:"first_attempt_duplicates"`
	// ClientErrors counts final answers that were rejected, or whose status
	// says the request itself was wrong (400, 401, 403, 404, 405, 415, ...)
	// however the response rules classified it; ByStatus splits them.
	ClientErrors int         `json:"client_errors"`
	ByStatus     map[int]int `json:"client_errors_by_status,omitempty"`
	// MaxRejectedRatio is the share of answers that client errors and
	// unmapped answers may not pass (slo.max_rejected_ratio, default 0.05).
	MaxRejectedRatio float64 `json:"max_rejected_ratio"`
	// Unmapped are the answers that carried a code the scenario maps to
	// nothing (they fell to their status's default), by status and code,
	// with the rule to add.
	Unmapped []Unmapped `json:"unmapped,omitempty"`
	// Reasons make the run an invalid test (verdict invalid_test).
	Reasons []string `json:"invalid_reasons,omitempty"`
	// Unconfirmed says why the outcomes are not confirmed: payments were
	// accepted for later processing and no ledger audit resolved them
	// (verdict unconfirmed).
	Unconfirmed string `json:"unconfirmed,omitempty"`
	// Warnings are worth reading but do not change the verdict.
	Warnings []string `json:"warnings,omitempty"`

	// confirmed are the statuses at which a decline was read from the body
	// by a response rule (a JSON match): such a decline is the service's
	// business answer, not a malformed request, whatever its status.
	confirmed [600]bool
	// collided are the keys whose first attempt the service knew already;
	// tapped the keys of double taps, whose second submission may overtake
	// the first (then the first is the "duplicate", and no collision).
	collided []string
	tapped   map[string]bool
}

// finish counts the first attempts answered as duplicates whose key no
// double tap of this run could explain: the keys collide with an earlier
// run's.
func (v *Validity) finish() {
	for _, k := range v.collided {
		if !v.tapped[k] {
			v.FirstDuplicates++
		}
	}
	v.collided, v.tapped = nil, nil
}

// newValidity trusts the declines that the scenario's response rules
// confirm from the body: a service that declines with 400 and a message
// (insufficient funds) is not a test whose requests were wrong.
func newValidity(r scenario.ResponseRules) Validity {
	var v Validity
	for _, rule := range r.Rules {
		if rule.JSON == nil || rule.Outcome != string(record.Declined) {
			continue
		}
		for c := range v.confirmed {
			if len(rule.Status) == 0 || slices.Contains(rule.Status, c) {
				v.confirmed[c] = true
			}
		}
	}
	return v
}

// The limits of a valid test.
const (
	// MinSentRatio is the share of the payments due that must have been
	// sent and answered.
	MinSentRatio = 0.9
	// DefaultMaxRejectedRatio is slo.max_rejected_ratio when unset.
	DefaultMaxRejectedRatio = 0.05
)

// requestWrong are statuses that say the request, not the payment, was
// wrong, whatever the response rules call them.
var requestWrong = map[int]bool{400: true, 401: true, 403: true, 404: true, 405: true, 406: true, 411: true,
	413: true, 414: true, 415: true, 431: true}

// add counts one attempt.
func (v *Validity) add(a *record.Attempt) {
	if a.Duplicate {
		if v.tapped == nil {
			v.tapped = map[string]bool{}
		}
		v.tapped[a.Key] = true
	}
	if a.Attempt == 1 && !a.Duplicate {
		v.FirstAttempts++
		if a.Status == http.StatusConflict || a.Outcome == record.Duplicate {
			v.collided = append(v.collided, a.Key)
		}
	}
	wrong := requestWrong[a.Status] && !(a.Outcome == record.Declined && a.Status < len(v.confirmed) && v.confirmed[a.Status])
	if a.Final && (a.Outcome == record.Rejected || wrong) {
		v.ClientErrors++
		if v.ByStatus == nil {
			v.ByStatus = map[int]int{}
		}
		v.ByStatus[a.Status]++
	}
}

// due is how many payments the schedule had due when the load stopped.
func due(r *Run) uint64 {
	m := r.Meta
	if m.Status == rundir.StatusCompleted {
		return m.Planned
	}
	at := m.StoppedS
	if at == 0 && m.BaseUnixNano != 0 && !m.Ended.IsZero() { // stopped by an error: as late as it could be
		at = m.Ended.Sub(time.Unix(0, m.BaseUnixNano)).Seconds()
	}
	return min(m.Planned, uint64(r.Plan.Hits(secs(at))))
}

// invalidReasons says why the summarised run is not a valid test, if it is
// not. Pure over the summary, like the verdict.
func invalidReasons(s *Summary) []string {
	v, q := s.Validity, s.Requests
	var out []string
	sent := min(q.Sent, uint64(q.Payments))
	answered := q.Payments - q.Timeout - q.ConnError
	switch {
	case sent == 0:
		out = append(out, fmt.Sprintf("nothing was sent (0 of %d payments due): check the target and the request templates", v.Due))
	case float64(sent) < MinSentRatio*float64(v.Due):
		out = append(out, fmt.Sprintf("sent %d of the %d payments due (%.0f%%, at least %.0f%% needed): the numbers describe the load generator, not the service",
			sent, v.Due, 100*float64(sent)/float64(v.Due), 100*MinSentRatio))
	case answered == 0:
		out = append(out, fmt.Sprintf("none of %d payments got an answer (all timed out or failed to connect): check the target's address", q.Payments))
	}
	if bad := v.ClientErrors + unmappedApprovals(v.Unmapped); answered > 0 && float64(bad) > v.MaxRejectedRatio*float64(answered) {
		out = append(out, rejectedReason(v, bad, answered))
	}
	if v.FirstDuplicates > 0 && 2*v.FirstDuplicates > v.FirstAttempts {
		out = append(out, collision(v))
	}
	out = append(out, preexisting(s)...)
	return append(out, shardReasons(s.Shards)...)
}

// preexisting says that the ledger held keys of the run before it began
// (audit.Preexisting): the audit left them out, and the run tested an
// earlier run's data as much as the service.
func preexisting(s *Summary) []string {
	if a := s.Audit; a != nil && a.Preexisting != nil && a.Preexisting.Count > 0 {
		return []string{a.Preexisting.Reason()}
	}
	return nil
}

// collision says that keys were already known to the service.
func collision(v Validity) string {
	return fmt.Sprintf("%d of %d first attempts were answered as duplicates: the keys collide with an earlier run's; "+
		"leave requests.key_prefix unset so that each run sends keys of its own, or reset the service's data", v.FirstDuplicates, v.FirstAttempts)
}

// warnings are what the reader should know that does not change the verdict.
// StealWarn is the mean hypervisor steal, in percent of the machine's CPU
// time, from which a run is warned about it.
const StealWarn = 5.0

func warnings(s *Summary) []string {
	var out []string
	if v := s.Validity; v.FirstDuplicates > 0 && 2*v.FirstDuplicates <= v.FirstAttempts {
		out = append(out, collision(v))
	}
	if n := s.Requests.Truncated; n > 0 {
		out = append(out, fmt.Sprintf("%d answers were longer than requests.client.max_answer_bytes: each was classified by its status "+
			"and the part that was read, and its connection closed", n))
	}
	if g := s.Generator; g.HostStealMeanPct >= StealWarn {
		out = append(out, fmt.Sprintf("the hypervisor gave %.0f%% of this machine's CPU time to other machines during the run (up to %.0f%% in a second): "+
			"latency and recovery times include them; compare runs made at low steal, or on a machine of your own", g.HostStealMeanPct, g.HostStealMaxPct))
	}
	if q := s.Requests; q.Approved == 0 && q.Declined > 0 && q.Declined*2 > q.Payments {
		out = append(out, fmt.Sprintf("no payment was approved (%d of %d declined): the approval path was not tested; "+
			"check that the accounts exist in the service (setup) and have credit", q.Declined, q.Payments))
	}
	return out
}

// unconfirmed says why outcomes are unconfirmed: some payments were accepted
// for later processing and no ledger audit confirmed what became of them.
func unconfirmed(s *Summary) string {
	if st := s.Settle; st != nil { // final states are told: what was not told in time is the failure
		if st.Unsettled == 0 {
			return ""
		}
		why := "notifications lost or late"
		switch {
		case st.Polls > 0 && st.Notifications == 0:
			why = "no poll of the status endpoint found one (lost or late, or target.status reads the wrong place)"
		case st.Polls > 0:
			why = "neither a notification nor a poll told one"
		}
		return fmt.Sprintf("%d of %d payments answered pending never reached a final state within %gs (target.settle): %s",
			st.Unsettled, st.Pending, st.LimitS, why)
	}
	n := s.Requests.Pending
	a := s.Audit
	if n == 0 || a != nil && a.Checked && !a.Inconclusive {
		return ""
	}
	why := "no ledger was audited"
	if a != nil {
		why = "the ledger audit was inconclusive"
	}
	return fmt.Sprintf("%d of %d payments were accepted for later processing and %s: what became of them is unknown, "+
		"so the approvals and the failure ratio are unconfirmed", n, s.Requests.Payments, why)
}

func byStatus(m map[int]int) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		return m[codes[i]] > m[codes[j]] || m[codes[i]] == m[codes[j]] && codes[i] < codes[j]
	})
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %d", c, m[c]))
	}
	return "status " + strings.Join(parts, ", ")
}
