package analysis

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/svcmetrics"
)

// Series are a run's time series on its two axes.
type Series struct {
	// Send puts each payment in the bucket of its scheduled send: what the
	// user asked for, and when.
	Send []Bucket `json:"buckets"`
	// Answer puts each payment in the bucket of its answer, or of the
	// moment it had waited longer than the health rule's latency limit:
	// what the service's own dashboards draw, and where impact is judged.
	Answer []Bucket `json:"by_answer"`
}

// Analyze computes the summary and the time series of a run, bucket wide
// (1 s by default, down to 100 ms).
func Analyze(r *Run, bucket time.Duration) (*Summary, *Series, error) {
	if bucket < 100*time.Millisecond {
		return nil, nil, fmt.Errorf("bucket %s: at least 100ms", bucket)
	}
	m := r.Meta
	var windows []*window
	for _, p := range r.Plan.Spans() {
		windows = append(windows, sendWindow(p.Start, p.End))
	}
	events := append(spikes(r), r.Timeline...)
	slo := r.Scenario.SLO
	var sloP99 *float64
	if slo.P99 != nil {
		v := float64(slo.P99.D()) / float64(time.Millisecond)
		sloP99 = &v
	}
	bs := bucket.Seconds()
	sus := suspects(events, r.Scenario.Requests.Client.Timeout.D().Seconds())
	first := firstStart(sus)
	health := healthRule(r, bucket, first, slo.FailureRatio, sloP99)
	for k := range events {
		windows = append(windows, faultWindows(sus, k)...)
	}
	p, err := read(r, bucket, windows, sus, limitOf(health))
	if err != nil {
		return nil, nil, err
	}
	if math.IsInf(first, 1) { // nothing to judge: the rule is the whole run's, for the record
		health = baseline(p.answered.rows, first, bs, slo.FailureRatio, sloP99)
	}
	total := p.total.stats()
	s := &Summary{Schema: SchemaVersion, Scenario: m.Scenario, Description: r.Scenario.Description, Seed: m.Seed,
		RunID: m.RunID, Status: m.Status, Reason: m.Reason, Warnings: m.Warnings, Target: m.Target, DurationS: round(r.Plan.Duration().Seconds(), 3),
		BucketS: bs, FailureRatio: total.FailureRatio, Latency: total.Latency, ServiceLatency: percentiles(p.service),
		Requests: Requests{Planned: m.Planned, Sent: m.Sent, Attempts: p.attempts.Total(), Retries: p.retries,
			Payments: total.Payments, Truncated: m.AnswersTruncated, Outcomes: total.Outcomes},
		ErrorClarity: p.clarity, Declines: p.declines, DeclineCodes: p.decCodes.sorted(), Flows: p.flows.stats(), Health: health}
	s.ErrorClarity.close()
	for i, sp := range r.Plan.Spans() {
		w := windows[i]
		ps := PhaseStats{Name: sp.Name, Shape: sp.Shape, StartS: round(sp.StartS, 3), EndS: round(sp.EndS, 3),
			Offered: round(sp.Hits, 3), Sent: w.sent, Stats: w.acc.stats()}
		if sp.Hits > 0 {
			ps.AchievedRatio = round(float64(w.sent)/sp.Hits, 4)
		}
		s.Phases = append(s.Phases, ps)
	}
	recs := judgeFaults(events, sus, p.series, &p.answered, bs, slo.RecoveredAfter.D().Seconds(), s.Health)
	fw := windows[len(r.Plan.Spans()):]
	decs := p.settle.decisions(r, sus, bs, slo.RecoveredAfter.D().Seconds())
	for i, e := range events {
		start, end := faultSpan(e)
		s.Faults = append(s.Faults, FaultStats{Name: e.Name, Kind: e.Kind, Family: e.Family, Target: e.Target, TimelineState: e.State,
			InjectError: e.InjectError, StartS: round(start, 3), EndS: round(end, 3), Recovery: recs[i],
			Before: fw[3*i].acc.stats(), During: fw[3*i+1].acc.stats(), After: fw[3*i+2].acc.stats()})
		if decs != nil {
			s.Faults[i].Decisions = decs[i]
		}
	}
	s.Settle = p.settle.stats(r, events)
	s.Generator = generator(r, p)
	if m := r.Scenario.Target.MetricsSource(); m != nil && len(r.Service) > 0 {
		s.ServiceMetrics = svcmetrics.Summarize(r.Service, m.Latency, m.InFlight)
	}
	if s.Audit, err = runAudit(r); err != nil {
		return nil, nil, fmt.Errorf("audit: %w", err)
	}
	s.SLO = judge(r, s)
	p.validity.finish()
	s.Validity = p.validity
	s.Validity.Due, s.Validity.MaxRejectedRatio, s.Validity.Unmapped = due(r), DefaultMaxRejectedRatio, p.mapping.list()
	if m := slo.MaxRejectedRatio; m != nil {
		s.Validity.MaxRejectedRatio = *m
	}
	s.Shards = shardStats(m)
	s.Validity.Reasons, s.Validity.Warnings, s.Validity.Unconfirmed = invalidReasons(s), warnings(s), unconfirmed(s)
	s.Verdict, s.ExitCode = verdict(s)
	judgeDamage(s, damaged(r, p))
	return s, &Series{Send: p.series, Answer: p.answered.rows}, nil
}

