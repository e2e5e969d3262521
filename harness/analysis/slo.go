package analysis

import (
	"strings"
	"time"

	"github.com/authquake/authquake/harness/rundir"
)

type faultEvent = rundir.Event

// judge gives each SLO rule of the scenario its verdict.
func judge(r *Run, s *Summary) []SLOResult {
	slo := r.Scenario.SLO
	var out []SLOResult
	val := func(v float64) *float64 { return &v }
	if slo.FailureRatio != nil {
		out = append(out, SLOResult{Name: "failure_ratio", Value: val(s.FailureRatio), Limit: *slo.FailureRatio,
			Pass: s.FailureRatio <= *slo.FailureRatio})
	}
	if slo.P99 != nil {
		limit := float64(slo.P99.D()) / float64(time.Millisecond)
		out = append(out, SLOResult{Name: "p99_ms", Value: val(s.Latency.P99), Limit: limit, Pass: s.Latency.P99 <= limit})
	}
	if slo.TimeToRecover != nil {
		res := SLOResult{Name: "time_to_recover_s", Limit: slo.TimeToRecover.D().Seconds(), Pass: true}
		worst := 0.0
		for _, f := range s.Faults {
			switch {
			case f.State == "skipped":
			case len(f.HiddenBy) > 0 && !f.Recovered:
				res.Pass, res.Note = false, "the recovery of fault "+f.Name+" was hidden by "+strings.Join(f.HiddenBy, ", ")+
					": it could not be measured (space the faults by recovered_after and the service's latency)"
			case !f.Recovered:
				res.Pass, res.Note = false, "fault "+f.Name+" did not recover"
			case f.TimeToRecoverS != nil && *f.TimeToRecoverS > worst:
				worst = *f.TimeToRecoverS
			}
			// An asynchronous service recovers when its decisions are in time again too.
			switch d := f.Decisions; {
			case res.Note != "":
			case d.NotRecovered() && len(d.HiddenBy) > 0:
				res.Pass, res.Note = false, "the recovery of fault "+f.Name+"'s decisions was hidden by "+strings.Join(d.HiddenBy, ", ")+
					": it could not be measured (space the faults by recovered_after and the time to a decision)"
			case d.NotRecovered():
				res.Pass, res.Note = false, "the decisions of fault "+f.Name+" did not recover (in time again)"
			case d != nil && d.Impact && d.TimeToRecoverS != nil && *d.TimeToRecoverS > worst:
				worst = *d.TimeToRecoverS
			}
		}
		if res.Note == "" {
			res.Value, res.Pass = val(worst), worst <= res.Limit
		}
		out = append(out, res)
	}
	if slo.SettleP99 != nil {
		res := SLOResult{Name: "settle_p99_ms", Limit: float64(slo.SettleP99.D()) / float64(time.Millisecond)}
		switch st := s.Settle; {
		case st == nil || st.Settled == 0:
			res.Note = "no payment answered pending reached a final state"
			res.Pass = st != nil && st.Pending == 0
		default:
			res.Value, res.Pass = val(st.LatencyMS.P99), st.LatencyMS.P99 <= res.Limit
		}
		out = append(out, res)
	}
	if slo.AchievedRate != nil {
		ratio := 0.0
		if s.Requests.Planned > 0 {
			ratio = round(float64(s.Requests.Sent)/float64(s.Requests.Planned), 4)
		}
		out = append(out, SLOResult{Name: "achieved_rate", Value: val(ratio), Limit: *slo.AchievedRate, Pass: ratio >= *slo.AchievedRate})
	}
	return out
}

// verdict maps the run's status, its validity and the SLO results to the
// verdict and its documented exit code, the first that holds of:
//
//	invariant_broken 3 > aborted 4 > invalid_test 1 > audit_inconclusive 1
//	> unconfirmed 1 > slo_breached 1 > pass 0
func verdict(s *Summary) (string, int) {
	if s.Audit != nil && len(s.Audit.Violations) > 0 && !(len(s.Audit.Violations) == 1 && s.Audit.Violations[0].Invariant == "I8") {
		return VerdictInvariant, 3 // whatever the SLOs said
	}
	if s.Status != rundir.StatusCompleted {
		return VerdictAborted, 4
	}
	if len(invalidReasons(s)) > 0 {
		return VerdictInvalid, 1 // the SLOs judged the test, not the service
	}
	if s.Audit != nil && s.Audit.Inconclusive {
		return VerdictInconclusive, 1
	}
	if unconfirmed(s) != "" {
		return VerdictUnconfirmed, 1
	}
	for _, r := range s.SLO {
		if !r.Pass {
			return VerdictSLOBreached, 1
		}
	}
	return VerdictPass, 0
}
