package ledger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// TestLeftOut: the snapshot says what it read (the URL and the key's path),
// and marks the entries that are not the run's: those setup recorded
// (created.json, by key or by id) and those an exclude filter matches, on a
// path the columns need not map.
func TestLeftOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		item := func(id, ref, source string) map[string]any {
			return map[string]any{"id": id, "ref": ref, "source": source, "balance": map[string]any{"id": "bal_1"}, "amount": 100, "status": "PENDING"}
		}
		json.NewEncoder(w).Encode([]any{item("t1", "k1", "bal_9"), item("t2", "fund-1", "@world"), item("t3", "tx-3", "@world"),
			item("t4", "seed", "@treasury"), item("t5", "k5", "bal_9")})
	}))
	defer srv.Close()
	cols := map[string]string{"id": "id", "key": "ref", "account": "balance.id", "amount": "amount", "state": "status"}
	cfg := scenario.Ledger{Kind: "http", Payments: &scenario.LedgerTable{URL: srv.URL + "/recon", Columns: cols, States: map[string]string{"PENDING": "held"},
		Exclude: []scenario.LedgerExclude{{Column: "ref", Prefix: "fund-"}, {Column: "source", Equals: "@treasury"}}}}
	created := []rundir.Created{{Step: "fund", Account: "acct-000001", Field: "id", Value: "t3"}, {Step: "seed", Field: "key", Value: "k5"}}
	dir := t.TempDir()
	if err := Snapshot(context.Background(), Env{Config: cfg, Created: created}, dir); err != nil {
		t.Fatal(err)
	}
	l, err := audit.ReadLedger(filepath.Join(dir, rundir.LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"k1": "", "fund-1": `ledger.payments.exclude: ref starts with "fund-"`, "tx-3": "created by setup step fund",
		"seed": `ledger.payments.exclude: source is "@treasury"`, "k5": "created by setup step seed"}
	for k, why := range want {
		if r := l.ByKey[k]; len(r) != 1 || r[0].Excluded != why {
			t.Errorf("%s: %+v, want excluded %q", k, r, why)
		}
	}
	if l.Source.Payments != srv.URL+"/recon" || l.Source.KeyColumn != "ref" || l.Source.Accounts != "" {
		t.Errorf("source %+v", l.Source)
	}
}
