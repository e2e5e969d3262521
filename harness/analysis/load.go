// Package analysis turns a saved run directory into what a performance
// engineer needs: outcome counts (a decline is not a failure), latency from
// the scheduled send time, time series, per-phase and per-fault statistics,
// time to impact and to recovery, error clarity, the load generator's
// health, and SLO verdicts. Everything here is a pure function of the run
// directory, so `authquake report DIR` recomputes it byte for byte.
package analysis

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/traffic"
)

// Run is a saved run, read back.
type Run struct {
	Dir      string
	Meta     *run.Meta
	Scenario *scenario.Scenario // as it ran: scaled
	Plan     *traffic.Plan
	Timeline []fault.Event
	Samples  []run.Sample
}

// Load reads a run directory.
func Load(dir string) (*Run, error) {
	meta, err := run.ReadMeta(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	s, _, err := target.Load(filepath.Join(dir, run.ScenarioFile)) // decoded as it ran
	if err != nil {
		return nil, fmt.Errorf("scenario copy: %w", err)
	}
	s.Scale(meta.DurationScale)
	s.Seed = meta.Seed
	r := &Run{Dir: dir, Meta: meta, Scenario: s, Plan: traffic.NewPlan(s.Traffic.Phases)}
	if b, err := os.ReadFile(filepath.Join(dir, run.TimelineFile)); err == nil {
		if err := json.Unmarshal(b, &r.Timeline); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
	}
	if f, err := os.Open(filepath.Join(dir, run.SamplesFile)); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var s run.Sample
			if json.Unmarshal(sc.Bytes(), &s) == nil {
				r.Samples = append(r.Samples, s)
			}
		}
	}
	return r, nil
}
