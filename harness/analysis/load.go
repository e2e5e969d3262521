// Package analysis turns a saved run directory into what a performance
// engineer needs: outcome counts (a decline is not a failure), latency from
// the scheduled send time, time series, per-phase and per-fault statistics,
// time to impact and to recovery, error clarity, the load generator's
// health, and SLO verdicts. Everything here is a pure function of the run
// directory, so `authquake report DIR` recomputes it byte for byte.
package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
	"github.com/authquake/authquake/harness/traffic"
)

// Run is a saved run, read back.
type Run struct {
	Dir      string
	Meta     *rundir.Meta
	Scenario *scenario.Scenario // as it ran: scaled
	Plan     *traffic.Plan
	Timeline []rundir.Event
	Samples  []rundir.Sample
	// Damaged names each file that was cut short or corrupt, and how far
	// it was read; the analysis then cannot give a verdict.
	Damaged []string
	// Service are the scrapes of the service's own metrics; nil when none were taken.
	Service []svcmetrics.Scrape
}

// Load reads a run directory.
func Load(dir string) (*Run, error) {
	meta, err := rundir.ReadMeta(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	// Decoded as it ran. The target module's checks and defaults are not
	// asked: the copy passed them when it ran, and what they add (the
	// ledger source) is not the analysis's; so no module, and no Docker,
	// is needed to judge a run.
	s, src, err := scenario.Load(rundir.Path(dir, rundir.ScenarioFile))
	if err != nil {
		return nil, fmt.Errorf("scenario copy: %w", err)
	}
	if !(meta.DurationScale > 0 && meta.DurationScale <= 100) && meta.DurationScale != 0 { // NaN fails too
		return nil, fmt.Errorf("%s: duration_scale %g is not from 0 to 100", rundir.MetaFile, meta.DurationScale)
	}
	s.Scale(meta.DurationScale)
	if probs := s.CheckLimits(src); len(probs) > 0 {
		return nil, fmt.Errorf("scenario copy scaled by %g: %w", meta.DurationScale, probs)
	}
	s.Seed = meta.Seed
	r := &Run{Dir: dir, Meta: meta, Scenario: s, Plan: traffic.NewPlan(s.Traffic.Phases)}
	var damage [2]string
	r.Timeline, damage[0] = rundir.ReadTimeline(dir)
	r.Samples, damage[1] = rundir.ReadSamples(dir)
	for _, d := range damage {
		if d != "" {
			r.Damaged = append(r.Damaged, d)
		}
	}
	// The service's own metrics are beside the point of the verdict, but a
	// damaged file is said, like any other.
	if r.Service, err = svcmetrics.Read(filepath.Join(dir, rundir.ServiceMetricsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.Damaged = append(r.Damaged, fmt.Sprintf("%s: %v", rundir.ServiceMetricsFile, err))
	}
	return r, nil
}
