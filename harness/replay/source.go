// Package replay re-runs a saved run as it happened, and holds what replay
// and shrink share: the scenario as a YAML document (Doc), the run as read
// back from its directory (Open), the scenario that replays it (ReplayDoc),
// and a Runner that runs one scenario file as `authquake run` does:
//
//	run directory ──Open──> Run ──ReplayDoc──> Doc (seed, bugs, actual fault instants)
//	                                           │ written to a file
//	                                           v
//	                          Runner.Run (run.Run, analysis, reports) ──> Result
//	                                           │
//	                          Compare(original, Result): reproduced? new finding?
//
// A replay is a fresh run: its own target, keys of its own (the same
// payments: every payment is a function of the seed and its sequence
// number), the faults at the instants they were injected, the same
// duration scale and authsim bugs.
package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
)

// Run is a saved run read back for replay and shrink.
type Run struct {
	Dir string
	// Run is the run directory as the analysis reads it: run.json, the
	// scenario as it ran (scaled), the fault timeline.
	*analysis.Run
	// Doc is the scenario file as it was given (scenario.yaml).
	Doc *Doc
	// Broken are the invariants its audit found broken, recomputed from
	// the directory; empty for a clean run.
	Broken []audit.Violation
	// Payments is how many payments its schedule planned.
	Payments uint64
}

// Open reads a run directory and recomputes its audit.
func Open(dir string) (*Run, error) {
	r, err := analysis.Load(dir)
	if err != nil {
		return nil, err
	}
	if sh := r.Meta.Shard; sh != nil {
		return nil, fmt.Errorf("%s is shard %s of a split run: replay the run its shards were merged into (authquake merge)", dir, sh.Shard)
	}
	if r.Meta.BaseUnixNano == 0 {
		return nil, fmt.Errorf("%s: the run sent nothing (status %s: %s): there is nothing to replay", dir, r.Meta.Status, r.Meta.Reason)
	}
	raw, err := os.ReadFile(filepath.Join(dir, rundir.ScenarioFile))
	if err != nil {
		return nil, err
	}
	doc, err := ParseDoc(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, rundir.ScenarioFile), err)
	}
	sum, _, err := analysis.Analyze(r, time.Second)
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", dir, err)
	}
	out := &Run{Dir: dir, Run: r, Doc: doc, Payments: r.Plan.Total()}
	if sum.Audit != nil {
		out.Broken = sum.Audit.Violations
	}
	return out, nil
}

// Invariants lists the ids of violations, in the audit's order.
func Invariants(vs []audit.Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Invariant)
	}
	return out
}

// Scale is the duration scale the run ran at (1 when unset).
func (r *Run) Scale() float64 {
	if f := r.Meta.DurationScale; f > 0 {
		return f
	}
	return 1
}

// Shards is how many shards the run was split into (1 for a single process).
func (r *Run) Shards() int {
	if n := len(r.Meta.Shards); n > 1 {
		return n
	}
	return 1
}