// runAudit checks the money invariants when the run saved a ledger
// snapshot, reports the audit inconclusive when taking one failed, and
// every invariant unchecked when no ledger source was configured.
func runAudit(r *Run) (*audit.Result, error) {
	attempts := filepath.Join(r.Dir, rundir.AttemptsFile)
	if why, err := os.ReadFile(filepath.Join(r.Dir, rundir.LedgerErrorFile)); err == nil {
		res, err := audit.Unresolved(attempts, strings.TrimSpace(string(why)))
		return &res, err
	}
	if why, err := os.ReadFile(filepath.Join(r.Dir, rundir.LedgerNoneFile)); err == nil {
		res, err := audit.NotConfigured(attempts, strings.TrimSpace(string(why)))
		return &res, err
	}
	l, err := audit.ReadLedger(filepath.Join(r.Dir, rundir.LedgerFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	res, err := audit.Check(attempts, l, r.Timeline, time.Unix(0, r.Meta.BaseUnixNano))
	return &res, err
}

// faultSpan is when a fault was actually in force: from the end of its
// inject call to the end of its revert call, falling back to the plan.
func faultSpan(e faultEvent) (float64, float64) {
	start, end := e.PlannedStartS, e.PlannedEndS
	if e.ActiveS != nil {
		start = *e.ActiveS
	}
	if e.RevertedS != nil {
		end = *e.RevertedS
	}
	return start, end
}

// spikes are the peaks of spike phases, judged like faults (family
// traffic): how the service took the surge and how long it needed after it.
func spikes(r *Run) []faultEvent {
	var out []faultEvent
	for i, sp := range r.Plan.Spans() {
		ph := r.Scenario.Traffic.Phases[i]
		if ph.Shape != "spike" {
			continue
		}
		rise, hold := ph.Rise.D().Seconds(), ph.Hold.D().Seconds()
		start := sp.StartS + (ph.Duration.D().Seconds()-2*rise-hold)/2
		end := start + 2*rise + hold
		out = append(out, faultEvent{ID: fmt.Sprintf("spike%d", i), Name: sp.Name, Kind: "spike", Family: "traffic",
			PlannedStartS: start, PlannedEndS: end, ActiveS: &start, RevertedS: &end, State: "reverted"})
	}
	return out
}

// nextFault names a fault that began after e ended but before a recovery
// could have been seen: then e's recovery is hidden by it.
func nextFault(tl []faultEvent, e faultEvent, end, recoveredAfter float64) string {
	for _, o := range tl {
		if st, _ := faultSpan(o); o.ID != e.ID && st >= end && st < end+recoveredAfter+1 {
			return "fault " + o.Name + " began before a recovery could be seen"
		}
	}
	return ""
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// generator judges the load generator from its send lag and CPU.
func generator(r *Run, p *pass) Generator {
	g := Generator{Trustworthy: true, SendLag: percentiles(p.lag), CPUs: r.Meta.Generator.CPUs}
	steal, seconds := 0.0, 0
	for _, smp := range r.Samples {
		if smp.Kind == "generator" {
			g.CPUMaxPct = math.Max(g.CPUMaxPct, round(smp.CPUPct, 1))
			g.HostStealMaxPct = math.Max(g.HostStealMaxPct, round(smp.HostSteal, 1))
			steal, seconds = steal+smp.HostSteal, seconds+1
		}
	}
	if seconds > 0 {
		g.HostStealMeanPct = round(steal/float64(seconds), 1)
	}
	saturated, n := 0, 0
	for _, smp := range r.Samples {
		if smp.Kind == "generator" {
			n++
			if g.CPUs > 0 && smp.CPUPct >= 0.9*float64(g.CPUs)*100 {
				saturated++
			}
		}
	}
	var reasons []string
	if g.SendLag.P99 > 100 || g.SendLag.Max > 1000 {
		reasons = append(reasons, fmt.Sprintf("sends fell behind the schedule (lag p99 %.0f ms, max %.0f ms)", g.SendLag.P99, g.SendLag.Max))
	}
	if n > 0 && saturated*10 > n {
		reasons = append(reasons, fmt.Sprintf("the generator's CPU was saturated in %d of %d seconds", saturated, n))
	}
	if r.Meta.Status == rundir.StatusCompleted && r.Meta.Sent < r.Meta.Planned {
		reasons = append(reasons, fmt.Sprintf("sent %d of %d planned payments", r.Meta.Sent, r.Meta.Planned))
	}
	sort.Strings(reasons)
	g.Reasons, g.Trustworthy = reasons, len(reasons) == 0
	return g
}
