package scenario

import (
	"strings"
	"testing"
	"time"
)

// limitRace is scenarios/bugs/limit-race.yaml: 10 accounts with limits of
// 100000, 2000 payments of 1000, so 200 payments on each account, twice what
// reaches the limit.
func limitRace(kind string, scaleAccounts bool) *Scenario {
	s := &Scenario{Name: "bugs/limit-race", Target: Target{Kind: kind},
		Accounts: Accounts{Count: 10, Limit: LimitDist{Min: 100_000, Max: 100_000, Distribution: "uniform"}, ScaleWithDuration: scaleAccounts},
		Traffic:  Traffic{Phases: []Phase{{Duration: Duration(10 * time.Second), Shape: ShapeConstant, Rate: 200}}},
		Requests: Requests{Amount: AmountDist{Distribution: "fixed", Value: 1000}}}
	s.Defaults()
	return s
}

// warning scales s by f the way run does, with n payments planned per
// second of the unscaled run, and returns the warning.
func warning(s *Scenario, f, perSecond float64) string {
	unscaled := s.Accounts
	n := perSecond * s.Traffic.Duration().Seconds()
	s.Scale(f)
	return s.ScaleWarning(unscaled, n, n*f, f)
}

func TestScaleWarning(t *testing.T) {
	for _, c := range []struct {
		name string
		s    *Scenario
		f    float64
		want string // "" for no warning
	}{
		// The reported case: at 0.2, 40 payments per account never reach
		// the 100-payment limit, so the bug cannot show.
		{"limit-race at 0.2", limitRace(TargetAuthsim, false), 0.2, "receives about 40 payments of 1000"},
		// At 0.6 each account still receives 120 payments: the limit is reached.
		{"limit-race at 0.6", limitRace(TargetAuthsim, false), 0.6, ""},
		// With the accounts scaled too, 2 accounts receive 200 payments each.
		{"limit-race scaling its accounts", limitRace(TargetAuthsim, true), 0.2, ""},
		// Unscaled runs are what the scenario says.
		{"unscaled", limitRace(TargetAuthsim, false), 1, ""},
		// A scenario that never reaches a limit loses nothing by scaling.
		{"no limit unscaled either", func() *Scenario {
			s := limitRace(TargetAuthsim, false)
			s.Accounts.Count = 1000
			return s
		}(), 0.2, ""},
		// Hot accounts reach their limit where the average account would not:
		// 1 hot account of 1000 takes half of the 2000 payments.
		{"hot accounts", func() *Scenario {
			s := limitRace(TargetAuthsim, false)
			s.Accounts.Count, s.Accounts.HotShare, s.Accounts.HotTraffic = 1000, 0.001, 0.5
			return s
		}(), 0.05, "receives about 50 payments"},
		// Only authsim seeds the limits the scenario names.
		{"containers target", limitRace(TargetContainers, false), 0.2, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := warning(c.s, c.f, 200)
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("warning %q, want %q", got, c.want)
			}
		})
	}
}

// TestScaleAccounts: scale_with_duration scales the account count, never
// below one; without it the count stays.
func TestScaleAccounts(t *testing.T) {
	for _, c := range []struct {
		scale bool
		f     float64
		want  int
	}{
		{true, 0.2, 2},   // 10 accounts at 0.2
		{true, 0.01, 1},  // never below one account
		{true, 3, 30},    // a longer run spreads over more accounts
		{false, 0.2, 10}, // without the knob the count stays
	} {
		s := limitRace(TargetAuthsim, c.scale)
		s.Scale(c.f)
		if s.Accounts.Count != c.want {
			t.Errorf("scale_with_duration %v at %g: %d accounts, want %d", c.scale, c.f, s.Accounts.Count, c.want)
		}
	}
}
