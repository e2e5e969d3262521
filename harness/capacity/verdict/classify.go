// Package verdict judges a capacity search from its saved figures alone: the
// limit that bound each step, the knee of each CPU limit, which limits are
// findings and which are not (a larger limit that sustained less), and what
// a target rate needs, extrapolated only from figures the service itself
// limited. Every function is pure over rundir.Capacity, so a capacity.json
// can be judged again without Docker.
//
//	step figures --Classify--> binding per step --Bound--> binding per limit
//	steps --Knee--> knee per limit          limits --Judge--> flags, plan
package verdict

import (
	"fmt"
	"strings"

	"github.com/authquake/authquake/harness/rundir"
)

// The binding limits of a step.
const (
	// ServiceLimited: the service's container was at its CPU limit or
	// throttled while the host had headroom: the figure is the service's.
	ServiceLimited = "service-limited"
	// HostLimited: the machine's cores were busy (HostBusy) before the
	// service reached its limit, or as it did: the figure is the machine's.
	HostLimited = "host-limited"
	// GeneratorLimited: the generator could not offer the rate (late
	// sends, sends missing, or its own CPU full) with the host not full.
	GeneratorLimited = "generator-limited"
	// NotLimited: nothing was at its limit and the step sustained its rate.
	NotLimited = "not-limited"
	// Unexplained: the step did not sustain its rate and no CPU figure
	// says why (the database's disk, locks, the network: look elsewhere).
	Unexplained = "unexplained"
	// Unknown: the step has no resource figures (an older capacity.json).
	Unknown = "unknown"
)

// Thresholds of Classify and Knee, documented in README's capacity section.
const (
	// HostBusy is the mean busy share across the host's cores, in percent,
	// at which the host has no headroom.
	HostBusy = 90.0
	// AtLimit is the share of its CPU limit at which a container is at it.
	AtLimit = 0.90
	// ThrottledShare is the share of CFS periods throttled at which a
	// container was held back by its limit even below AtLimit on average.
	ThrottledShare = 0.10
	// LagMS is the send lag p99, in ms, past which the generator was late.
	LagMS = 100.0
	// SentShare is the share of the window's scheduled hits that must have
	// left for the generator to have offered the rate.
	SentShare = 0.97
	// GeneratorBusy is the share of its cores at which the generator's own
	// CPU is full.
	GeneratorBusy = 0.90
	// Sustained is the throughput/offered ratio below which a step did not
	// sustain its rate (also the knee's).
	Sustained = 0.98
	// Steal is the mean share of the cores' time, in percent, that the
	// hypervisor gave to other machines (steal) past which a step's figures
	// are said to include them, and a step that did not sustain its rate
	// with nothing else at its limit is host-limited.
	Steal = 5.0
)

// Classify names the limit that bound one step, and the figures that say
// so; split is how the search pinned the cores (nil: nothing pinned). The
// host is full (hostFull) when its cores are HostBusy busy on average or,
// pinned, when one side's are: the generator's, the database's, or the
// service's with the service below its limit (other work on them). Rules,
// in order:
//
//	service at its limit (CPU >= AtLimit of it, or throttled >= ThrottledShare of periods)
//	    and the host not full                        -> service-limited
//	the host full                                    -> host-limited
//	send lag p99 > LagMS, sent < SentShare of scheduled,
//	    or generator CPU >= GeneratorBusy of its cores -> generator-limited
//	sustained (passed the SLO, throughput >= Sustained of offered) -> not-limited
//	hypervisor steal >= Steal of the cores' time     -> host-limited
//	otherwise                                        -> unexplained
func Classify(st rundir.CapacityStep, split *rundir.CapacityCpuset) (binding, why string) {
	u := st.Use
	if u == nil || len(u.HostBusyPct) == 0 {
		return Unknown, "no host CPU figures for this step"
	}
	hostText := fmt.Sprintf("host busy %.0f%% (%s)", mean(u.HostBusyPct), perCore(u.HostBusyPct))
	svcAt, svcText := serviceAtLimit(u.Service)
	full, fullText := hostFull(u.HostBusyPct, split, svcAt)
	stolen := mean(u.HostStealPct)
	if stolen >= Steal {
		steal := fmt.Sprintf(", of which %.0f%% the hypervisor gave to other machines (steal)", stolen)
		hostText += steal
		if full {
			fullText += steal
		}
	}
	switch {
	case svcAt && !full:
		return ServiceLimited, svcText + ", " + hostText
	case full && svcAt:
		return HostLimited, fullText + "; " + svcText + " as well: which ran out first cannot be told"
	case full:
		return HostLimited, fullText + "; " + svcText
	}
	if short, text := generatorShort(st); short {
		return GeneratorLimited, text + ", " + hostText
	}
	if sustained(st) {
		return NotLimited, fmt.Sprintf("sustained %.0f/s of %.0f/s, %s", st.Throughput, st.Rate, hostText)
	}
	if stolen >= Steal {
		return HostLimited, fmt.Sprintf("did not sustain %.0f/s with no CPU at its limit while other machines took the host's cores: %s; %s", st.Rate, hostText, svcText)
	}
	text := fmt.Sprintf("did not sustain %.0f/s (throughput %.0f/s, %s) with no CPU at its limit: %s", st.Rate, st.Throughput, strings.TrimSpace(st.Why), hostText)
	if svcText != "" {
		text += "; " + svcText
	}
	return Unexplained, text
}

// serviceAtLimit reports whether the service's container was at its CPU
// limit or throttled, with its figures ("" when none are known).
func serviceAtLimit(c *rundir.ContainerUse) (bool, string) {
	if c == nil || c.CPU == nil {
		return false, "service CPU unknown"
	}
	text := fmt.Sprintf("service %.2f cores", *c.CPU)
	at := false
	if c.Limit > 0 {
		share := *c.CPU / c.Limit
		text = fmt.Sprintf("service at %.0f%% of its %g-CPU limit", 100*share, c.Limit)
		at = share >= AtLimit
	}
	switch t := c.Throttle; {
	case t == nil:
		text += ", throttling unknown"
	case t.Periods > 0:
		share := float64(t.Throttled) / float64(t.Periods)
		text += fmt.Sprintf(", throttled in %.0f%% of periods (%.0f ms)", 100*share, t.ThrottledMS)
		at = at || share >= ThrottledShare
	}
	return at, text
}

// generatorShort reports whether the generator could not offer the rate.
func generatorShort(st rundir.CapacityStep) (bool, string) {
	var why []string
	if st.SendLagP99MS > LagMS {
		why = append(why, fmt.Sprintf("send lag p99 %.0f ms > %.0f ms", st.SendLagP99MS, LagMS))
	}
	if want := st.Rate * st.WindowS; want > 0 && float64(st.Sent) < SentShare*want {
		why = append(why, fmt.Sprintf("sent %d of %.0f scheduled", st.Sent, want))
	}
	if u := st.Use; u.GeneratorCPU != nil && u.GeneratorBudget > 0 && *u.GeneratorCPU >= GeneratorBusy*u.GeneratorBudget {
		why = append(why, fmt.Sprintf("generator CPU %.2f of its %g cores", *u.GeneratorCPU, u.GeneratorBudget))
	}
	if len(why) == 0 {
		return false, ""
	}
	return true, "generator could not offer the rate: " + strings.Join(why, ", ")
}

// sustained is a step that passed the SLO at Sustained of its offered rate
// (an older step without a window is judged by the SLO alone).
func sustained(st rundir.CapacityStep) bool {
	if !st.Pass {
		return false
	}
	return st.WindowS == 0 || st.Throughput >= Sustained*st.Rate
}
