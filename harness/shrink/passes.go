package shrink

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/replay"
)

// The smallest values the search tries.
const (
	minFault = 100 * time.Millisecond
	minPhase = 500 * time.Millisecond
	minRate  = 1.0 // payments a second, at a phase's peak
	// closeEnough is the step of a refinement: the shrunk values are
	// within this factor of values that held, as the rounds leave them.
	closeEnough = 1.25
)

// dropFaults is delta debugging (Zeller's ddmin) over the fault list: all
// of them first, then halves, then finer parts, keeping each removal that
// still fails.
func (s *search) dropFaults() error {
	cur := s.best.Faults
	if len(cur) == 0 {
		return nil
	}
	try := func(keep []Fault) (bool, error) {
		c := s.best.clone()
		c.Faults = keep
		return s.test(c, "drop "+s.faultNames(without(cur, keep)))
	}
	if ok, err := try(nil); ok || err != nil {
		return err
	}
	for n := 2; len(cur) >= 2; {
		parts := split(cur, n)
		reduced := false
		for i := range parts { // the complements: drop one part
			keep := slices.Concat(append(slices.Clone(parts[:i]), parts[i+1:]...)...)
			ok, err := try(keep)
			if err != nil {
				return err
			}
			if ok {
				cur, n, reduced = keep, max(n-1, 2), true
				break
			}
		}
		for i := 0; !reduced && n > 2 && i < len(parts); i++ { // one part alone
			ok, err := try(parts[i])
			if err != nil {
				return err
			}
			if ok {
				cur, n, reduced = parts[i], 2, true
			}
		}
		if !reduced {
			if n >= len(cur) {
				return nil
			}
			n = min(2*n, len(cur))
		}
	}
	return nil
}

// split cuts xs into n parts of nearly equal length.
func split(xs []Fault, n int) [][]Fault {
	var out [][]Fault
	for i := range n {
		lo, hi := i*len(xs)/n, (i+1)*len(xs)/n
		if hi > lo {
			out = append(out, xs[lo:hi])
		}
	}
	return out
}

// without lists the faults of all that are not in keep.
func without(all, keep []Fault) []Fault {
	var out []Fault
	for _, f := range all {
		if !slices.Contains(keep, f) {
			out = append(out, f)
		}
	}
	return out
}

func (s *search) faultNames(fs []Fault) string {
	var names []string
	for _, f := range fs {
		names = append(names, s.base.S.Faults[f.Src].Name)
	}
	if len(names) == 1 {
		return "fault " + names[0]
	}
	return "faults " + strings.Join(names, ", ")
}

