package scenario

import (
	"fmt"
	"math"
)

// TypicalAmount is a payment's typical amount in minor units: the fixed
// value, the middle of a uniform range, the median of a lognormal one.
func (r Requests) TypicalAmount() float64 {
	a := r.Amount
	switch a.Distribution {
	case "fixed":
		return float64(a.Value)
	case "uniform":
		return float64(a.Min+a.Max) / 2
	}
	return float64(a.Median)
}

// BusiestShare is the expected share of all payments that the busiest
// account receives. As traffic.Stream picks accounts, hot_traffic of the
// payments go to one of the first ceil(hot_share x count) accounts, the rest
// to any account.
func (a Accounts) BusiestShare() float64 {
	if a.Count < 1 {
		return 0
	}
	share := 1 / float64(a.Count)
	if hot := math.Ceil(a.HotShare * float64(a.Count)); hot > 0 {
		share = a.HotTraffic/hot + (1-a.HotTraffic)/float64(a.Count)
	}
	return share
}

// MedianLimit is the median credit limit authsim seeds: the middle of a
// uniform range, the geometric mean of a lognormal one.
func (l LimitDist) MedianLimit() float64 {
	if l.Distribution == "uniform" {
		return float64(l.Min+l.Max) / 2
	}
	return math.Sqrt(float64(l.Min) * float64(l.Max))
}

// ScaleWarning says why this scenario, scaled by f (see Scale), cannot
// provoke what it does unscaled, or returns "". unscaled are the accounts
// before Scale, n and scaledN the planned payments before and after. It
// compares what the busiest account is asked to spend with the median credit
// limit: when the whole run takes it past its limit and the scaled run does
// not, the declines and races at the limit that the scenario stages cannot
// show. Only authsim seeds the limits, so other targets get "".
func (s *Scenario) ScaleWarning(unscaled Accounts, n, scaledN, f float64) string {
	if s.Target.Kind != TargetAuthsim || f == 1 {
		return ""
	}
	amount, limit := s.Requests.TypicalAmount(), s.Accounts.Limit.MedianLimit()
	full, scaled := n*unscaled.BusiestShare(), scaledN*s.Accounts.BusiestShare()
	if full*amount < limit || scaled*amount >= limit {
		return ""
	}
	return fmt.Sprintf("at duration scale %g the busiest account receives about %.0f payments of %.0f (%.0f in all), "+
		"below the median credit limit %.0f; unscaled it receives %.0f. It does not reach its limit, so what happens "+
		"there cannot show: set accounts.scale_with_duration: true, or use a larger scale",
		f, scaled, amount, scaled*amount, limit, full)
}
