package run

import (
	"fmt"
	"sync/atomic"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// startLive tells the live metrics exporter, if there is one, about the run:
// its schedule, its faults as the timeline names them, and its stop state.
func startLive(e *live.Exporter, s *scenario.Scenario, tl *fault.Timeline, plan *traffic.Plan, mon *monitor, stopping *atomic.Bool) {
	if e == nil {
		return
	}
	r := live.Run{Plan: plan, Active: tl.Active,
		Fired: func() (int, bool) { return mon.firedCondition(), stopping.Load() }}
	for _, ev := range tl.Events() {
		r.Faults = append(r.Faults, live.Fault{Name: ev.Name, Kind: ev.Kind, Target: ev.Target})
	}
	for _, c := range s.StopWhen {
		r.StopConditions = append(r.StopConditions, stopLabel(c))
	}
	e.Start(r)
}

// stopLabel describes a stop condition as the scenario says it.
func stopLabel(c scenario.StopCondition) string {
	switch {
	case c.FailureRatio != nil:
		return fmt.Sprintf("failure_ratio > %g for %s", *c.FailureRatio, c.For.D())
	case c.P99 != nil:
		return fmt.Sprintf("p99 > %s for %s", c.P99.D(), c.For.D())
	}
	return "for " + c.For.D().String()
}
