package verdict

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// limit is a search at cpus that passed up to sustainable and failed at
// next, with use the failing step's figures.
func limit(cpus, sustainable, next float64, u *rundir.StepUse) rundir.CapacityLimit {
	fail := step(next, false, u)
	fail.Throughput = 0.9 * next
	return rundir.CapacityLimit{CPUs: cpus, Sustainable: sustainable, PerCore: sustainable / cpus, Steps: []rundir.CapacityStep{
		step(sustainable/2, true, use([]float64{20, 20}, 0.1, 2, 0.1, cpus, 0)),
		step(sustainable, true, use([]float64{40, 40}, 0.2, 2, 0.8*cpus, cpus, 0)),
		fail,
	}}
}

// The figures issue 23 measured: 0.5 CPU 338/s, 1 CPU 475/s, 2 CPUs 288/s.
// With the host saturated at 1 and 2 CPUs, 2 CPUs is flagged rather than
// reported, and no cores are extrapolated from either.
func TestJudgeIssue23(t *testing.T) {
	c := &rundir.Capacity{TargetRate: 1500, Limits: []rundir.CapacityLimit{
		limit(0.5, 338, 400, use([]float64{70, 65}, 0.3, 2, 0.49, 0.5, 40)),
		limit(1, 475, 550, use([]float64{97, 95}, 0.6, 2, 0.92, 1, 20)),
		limit(2, 288, 350, use([]float64{99, 98}, 0.6, 2, 1.1, 2, 0)),
	}}
	Judge(c)
	want := []string{ServiceLimited, HostLimited, HostLimited}
	for i, l := range c.Limits {
		if l.Binding != want[i] {
			t.Errorf("%g CPUs: %s (%s), want %s", l.CPUs, l.Binding, l.BindingWhy, want[i])
		}
	}
	if len(c.Flags) != 1 || !strings.HasPrefix(c.Flags[0], "2 CPUs sustained less than 1 (288/s < 475/s): the host was saturated") {
		t.Errorf("flags %q", c.Flags)
	}
	if c.Limits[0].Flag != "" || c.Limits[1].Flag != "" || c.Limits[2].Flag == "" {
		t.Errorf("flagged the wrong limits: %+v", c.Limits)
	}
	// only 0.5 CPUs is the service's own figure: 676/s per core
	if c.CoresNeeded != 2.3 || !strings.HasPrefix(c.PerCoreBasis, "0.5 CPUs") || c.NoPlan != "" {
		t.Errorf("plan: %.1f cores (%s), no plan %q", c.CoresNeeded, c.PerCoreBasis, c.NoPlan)
	}
}

// With no limit the service itself bound, nothing is extrapolated and the
// report says why, limit by limit.
func TestPlanRefusesHostAndGenerator(t *testing.T) {
	late := use([]float64{60, 50}, 0.95, 1, 0.3, 1, 0)
	c := &rundir.Capacity{TargetRate: 1500, Limits: []rundir.CapacityLimit{
		limit(0.5, 300, 400, use([]float64{95, 92}, 0.6, 2, 0.45, 0.5, 0)),
		limit(1, 600, 800, late),
	}}
	Judge(c)
	if c.CoresNeeded != 0 || !strings.Contains(c.NoPlan, "0.5 CPUs was host-limited") || !strings.Contains(c.NoPlan, "1 CPUs was generator-limited") {
		t.Errorf("plan %.1f cores, no plan %q", c.CoresNeeded, c.NoPlan)
	}
	if len(c.Flags) != 0 {
		t.Errorf("monotone figures flagged: %q", c.Flags)
	}
	if h := c.Limits[1].HeadroomRatio; h == nil || *h != -0.6 {
		t.Errorf("headroom of 600/s against 1500/s: %v", h)
	}
}

// A limit whose every step passed is bound by nothing within the search.
func TestBoundWhenEveryStepPassed(t *testing.T) {
	l := rundir.CapacityLimit{CPUs: 1, Sustainable: 800, Ceiling: true, Steps: []rundir.CapacityStep{
		step(400, true, use([]float64{20, 20}, 0.1, 2, 0.1, 1, 0)), step(800, true, use([]float64{30, 30}, 0.1, 2, 0.2, 1, 0))}}
	if b, why := Bound(l, nil); b != NotLimited || !strings.Contains(why, "up to 800/s") {
		t.Errorf("bound %s (%s)", b, why)
	}
}
