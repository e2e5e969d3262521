package analysis

import (
	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/svcmetrics"
)

// SchemaVersion names the summary.json format (reports/SCHEMA.md).
const SchemaVersion = "authquake.summary/v1"

// Verdicts, each with its exit code.
const (
	VerdictPass        = "pass"             // exit 0
	VerdictSLOBreached = "slo_breached"     // exit 1
	VerdictInvariant   = "invariant_broken" // exit 3
	VerdictAborted     = "aborted"          // exit 4
	// VerdictInconclusive: the audit could not resolve every payment, so the
	// run cannot pass (exit 1).
	VerdictInconclusive = "audit_inconclusive"
	// VerdictInvalid: the run did not test the service (sent too little,
	// mostly rejected requests, keys of an earlier run): exit 1, with the
	// reasons in validity.invalid_reasons.
	VerdictInvalid = "invalid_test"
	// VerdictUnconfirmed: payments were accepted for later processing and no
	// ledger audit confirmed their outcome (exit 1).
	VerdictUnconfirmed = "unconfirmed"
)

// Summary is summary.json.
type Summary struct {
	Schema      string `json:"schema"`
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	Seed        uint64 `json:"seed"`
	RunID       string `json:"run_id"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	// Warnings are run.json's: what may make the run miss its point.
	Warnings     []string          `json:"warnings,omitempty"`
	Verdict      string            `json:"verdict"`
	ExitCode     int               `json:"exit_code"`
	Target       rundir.TargetInfo `json:"target"`
	DurationS    float64           `json:"duration_s"`
	BucketS      float64           `json:"bucket_s"`
	Requests     Requests          `json:"requests"`
	FailureRatio float64           `json:"failure_ratio"`
	Latency      Latency           `json:"latency_ms"`
	// ServiceLatency is per attempt, from the actual send: the service's own
	// view, without the client's queueing and retries.
	ServiceLatency Latency      `json:"service_latency_ms"`
	Phases         []PhaseStats `json:"phases"`
	Faults         []FaultStats `json:"faults"`
	Health         Health       `json:"health"`
	SLO            []SLOResult  `json:"slo"`
	Generator      Generator    `json:"generator"`
	ErrorClarity   ErrorClarity `json:"error_clarity"`
	// Declines counts declines by "code reason", the reason folded
	// (CodeCount); DeclineCodes has the same groups with an example each,
	// the most frequent first.
	Declines     map[string]int `json:"declines"`
	DeclineCodes []CodeCount    `json:"decline_codes,omitempty"`
	// Validity says whether the run tested the service at all.
	Validity Validity `json:"validity"`
	// Audit is the audit of money invariants; nil when the target gave no
	// ledger to audit.
	Audit *audit.Result `json:"audit"`
	// Damaged names each run file that was cut short or corrupt, and how
	// far it was read: the numbers above are partial (verdict record_damaged).
	Damaged []string `json:"damaged,omitempty"`
	// Flows are the payments' follow-up calls (capture, void, reverse), per
	// call; absent when the scenario has no flow.
	Flows []FlowStats `json:"flows,omitempty"`
	// Settle is how payments answered pending reached their final state
	// (target.webhooks, target.status); absent for a target that tells none later.
	Settle *Settle `json:"settle,omitempty"`
	// ServiceMetrics is the service's own view from its Prometheus metrics;
	// nil when none were scraped.
	ServiceMetrics *svcmetrics.Summary `json:"service_metrics,omitempty"`
	// Shards lists the shards of a merged run (authquake merge); absent
	// for a single run.
	Shards []ShardStats `json:"shards,omitempty"`
}

// Requests counts payments by final outcome, with the load's totals.
type Requests struct {
	Planned  uint64 `json:"planned"`
	Sent     uint64 `json:"sent"`
	Attempts int    `json:"attempts"`
	Retries  int    `json:"retries"`
	Payments int    `json:"payments"`
	// Truncated counts the answers longer than max_answer_bytes (run.json's answers_truncated).
	Truncated uint64 `json:"truncated,omitempty"`
	Outcomes
}

// PhaseStats is one traffic phase.
type PhaseStats struct {
	Name    string  `json:"name"`
	Shape   string  `json:"shape"`
	StartS  float64 `json:"start_s"`
	EndS    float64 `json:"end_s"`
	Offered float64 `json:"offered"`
	Sent    int     `json:"sent"`
	// AchievedRatio is sent over offered.
	AchievedRatio float64 `json:"achieved_ratio"`
	Stats
}

// FaultStats is one fault: when it was in force, and its effect.
type FaultStats struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Family string `json:"family"`
	Target string `json:"target,omitempty"`
	// TimelineState is the timeline's word (reverted, failed, skipped);
	// Recovery.State says how the fault went.
	TimelineState string  `json:"timeline_state"`
	InjectError   string  `json:"inject_error,omitempty"`
	StartS        float64 `json:"start_s"`
	EndS          float64 `json:"end_s"`
	Recovery
	// Decisions judges the fault on the decision clock of a service that
	// tells final states later (target.webhooks, target.status): nil for
	// one that answers final at once.
	Decisions *Decisions `json:"decisions,omitempty"`
	// Before are the payments answered in the fault's length before it
	// began; During those it caught (in flight at some moment it was in
	// force); After those sent in its length after its revert that no
	// fault caught.
	Before Stats `json:"before"`
	During Stats `json:"during"`
	After  Stats `json:"after"`
}

// SLOResult is one SLO rule's verdict.
type SLOResult struct {
	Name  string   `json:"name"`
	Pass  bool     `json:"pass"`
	Value *float64 `json:"value"`
	Limit float64  `json:"limit"`
	Note  string   `json:"note,omitempty"`
}

// Generator says whether the load generator kept its schedule: if not, the
// numbers describe the generator, not the service.
type Generator struct {
	Trustworthy bool     `json:"trustworthy"`
	Reasons     []string `json:"reasons,omitempty"`
	SendLag     Latency  `json:"send_lag_ms"`
	CPUMaxPct   float64  `json:"cpu_max_pct"`
	CPUs        int      `json:"cpus"`
	// HostStealMeanPct and HostStealMaxPct are the share of the machine's
	// CPU time the hypervisor gave to other machines during the run, on
	// average and in its worst second (0: none, or not measured).
	HostStealMeanPct float64 `json:"host_steal_mean_pct,omitempty"`
	HostStealMaxPct  float64 `json:"host_steal_max_pct,omitempty"`
}
