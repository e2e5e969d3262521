package scenario

import (
	"fmt"
	"math"
	"time"
)

// The hard limits of a scenario, checked by validate and again by run after
// --duration-scale. They are generous on purpose: a soak run of 72 hours at
// 3,000 payments a second fits, and a month-long run at 300/s. What they
// rule out is arithmetic that cannot be done exactly (rates and counts past
// 2^53, durations past time.Duration) and plans whose bookkeeping alone
// would not fit in memory. The README's limits table quotes these values.
const (
	// MaxRate is the highest rate of any phase, in requests per second. One
	// load generator process tops out far below it (BENCHMARKS.md).
	MaxRate = 1_000_000
	// MaxDuration is the longest traffic timeline (all phases together),
	// and the latest fault offset and longest fault.
	MaxDuration = 30 * 24 * time.Hour
	// MaxPayments is the most payments one run may plan: 72 h at 3,800/s.
	// Sequence numbers, idempotency keys and the audit's ledger are per
	// payment.
	MaxPayments = 1_000_000_000
	// MaxFaults is the most faults on one timeline.
	MaxFaults = 1000
	// MaxPhases is the most traffic phases.
	MaxPhases = 1000
	// MaxPlanPieces is the most linear pieces the plan may have (a step
	// phase has one per step, a sine 64 per period): 72 h of a sine with a
	// period of one minute fits.
	MaxPlanPieces = 500_000
	// MaxAccounts is the most accounts, and the most merchants.
	MaxAccounts = 100_000_000
)

// validateLimits checks the scenario against the hard limits. It runs after
// the field checks, on values that are each well-formed.
func (s *Scenario) validateLimits(v *validator) {
	var total time.Duration
	var hits, pieces float64
	rates := func(p string, ph Phase) {
		for _, r := range []struct {
			name string
			rate Rate
		}{{"rate", ph.Rate}, {"from", ph.From}, {"to", ph.To}, {"baseline", ph.Baseline}, {"peak", ph.Peak},
			{"mean", ph.Mean}, {"amplitude", ph.Amplitude}} {
			if r.rate > MaxRate {
				v.errf(p+"."+r.name, fmt.Sprintf("at most %d/s (the README's limits)", MaxRate), "%g/s is above the highest rate", r.rate.PerSecond())
			}
		}
	}
	if len(s.Traffic.Phases) > MaxPhases {
		v.errf("$.traffic.phases", "", "%d phases: at most %d", len(s.Traffic.Phases), MaxPhases)
	}
	for i, ph := range s.Traffic.Phases {
		p := fmt.Sprintf("$.traffic.phases[%d]", i)
		rates(p, ph)
		d := ph.Duration.D()
		if d > MaxDuration || total > MaxDuration-d {
			v.errf(p+".duration", fmt.Sprintf("all phases together last at most %s", MaxDuration), "the traffic would last longer than %s", MaxDuration)
			return // the sums below would mean nothing
		}
		total += d
		hits += phaseHits(ph)
		switch ph.Shape {
		case ShapeStep:
			pieces += float64(ph.Steps)
		case ShapeSine:
			if ph.Period > 0 {
				pieces += math.Ceil(d.Seconds()/ph.Period.D().Seconds()) * 64
			}
		default:
			pieces += 5
		}
	}
	if hits > MaxPayments {
		v.errf("$.traffic.phases", fmt.Sprintf("at most %d payments per run: lower a rate or a duration", MaxPayments),
			"the phases plan up to %.0f payments", hits)
	}
	if pieces > MaxPlanPieces {
		v.errf("$.traffic.phases", "use fewer steps or a longer sine period", "the plan needs %.0f linear pieces, at most %d", pieces, MaxPlanPieces)
	}
	if len(s.Faults) > MaxFaults {
		v.errf("$.faults", "", "%d faults: at most %d", len(s.Faults), MaxFaults)
	}
	for i, f := range s.Faults {
		p := fmt.Sprintf("$.faults[%d]", i)
		if f.At.D() > MaxDuration {
			v.errf(p+".at", "", "must be at most %s", MaxDuration)
		}
		if f.Duration.D() > MaxDuration {
			v.errf(p+".duration", "", "must be at most %s", MaxDuration)
		}
	}
	if s.Accounts.Count > MaxAccounts {
		v.errf("$.accounts.count", "", "must be at most %d", MaxAccounts)
	}
	if s.Requests.Merchants.Count > MaxAccounts {
		v.errf("$.requests.merchants.count", "", "must be at most %d", MaxAccounts)
	}
}

// CheckLimits checks a scenario after --duration-scale against the hard
// limits: a scale can make a valid file exceed them.
func (s *Scenario) CheckLimits(src *Source) Problems {
	v := &validator{src: src}
	s.validateLimits(v)
	return v.probs
}

// phaseHits is how many payments a phase plans (for a sine, an upper bound).
func phaseHits(ph Phase) float64 {
	d := ph.Duration.D().Seconds()
	switch ph.Shape {
	case ShapeConstant:
		return ph.Rate.PerSecond() * d
	case ShapeRamp, ShapeStep:
		return (ph.From.PerSecond() + ph.To.PerSecond()) / 2 * d
	case ShapeSpike:
		rise, hold := ph.Rise.D().Seconds(), ph.Hold.D().Seconds()
		return ph.Baseline.PerSecond()*(d-rise-hold) + ph.Peak.PerSecond()*(rise+hold)
	case ShapeSine:
		return (ph.Mean.PerSecond() + ph.Amplitude.PerSecond()) * d
	}
	return 0
}
