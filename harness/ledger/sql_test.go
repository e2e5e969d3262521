package ledger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// TestSQLSource reads a service's own tables in authquake's Postgres
// through the column and state mapping (a container test).
func TestSQLSource(t *testing.T) {
	ctx := context.Background()
	dsn := dockertest.Postgres(t)
	conn, err := connectRetry(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		CREATE TABLE balances (id text PRIMARY KEY, credit_limit bigint, held numeric(18,0), posted integer, frozen boolean);
		CREATE TABLE transactions (reference text, balance_id text, amount numeric(18,0), status text, captured bigint, created timestamptz);
		INSERT INTO balances VALUES ('bal_1', 1000, 200, 300, false), ('bal_2', 500, 0, 0, true);
		INSERT INTO transactions VALUES
			('k1', 'bal_1', 200, 'PENDING', NULL, '2026-11-30T00:00:01Z'),
			('k2', 'bal_1', 300, 'APPLIED', 300, '2026-11-30T00:00:02Z'),
			('k3', 'bal_2', 50, 'REJECTED', NULL, '2026-11-30T00:00:03Z'),
			('k4', 'bal_9', 10, 'VOIDED', NULL, '2026-11-30T00:00:04Z');`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := scenario.Ledger{Kind: "sql",
		Accounts: &scenario.LedgerTable{Query: "select id, credit_limit, held, posted, frozen from balances",
			Columns: map[string]string{"id": "id", "limit": "credit_limit", "held": "held", "posted": "posted", "frozen": "frozen"}},
		Payments: &scenario.LedgerTable{Query: "select reference, balance_id, amount, status, captured, created from transactions",
			Columns: map[string]string{"key": "reference", "account": "balance_id", "amount": "amount", "state": "status", "captured": "captured", "created_at": "created"},
			States:  map[string]string{"APPLIED": "captured", "PENDING": "held", "VOIDED": "voided", "REJECTED": "declined"},
			Exclude: []scenario.LedgerExclude{{Column: "balance_id", Equals: "bal_9"}}}}
	env := Env{Config: cfg, PostgresDSN: dsn, Refs: map[string]string{"bal_1": "acct-000001", "bal_2": "acct-000002"}}
	dir := t.TempDir()
	if err := Snapshot(ctx, env, dir); err != nil {
		t.Fatal(err)
	}
	l, err := audit.ReadLedger(filepath.Join(dir, rundir.LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	a1, a2 := l.Accounts["acct-000001"], l.Accounts["acct-000002"]
	if a1 != (audit.Account{ID: "acct-000001", LimitMinor: 1000, HeldMinor: 200, PostedMinor: 300}) || !a2.Frozen {
		t.Errorf("accounts %+v", l.Accounts)
	}
	k1, k2, k4 := l.ByKey["k1"][0], l.ByKey["k2"][0], l.ByKey["k4"][0]
	if k1.Status != audit.Held || k1.HoldMinor != 200 || k1.AccountID != "acct-000001" || k1.CreatedAt.Second() != 1 {
		t.Errorf("k1 %+v", k1)
	}
	if k2.Status != audit.Captured || k2.CapturedMinor != 300 || k2.HoldMinor != 0 {
		t.Errorf("k2 %+v", k2)
	}
	if !k4.UnknownAccount || l.UnknownAccounts != 1 || l.ByKey["k3"][0].Status != audit.Declined {
		t.Errorf("k4 %+v, k3 %+v", k4, l.ByKey["k3"])
	}
	// The exclude filter left k4 out; the snapshot names the queries.
	if k4.Excluded != `ledger.payments.exclude: balance_id is "bal_9"` || k1.Excluded != "" {
		t.Errorf("k4 excluded %q, k1 %q", k4.Excluded, k1.Excluded)
	}
	if s := l.Source; s.Payments != cfg.Payments.Query || s.Accounts != cfg.Accounts.Query || s.KeyColumn != "reference" || s.AccountColumn != "id" {
		t.Errorf("source %+v", s)
	}

	// A query naming a column its result lacks: ledger.error with the reason.
	bad := env
	p := *cfg.Payments
	p.Columns = map[string]string{"key": "ref", "account": "balance_id", "amount": "amount", "state": "status"}
	bad.Config.Payments = &p
	dir = t.TempDir()
	if err := Snapshot(ctx, bad, dir); err == nil {
		t.Error("a missing column was accepted")
	}
	if why, _ := os.ReadFile(filepath.Join(dir, rundir.LedgerErrorFile)); !strings.Contains(string(why), `no column "ref"`) {
		t.Errorf("ledger.error %q", why)
	}
}

func connectRetry(ctx context.Context, dsn string) (*pgx.Conn, error) {
	s := &sqlSource{dsn: dsn, wait: 30 * time.Second}
	return s.connect(ctx)
}
