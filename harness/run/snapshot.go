package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/ledger"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/topology"
)

// saveStartLog writes the log of a container that failed to start into the
// run directory as ROLE.log, when err carries one.
func saveStartLog(dir string, err error) {
	var se *topology.StartError
	if errors.As(err, &se) && se.Log != "" {
		os.WriteFile(filepath.Join(dir, se.Role+".log"), []byte(se.Log), 0o644)
	}
}

// snapshotLedger reads the scenario's ledger source (the target module's by
// default: authsim's for kind authsim) before the target is removed and
// saves it into the run directory for the audit: ledger.jsonl.gz, or
// ledger.error with the reason (the audit is then inconclusive), or
// ledger.none when no source is set.
func snapshotLedger(ctx context.Context, t *target.Target, s *scenario.Scenario, dir string, allowRemote bool, log io.Writer) {
	env := ledger.Env{Config: s.Ledger, AllowRemote: allowRemote, Log: log}
	if t.Topo != nil {
		e := t.Topo.Endpoints
		env.PostgresDSN, env.Admin, env.AdminToken = e.PostgresDSN, e.Admin, t.Topo.AdminToken
		if e.ServiceDirect != "" {
			env.Ready = e.ServiceDirect + "/readyz"
		}
	}
	refs, err := rundir.ReadAccountRefs(dir)
	if err == nil {
		env.Refs = refs
		env.Created, err = rundir.ReadCreated(dir)
	}
	if err == nil {
		err = ledger.Snapshot(ctx, env, dir)
	} else {
		os.WriteFile(filepath.Join(dir, rundir.LedgerErrorFile), []byte(err.Error()+"\n"), 0o644)
	}
	if err != nil {
		fmt.Fprintln(log, "ledger snapshot:", err)
	}
}
