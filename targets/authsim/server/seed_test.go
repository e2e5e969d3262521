package server

import (
	"testing"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// authquake provisions accounts with the limits it draws itself
// (traffic.NewAccounts); authsim's seed call must create the same ones, so
// that authsim is provisioned like any other service.
func TestSeedMatchesHarnessAccounts(t *testing.T) {
	for _, dist := range []string{"uniform", "lognormal"} {
		s := &scenario.Scenario{Accounts: scenario.Accounts{Count: 500, Prefix: "acct-",
			Limit: scenario.LimitDist{Min: 10_000, Max: 500_000, Distribution: dist}}}
		ids, limits := SeedAccounts(500, "acct-", 10_000, 500_000, dist, 42)
		as := traffic.NewAccounts(s.Accounts, 42)
		for i := range 500 {
			a := as.At(i)
			if a.ID != ids[i] || a.Limit != limits[i] {
				t.Fatalf("%s: account %d is %s %d in authquake, %s %d in authsim", dist, i, a.ID, a.Limit, ids[i], limits[i])
			}
		}
	}
}
