package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// recon serves n payments (k1..kn on bal_1) two per page, by cursor
// (?cursor=, {"data": {"items": [...]}, "next": "c2"}) or by page number
// (?page=, a bare array, empty past the end), and the balances.
func recon(t *testing.T, n int) *httptest.Server {
	item := func(i int) map[string]any {
		return map[string]any{"ref": fmt.Sprintf("k%d", i), "balance": map[string]any{"id": "bal_1"}, "amount": 100, "status": "PENDING"}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cursor", func(w http.ResponseWriter, r *http.Request) {
		from := 1
		if c := r.URL.Query().Get("cursor"); c != "" {
			from, _ = strconv.Atoi(strings.TrimPrefix(c, "c"))
		}
		var items []any
		for i := from; i <= n && i < from+2; i++ {
			items = append(items, item(i))
		}
		next := ""
		if from+2 <= n {
			next = fmt.Sprintf("c%d", from+2)
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": items}, "next": next})
	})
	mux.HandleFunc("/pages", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		items := []any{}
		for i := 2*page - 1; i <= n && i <= 2*page; i++ {
			items = append(items, item(i))
		}
		json.NewEncoder(w).Encode(items)
	})
	mux.HandleFunc("/balances", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"balances": [{"id": "bal_1", "limit": 1000, "held": 500}]}`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/pages?page=1", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

var itemColumns = map[string]string{"key": "ref", "account": "balance.id", "amount": "amount", "state": "status"}

// TestHTTPSource: both ways of paging, item paths, the account mapping,
// and every way a source can fail, each with its reason.
func TestHTTPSource(t *testing.T) {
	srv := recon(t, 5)
	states := map[string]string{"PENDING": "held"}
	accounts := &scenario.LedgerTable{URL: srv.URL + "/balances", Items: "balances", Columns: map[string]string{"id": "id", "limit": "limit", "held": "held"}}
	tests := []struct {
		name     string
		accounts *scenario.LedgerTable
		payments scenario.LedgerTable
		keys     int
		err      string
	}{
		// Cursor paging, items under data.items: 3 pages, 5 payments.
		{"cursor", accounts, scenario.LedgerTable{URL: srv.URL + "/cursor?cursor={{.Cursor}}", Items: "data.items", Next: "next", Columns: itemColumns, States: states}, 5, ""},
		// Page numbers, the page is the array, until an empty page.
		{"page numbers", nil, scenario.LedgerTable{URL: srv.URL + "/pages?page={{.Page}}", Columns: itemColumns, States: states}, 5, ""},
		// More pages than allowed: an error, never a silent cut.
		{"page cap", nil, scenario.LedgerTable{URL: srv.URL + "/pages?page={{.Page}}", MaxPages: 2, Columns: itemColumns, States: states}, 0, "more than 2 pages"},
		// No array where the items should be.
		{"wrong items path", nil, scenario.LedgerTable{URL: srv.URL + "/cursor?cursor={{.Cursor}}", Items: "items", Next: "next", Columns: itemColumns, States: states}, 0, `no array at "items"`},
		// The endpoint fails.
		{"server error", nil, scenario.LedgerTable{URL: srv.URL + "/broken", Columns: itemColumns}, 0, "500"},
		// A redirect is not followed.
		{"redirect", nil, scenario.LedgerTable{URL: srv.URL + "/moved", Columns: itemColumns}, 0, "302"},
		// A host off this machine is refused without --allow-remote.
		{"remote", nil, scenario.LedgerTable{URL: "http://192.0.2.1/recon", Columns: itemColumns}, 0, "pass --allow-remote"},
		// Nobody listens.
		{"unreachable", nil, scenario.LedgerTable{URL: "http://127.0.0.1:1/recon", Columns: itemColumns}, 0, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.payments
			src, err := New(Env{Config: scenario.Ledger{Kind: "http", Accounts: tt.accounts, Payments: &p},
				Refs: map[string]string{"bal_1": "acct-000001"}})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			err = Save(context.Background(), src, dir)
			if tt.err != "" {
				why, _ := os.ReadFile(filepath.Join(dir, rundir.LedgerErrorFile))
				if err == nil || !strings.Contains(string(why), tt.err) {
					t.Fatalf("error %v, ledger.error %q, want %q", err, why, tt.err)
				}
				if _, err := os.Stat(filepath.Join(dir, rundir.LedgerFile)); err == nil {
					t.Error("a snapshot was left beside ledger.error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l, err := audit.ReadLedger(filepath.Join(dir, rundir.LedgerFile))
			if err != nil {
				t.Fatal(err)
			}
			r := l.ByKey["k5"]
			if len(l.ByKey) != tt.keys || len(r) != 1 || r[0].AccountID != "acct-000001" || r[0].Status != audit.Held || r[0].HoldMinor != 100 {
				t.Errorf("%d keys, k5 %+v", len(l.ByKey), r)
			}
			if tt.accounts != nil && (l.Accounts["acct-000001"].LimitMinor != 1000 || !l.Has(audit.FieldLimit) || l.Source.Kind != "http") {
				t.Errorf("accounts %+v, source %+v", l.Accounts, l.Source)
			}
		})
	}
}

// TestSnapshotKinds: kind none leaves ledger.none; a source that cannot
// even be built leaves ledger.error with the reason.
func TestSnapshotKinds(t *testing.T) {
	tests := []struct {
		name string
		cfg  scenario.Ledger
		file string
		want string
	}{
		// Nothing configured: said so, not an error.
		{"none", scenario.Ledger{Kind: "none"}, rundir.LedgerNoneFile, "no ledger source configured"},
		// sql with no database to query.
		{"sql without dsn", scenario.Ledger{Kind: "sql", Payments: payments}, rundir.LedgerErrorFile, "no dsn"},
		// A kind no source serves (a module's, with its module not registered).
		{"unknown kind", scenario.Ledger{Kind: "mainframe"}, rundir.LedgerErrorFile, `unknown ledger kind "mainframe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			Snapshot(context.Background(), Env{Config: tt.cfg}, dir)
			got, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil || !strings.Contains(string(got), tt.want) {
				t.Errorf("%s: %q %v, want %q", tt.file, got, err, tt.want)
			}
		})
	}
}

// TestHTTPPageOverTheCapNamesIt: a page larger than the cap was cut there
// and failed as "unexpected EOF", which says nothing of the cap.
func TestHTTPPageOverTheCapNamesIt(t *testing.T) {
	srv := recon(t, 40)
	src, err := newHTTP(Env{Config: scenario.Ledger{Kind: "http", Payments: &scenario.LedgerTable{
		URL: srv.URL + "/pages?page={{.Page}}", Columns: itemColumns}}})
	if err != nil {
		t.Fatal(err)
	}
	src.(*httpSource).maxPage = 100 // a page of two items is about 190 bytes
	_, err = src.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") || strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("%v, want an error naming the 100-byte cap", err)
	}
}
