package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
)

// TestRemoteDatabaseRefusedBeforeTheRun: a scenario's ledger.dsn and setup
// sql.dsn pointing off this machine were connected to (120 times, with the
// runner's PGPASSWORD) without --allow-remote; now run refuses them with
// exit 2 at their lines before anything starts.
func TestRemoteDatabaseRefusedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "remote-db.yaml")
	os.WriteFile(path, []byte(`name: remote-db
target: {kind: url, url: "http://127.0.0.1:1"}
traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}
setup:
  steps:
    - name: schema
      sql: {dsn: "postgres://app:pw@198.51.100.7:5432/app", statements: ["select 1"]}
    - name: local
      sql: {dsn: "postgres://app:pw@127.0.0.1:5432/app", statements: ["select 1"]}
ledger:
  kind: sql
  dsn: "postgres://app@db.example.com/app"
  payments: {query: select 1, columns: {key: k, account: a, amount: m, state: s}}
`), 0o644)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir})
	if exitcode.Of(err) != exitcode.Invalid || res != nil {
		t.Fatalf("err %v res %v, want exit 2 and no run", err, res)
	}
	for _, want := range []string{path + ":7:", "198.51.100.7", path + ":12:", "db.example.com", "--allow-remote"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), ":9:") || strings.Contains(err.Error(), "pw@") {
		t.Errorf("%q names the loopback step or a password", err)
	}
}

// TestTemplatedDatabaseIsCheckedAsRendered: a DSN with {{env "NAME"}} in
// it (a password, a host) is checked as it will be dialled, not as written
// (which is no URL at all).
func TestTemplatedDatabaseIsCheckedAsRendered(t *testing.T) {
	t.Setenv("AQ_TEST_DB_PASSWORD", "pw-from-env")
	t.Setenv("AQ_TEST_DB_HOST", "198.51.100.7")
	dir := t.TempDir()
	path := filepath.Join(dir, "templated-db.yaml")
	os.WriteFile(path, []byte(`name: templated-db
target: {kind: url, url: "http://127.0.0.1:1"}
traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}
setup:
  steps:
    - name: schema
      sql: {dsn: 'postgres://app@{{env "AQ_TEST_DB_HOST"}}:5432/app', statements: ["select 1"]}
ledger:
  kind: sql
  dsn: 'postgres://app:{{env "AQ_TEST_DB_PASSWORD"}}@127.0.0.1:5432/app'
  payments: {query: select 1, columns: {key: k, account: a, amount: m, state: s}}
`), 0o644)
	_, err := Run(context.Background(), Options{Scenario: path, Out: dir})
	if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), path+":7:") || !strings.Contains(err.Error(), "198.51.100.7") {
		t.Fatalf("%v, want exit 2 at line 7 naming the rendered host", err)
	}
	if strings.Contains(err.Error(), ":11:") || strings.Contains(err.Error(), "pw-from-env") {
		t.Errorf("%q refuses the loopback ledger or prints its password", err)
	}
}
