package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/egress/egresstest"
	"github.com/authquake/authquake/harness/scenario"
)

// sqlConfig is a ledger section of kind sql reading dsn.
func sqlConfig(dsn string) scenario.Ledger {
	return scenario.Ledger{Kind: "sql", DSN: dsn, Payments: &scenario.LedgerTable{Query: "select 1",
		Columns: map[string]string{"key": "k", "account": "a", "amount": "m", "state": "s"}}}
}

// TestSQLSourceSendsNoPasswordOfTheRunner: a scenario whose DSN has no
// password made pgx send the runner's PGPASSWORD to the scenario's host.
func TestSQLSourceSendsNoPasswordOfTheRunner(t *testing.T) {
	t.Setenv("PGPASSWORD", "runner-secret")
	t.Setenv("PGUSER", "runner")
	db := egresstest.NewPostgres(t, "127.0.0.1:0")
	src, err := newSQL(Env{Config: sqlConfig("postgres://app@" + db.Addr + "/app?sslmode=disable")})
	if err != nil {
		t.Fatal(err)
	}
	src.(*sqlSource).wait = time.Second // the fake refuses every login: do not retry for long
	if _, err := src.Read(context.Background()); err == nil {
		t.Fatal("the fake server refuses every login, yet the ledger was read")
	}
	conns := db.Conns()
	if len(conns) == 0 {
		t.Fatal("the ledger source never reached the DSN's host")
	}
	for _, c := range conns {
		if c.Password == "runner-secret" || c.Params["user"] != "app" {
			t.Errorf("the scenario's database received user %q, password %q: the runner's environment", c.Params["user"], c.Password)
		}
	}
}

// TestSQLSourceRefusesARemoteHost: the ledger's DSN named a host off this
// machine and authquake opened a connection to it every half second for
// the whole wait; without --allow-remote it is refused at once.
func TestSQLSourceRefusesARemoteHost(t *testing.T) {
	for _, dsn := range []string{"postgres://app:pw@192.0.2.1:5432/app", "postgres://app:pw@db.example.test:5432/app"} {
		src, err := newSQL(Env{Config: sqlConfig(dsn)})
		if err != nil {
			t.Fatal(err)
		}
		s := src.(*sqlSource)
		s.wait = 3 * time.Second
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err = src.Read(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("%s: %v, want a refusal naming --allow-remote", dsn, err)
		}
	}
}