// shortenFaults bisects each fault's duration.
func (s *search) shortenFaults() error {
	for i := range s.best.Faults {
		was := s.best.Faults[i].Duration
		err := s.smallest(minFault.Seconds(), was.Seconds(), 0.1, func(v float64) (bool, error) {
			c := s.best.clone()
			c.Faults[i].Duration = seconds(v)
			return s.test(c, fmt.Sprintf("fault %s for %s (was %s)", s.base.S.Faults[c.Faults[i].Src].Name, replay.Seconds(v), replay.Seconds(was.Seconds())))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// startLater cuts the start of the load and moves every fault as much
// earlier, so that what led up to the first fault shrinks too.
func (s *search) startLater() error {
	if len(s.best.Faults) == 0 {
		return nil
	}
	first := earliest(s.best.Faults)
	room := min(first, s.best.Phases[0].Duration-minPhase)
	if room <= 0 {
		return nil
	}
	// v is the first fault's new offset: the smallest that still fails.
	return s.smallest((first - room).Seconds(), first.Seconds(), 0.1, func(v float64) (bool, error) {
		c := s.best.clone()
		cut := earliest(c.Faults) - seconds(v) // from the best so far, which an earlier step may have moved
		if cut <= 0 {
			return false, nil
		}
		for i := range c.Faults {
			c.Faults[i].At -= cut
		}
		c.Phases[0].Duration -= cut
		return s.test(c, fmt.Sprintf("the first fault at %s: the load starts %s later", replay.Seconds(v), replay.Seconds(cut.Seconds())))
	})
}

func earliest(fs []Fault) time.Duration {
	return slices.MinFunc(fs, func(a, b Fault) int { return int(a.At - b.At) }).At
}

// shrinkPhases bisects each phase's duration, then its rate. The last
// phase never ends before the last fault starts.
func (s *search) shrinkPhases() error {
	name := func(i int) string { return s.base.S.Traffic.Phases[i].Name }
	for i := range s.best.Phases {
		lo := minPhase
		if i == len(s.best.Phases)-1 {
			var start time.Duration
			for _, p := range s.best.Phases[:i] {
				start += p.Duration
			}
			for _, f := range s.best.Faults {
				lo = max(lo, f.At-start+minFault)
			}
		}
		was := s.best.Phases[i].Duration
		err := s.smallest(lo.Seconds(), was.Seconds(), 0.1, func(v float64) (bool, error) {
			c := s.best.clone()
			c.Phases[i].Duration = seconds(v)
			return s.test(c, fmt.Sprintf("phase %s for %s (was %s)", name(i), replay.Seconds(v), replay.Seconds(was.Seconds())))
		})
		if err != nil {
			return err
		}
		peak := s.base.peak(s.best, i)
		if peak <= minRate {
			continue
		}
		factor := s.best.Phases[i].Rate / peak // from a peak rate to the phase's Rate
		err = s.smallest(minRate, peak, 1, func(v float64) (bool, error) {
			c := s.best.clone()
			c.Phases[i].Rate = v * factor
			return s.test(c, fmt.Sprintf("phase %s at %s peak (was %s)", name(i), formatRate(v), formatRate(peak)))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fewerAccounts bisects the account count down to one. It does not keep
// the accounts a violating key used: every payment's account is drawn
// from the seed and the count, so a smaller count moves the payments
// anyway, and what counts is whether the invariant still breaks (on a
// limit race, fewer accounts reach their limits sooner: limit-race kept
// all 10 of its accounts, each a violating key's, and 46% of its payments).
func (s *search) fewerAccounts() error {
	was := s.best.Accounts
	return s.smallest(1, float64(was), 1, func(v float64) (bool, error) {
		c := s.best.clone()
		c.Accounts = int(v)
		return s.test(c, fmt.Sprintf("%d accounts (was %d)", c.Accounts, was))
	})
}

// smallest searches [lo, hi] for the smallest value that still fails, hi
// (the best candidate's) failing. The first round bisects, coarsely: lo
// first, then the middle of what is left (geometric while the range spans
// more than a factor 4), until the failing value is within half of itself,
// an eighth of the range or a unit of one that passed, so that every pass
// gets its turn early in the budget. Later rounds refine: they step down by closeEnough while it
// still fails. It assumes that a larger value fails when a smaller one does.
func (s *search) smallest(lo, hi, unit float64, try func(v float64) (bool, error)) error {
	lo, hi = max(nice(lo, unit), lo), nice(hi, unit) // never below the floor given
	if lo >= hi {
		return nil
	}
	span := hi - lo
	if s.round > 1 {
		for {
			v := max(nice(hi/closeEnough, unit), lo)
			if v >= hi {
				return nil
			}
			if ok, err := try(v); !ok || err != nil {
				return err
			}
			hi = v
		}
	}
	if ok, err := try(lo); ok || err != nil {
		return err
	}
	for hi-lo > max(unit, hi/2, span/8) {
		m := (lo + hi) / 2
		if lo > 0 && hi > 4*lo {
			m = math.Sqrt(lo * hi)
		}
		if m = nice(m, unit); m <= lo || m >= hi {
			return nil
		}
		ok, err := try(m)
		if err != nil {
			return err
		}
		if ok {
			hi = m
		} else {
			lo = m
		}
	}
	return nil
}

// nice rounds v to two significant digits, and to a whole number of units.
func nice(v, unit float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v))-1)
	v = math.Round(v/p) * p
	return math.Max(math.Round(v/unit)*unit, unit)
}

func seconds(v float64) time.Duration { return time.Duration(math.Round(v*1000)) * time.Millisecond }
