package run

import (
	"fmt"
	"sort"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// checkDatabases refuses, before anything starts, a database the scenario
// names (ledger.dsn, a setup step's sql.dsn) that is not on this machine
// without allowRemote, or that leaves its host or user to the runner's
// environment: each at its place in the file. The guard checks again, on
// the resolved address, when the connection is made.
func checkDatabases(s *scenario.Scenario, src *scenario.Source, allowRemote bool) scenario.Problems {
	var probs scenario.Problems
	check := func(path, dsn string) {
		if dsn == "" { // the target's own Postgres, on this machine
			return
		}
		dsn, err := secret.Expand(dsn) // {{env "NAME"}}: CheckEnv has seen them set
		if err == nil {
			err = egress.CheckDSN(dsn, allowRemote)
		}
		if err != nil {
			probs = append(probs, src.Problem(path, "database URL: "+err.Error(),
				"a database on this machine, e.g. postgres://user:pass@127.0.0.1:5432/app; or pass --allow-remote"))
		}
	}
	if s.Ledger.Kind == scenario.LedgerSQL {
		check("$.ledger.dsn", s.Ledger.DSN)
	}
	if s.Setup != nil {
		for i, st := range s.Setup.Steps {
			if st.SQL != nil {
				check(fmt.Sprintf("$.setup.steps[%d].sql.dsn", i), st.SQL.DSN)
			}
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return probs
}
