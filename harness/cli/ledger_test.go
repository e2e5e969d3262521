package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
)

// TestLedgerSources runs a url target (an httptest server approving every
// payment) end to end: a ledger source that cannot be reached ends with an
// inconclusive audit (exit 1) and its reason, never a pass; with no source
// at all the verdict may pass, but the audit lists every invariant as unchecked.
func TestLedgerSources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.Write([]byte(`{"status":"approved","code":"00"}`))
	}))
	defer srv.Close()
	columns := `columns: {key: k, account: a, amount: m, state: s}`
	tests := []struct {
		name   string
		ledger string
		code   int
		says   []string
	}{
		// Nobody listens where the reconciliation endpoint should be.
		{"unreachable", `ledger: {kind: http, payments: {url: "http://127.0.0.1:1/recon", ` + columns + `}}`,
			exitcode.SLOBreached, []string{"AUDIT_INCONCLUSIVE", "money audit: INCONCLUSIVE: no ledger snapshot", "connection refused"}},
		// No source: the verdict can pass, but the audit says it checked nothing.
		{"none", ``, exitcode.Pass, []string{"PASS", "money audit: NOT CHECKED (no ledger source configured): all 15 invariants unchecked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.yaml")
			os.WriteFile(path, []byte(fmt.Sprintf(`name: test/ledger
target: {kind: url, url: "%s"}
traffic: {phases: [{duration: 1s, shape: constant, rate: 10/s}]}
%s
`, srv.URL, tt.ledger)), 0o644)
			out, err := cmd("run", path, "--out", dir)
			expectRun(t, out, err, tt.code, tt.says, nil)
		})
	}
}
