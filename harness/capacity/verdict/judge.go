package verdict

import (
	"fmt"
	"math"
	"strings"

	"github.com/authquake/authquake/harness/rundir"
)

// Judge fills in c's verdicts from its saved steps alone: each step's
// binding (Classify), each limit's binding (Bound), knee (Knee) and flag
// (Monotone), and what the target rate needs (Plan). It replaces whatever
// verdicts c held, so a capacity.json can be judged again.
func Judge(c *rundir.Capacity) {
	for i := range c.Limits {
		l := &c.Limits[i]
		for j := range l.Steps {
			l.Steps[j].Binding, l.Steps[j].BindingWhy = Classify(l.Steps[j], c.Cpuset)
		}
		l.Binding, l.BindingWhy = Bound(*l, c.Cpuset)
		l.Knee, l.KneeP99MS, l.KneeNote = Knee(l.Steps)
	}
	c.Flags = Monotone(c.Limits)
	Plan(c)
}

// Bound is a limit's binding: that of the step that bounded its search,
// the lowest-rate step above the sustainable rate that did not pass. When
// every step passed, nothing bound it within the search.
func Bound(l rundir.CapacityLimit, split *rundir.CapacityCpuset) (binding, why string) {
	var bound *rundir.CapacityStep
	top := 0.0
	for i, st := range l.Steps {
		top = math.Max(top, st.Rate)
		if !st.Pass && st.Rate > l.Sustainable && (bound == nil || st.Rate < bound.Rate) {
			bound = &l.Steps[i]
		}
	}
	if bound == nil {
		return NotLimited, fmt.Sprintf("every step passed, up to %.0f/s: the search ended before any limit", top)
	}
	b, w := bound.Binding, bound.BindingWhy
	if b == "" {
		b, w = Classify(*bound, split)
	}
	return b, fmt.Sprintf("at %.0f/s: %s", bound.Rate, w)
}

// Monotone flags, in each limit's Flag and in the list it returns, every
// limit that sustained less than a smaller CPU limit: such a figure is not
// a finding about the service, and its binding says what it was instead.
func Monotone(limits []rundir.CapacityLimit) []string {
	var flags []string
	for j := range limits {
		l := &limits[j]
		l.Flag = ""
		var worse *rundir.CapacityLimit
		for i := range limits {
			o := &limits[i]
			if o.CPUs < l.CPUs && l.Sustainable < o.Sustainable && (worse == nil || o.Sustainable > worse.Sustainable) {
				worse = o
			}
		}
		if worse == nil {
			continue
		}
		l.Flag = fmt.Sprintf("%g CPUs sustained less than %g (%.0f/s < %.0f/s): %s", l.CPUs, worse.CPUs, l.Sustainable, worse.Sustainable, reason(l))
		flags = append(flags, l.Flag)
	}
	return flags
}

// reason says, from a flagged limit's binding, why its figure fell.
func reason(l *rundir.CapacityLimit) string {
	switch l.Binding {
	case HostLimited:
		return "the host was saturated (" + l.BindingWhy + ")"
	case GeneratorLimited:
		return "the generator could not offer the rate (" + l.BindingWhy + ")"
	case ServiceLimited:
		return "the service's own limit bound it, so the drop is noise or other work on the machine: repeat the search (" + l.BindingWhy + ")"
	}
	return "no CPU figure explains it (" + l.Binding + ": " + l.BindingWhy + "): repeat the search"
}

// Plan works out what the target rate needs: each limit's headroom
// against it and, from the best rate per core among the limits the service
// itself bound (service-limited, not flagged, not a ceiling), the cores it
// needs. With no such limit it estimates nothing and NoPlan says why.
func Plan(c *rundir.Capacity) {
	c.CoresNeeded, c.CoresWith30, c.PerCoreBasis, c.NoPlan = 0, 0, "", ""
	if c.TargetRate <= 0 {
		return
	}
	best := 0.0
	var refused []string
	for i := range c.Limits {
		l := &c.Limits[i]
		h := math.Round((l.Sustainable/c.TargetRate-1)*1000) / 1000
		l.HeadroomRatio = &h
		if l.CPUs > 0 && l.PerCore == 0 {
			l.PerCore = math.Round(l.Sustainable / l.CPUs)
		}
		switch {
		case l.Flag != "":
			refused = append(refused, fmt.Sprintf("%g CPUs is flagged (%s)", l.CPUs, l.Flag))
		case l.Binding != ServiceLimited:
			refused = append(refused, fmt.Sprintf("%g CPUs was %s (%s)", l.CPUs, l.Binding, l.BindingWhy))
		case l.Ceiling:
			refused = append(refused, fmt.Sprintf("%g CPUs is a floor: the search ran out first", l.CPUs))
		case l.PerCore > best:
			best, c.PerCoreBasis = l.PerCore, fmt.Sprintf("%g CPUs: %.0f/s per core, service-limited", l.CPUs, l.PerCore)
		}
	}
	if best == 0 {
		c.NoPlan = fmt.Sprintf("no cores estimated for %.0f/s: no limit's figure was the service's own: %s", c.TargetRate, strings.Join(refused, "; "))
		return
	}
	c.CoresNeeded = math.Ceil(c.TargetRate/best*10) / 10
	c.CoresWith30 = math.Ceil(1.3*c.TargetRate/best*10) / 10
}
