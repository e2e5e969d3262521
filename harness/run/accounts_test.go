package run

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// TestHugeAccountsTinyRun: memory follows what ran, not the plan's accounts.
// Ten payments over ten million accounts, provisioned by one setup call (as
// authsim's seed call does), allocate a few megabytes and write no
// accounts.json: no account is held unless a setup step runs for each
// (or a template ranges over them). Before, the same run allocated every
// account three times over and wrote 400 MB of accounts.json.
func TestHugeAccountsTinyRun(t *testing.T) {
	srv := approving(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "huge.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/huge-accounts
target: {kind: url, url: "%s"}
accounts: {count: 10000000}
setup: {steps: [{name: seed, http: {method: POST, url: "{{.Service}}/seed", body: '{"count": {{.Count}}, "seed": {{.Seed}}}'}}]}
traffic: {phases: [{duration: 1s, shape: constant, rate: 10/s}]}
`, srv.URL)), 0o644)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 64 {
		t.Errorf("a run of 10 payments over 10 M accounts allocated %d MB", mb)
	} else {
		t.Logf("%d MB", mb)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, rundir.AccountsFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s written for accounts no step provisioned one by one (%v)", rundir.AccountsFile, err)
	}
	if res.Meta.Sent != 10 {
		t.Errorf("%d payments sent, want 10", res.Meta.Sent)
	}
}
