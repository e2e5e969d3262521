package authsim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/ledger"
	"github.com/authquake/authquake/harness/scenario"
)

// TestLedgerSource waits for authsim to be ready again, then reads its
// /admin/ledger with the admin token; "approved" reads as held.
func TestLedgerSource(t *testing.T) {
	var readyz atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			if readyz.Add(1) < 3 { // not ready twice, as after a fault
				w.WriteHeader(503)
			}
		case "/admin/ledger":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(401)
				return
			}
			fmt.Fprintln(w, `{"account":{"id":"acct-000001","limit_minor":1000,"held_minor":100,"frozen":false}}`)
			fmt.Fprintln(w, `{"authorization":{"id":"auth_1","idempotency_key":"k1","account_id":"acct-000001","amount_minor":100,"status":"approved","hold_minor":100}}`)
		}
	}))
	defer srv.Close()
	src, err := newLedger(ledger.Env{Config: scenario.Ledger{Kind: "authsim"}, Admin: srv.URL, AdminToken: "tok", Ready: srv.URL + "/readyz"})
	if err != nil {
		t.Fatal(err)
	}
	src.(*ledgerSource).settle = 0
	l, err := src.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if readyz.Load() < 3 || l.Accounts["acct-000001"].HeldMinor != 100 || l.ByKey["k1"][0].Status != audit.Held || !l.Has(audit.FieldLimit) {
		t.Errorf("readyz %d, ledger %+v", readyz.Load(), l)
	}
	// A wrong token is an error with the status, not an empty ledger.
	bad, _ := newLedger(ledger.Env{Config: scenario.Ledger{Kind: "authsim"}, Admin: srv.URL, AdminToken: "nope"})
	bad.(*ledgerSource).settle = 0
	if _, err := bad.Read(context.Background()); err == nil {
		t.Error("a 401 was read as a ledger")
	}
}

// TestLedgerSourceNeedsAdmin: on a target without authsim's admin API the
// source cannot be built, and says why (ledger.error).
func TestLedgerSourceNeedsAdmin(t *testing.T) {
	if _, err := newLedger(ledger.Env{Config: scenario.Ledger{Kind: "authsim"}}); err == nil || !strings.Contains(err.Error(), "no authsim admin API") {
		t.Errorf("%v, want an error saying there is no admin API", err)
	}
}
