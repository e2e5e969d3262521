package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
)

// bank is a hand-made service with a ledger of its own: it approves every
// payment, funds accounts from @world on /fund (setup), holds one seed row,
// and serves its ledger on /recon (payments) and /balances (accounts). With
// stale set, every other payment is booked as if an earlier run had sent
// its key an hour ago, with another amount; with conflict too, that
// payment is answered 409, the key being known.
type bank struct {
	mu              sync.Mutex
	rows            []map[string]any
	stale, conflict bool
}

func newBank(t *testing.T, stale, conflict bool) *httptest.Server {
	b := &bank{stale: stale, conflict: conflict}
	b.book("seed-1", "@world", 500, "seed", time.Now().Add(-time.Hour))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/authorizations", func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Account string `json:"account_id"`
			Amount  int64  `json:"amount_minor"`
		}
		json.NewDecoder(r.Body).Decode(&p)
		at := time.Now()
		b.mu.Lock()
		old := b.stale && len(b.rows)%2 == 0
		b.mu.Unlock()
		if old {
			at, p.Amount = at.Add(-time.Hour), p.Amount+1
		}
		b.book(r.Header.Get("Idempotency-Key"), p.Account, p.Amount, "payment", at)
		if old && b.conflict {
			w.WriteHeader(409)
			io.WriteString(w, `{"code":"duplicate_key"}`)
			return
		}
		w.WriteHeader(201)
		io.WriteString(w, `{"status":"approved","code":"00"}`)
	})
	mux.HandleFunc("POST /fund", func(w http.ResponseWriter, r *http.Request) {
		acct, _ := io.ReadAll(r.Body)
		ref := "fund-" + string(acct)
		b.book(ref, "@world", 1000, "transfer", time.Now())
		fmt.Fprintf(w, `{"data":{"reference":%q}}`, ref)
	})
	mux.HandleFunc("GET /recon", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		json.NewEncoder(w).Encode(b.rows)
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "[]") })
	mux.HandleFunc("GET /balances", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		held := map[string]int64{}
		for _, row := range b.rows {
			held[row["account"].(string)] += row["amount"].(int64)
		}
		var out []map[string]any
		for id, h := range held {
			limit := int64(1e12)
			if id == "@world" {
				limit = 0
			}
			out = append(out, map[string]any{"id": id, "limit": limit, "held": h})
		}
		json.NewEncoder(w).Encode(map[string]any{"balances": out})
	})
	mux.HandleFunc("GET /no-balances", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"balances": []}`) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// book adds a ledger row, held until the end.
func (b *bank) book(ref, account string, amount int64, kind string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rows = append(b.rows, map[string]any{"id": fmt.Sprintf("tx_%d", len(b.rows)+1), "ref": ref, "account": account,
		"amount": amount, "status": "PENDING", "kind": kind, "created_at": at.UTC().Format(time.RFC3339Nano)})
}

// TestUserMistakes runs a url target against the bank end to end: each
// mistake a user makes with the ledger in the first hour is named, with the
// query or key that shows it, and never passes nor reads as a broken service.
func TestUserMistakes(t *testing.T) {
	const columns = `columns: {id: id, key: ref, account: account, amount: amount, state: status, hold: amount, created_at: created_at}, states: {PENDING: held}`
	const balances = `accounts: {url: "{{.URL}}/balances", items: balances, columns: {id: id, limit: limit, held: held}}`
	const fund = `setup: {steps: [{name: fund, for_each: account, http: {url: /fund, body: "{{.Account.ID}}", creates: {key: data.reference}}}]}`
	const fundUnrecorded = `setup: {steps: [{name: fund, for_each: account, http: {url: /fund, body: "{{.Account.ID}}"}}]}`
	tests := []struct {
		name            string
		stale, conflict bool
		scenario        string
		code            int
		says            []string
		never           []string
	}{
		// The payments endpoint returns nothing: not 20 lost approvals.
		{"payments query sees nothing", false, false, `ledger: {kind: http, payments: {url: "{{.URL}}/empty", ` + columns + `}}`,
			exitcode.SLOBreached, []string{"AUDIT_INCONCLUSIVE", "the payments endpoint returned no rows while", "/empty",
				"the audit cannot tell a service that lost everything from a query that sees nothing: check the query's table, filter and schema"},
			[]string{"VIOLATION", "I1"}},
		// The key is mapped to the service's own id: rows, none of the run's.
		{"key column mapped wrong", false, false, `ledger: {kind: http, payments: {url: "{{.URL}}/recon", ` + strings.Replace(columns, "key: ref", "key: id", 1) + `}}`,
			exitcode.SLOBreached, []string{"AUDIT_INCONCLUSIVE", "none under a key this run sent", `key column "id": sent "aq-`, `read "tx_`, "check that columns.key names the column"},
			[]string{"VIOLATION"}},
		// The accounts endpoint returns nothing: the account invariants are not passed.
		{"accounts query sees nothing", false, false, `ledger: {kind: http, accounts: {url: "{{.URL}}/no-balances", items: balances, columns: {id: id, limit: limit, held: held}}, ` +
			`payments: {url: "{{.URL}}/recon", ` + columns + `, exclude: [{column: kind, equals: seed}]}}`,
			exitcode.SLOBreached, []string{"AUDIT_INCONCLUSIVE", "the accounts endpoint returned no rows while", "/no-balances", "check the query's table, filter and schema"},
			[]string{"VIOLATION"}},
		// Funding transfers setup recorded (creates) and a seed row the
		// source excludes: no phantom, no over-limit on @world.
		{"setup entries left out", false, false, fund + "\n" + `ledger: {kind: http, ` + balances + `, payments: {url: "{{.URL}}/recon", ` + columns + `, exclude: [{column: kind, equals: seed}]}}`,
			exitcode.Pass, []string{"PASS", "not the run's: 6 ledger entries (5 created by setup step fund; 1 ledger.payments.exclude: kind is \"seed\")"},
			[]string{"VIOLATION"}},
		// The same entries, unrecorded: phantoms and @world over its limit.
		{"setup entries unrecorded", false, false, fundUnrecorded + "\n" + `ledger: {kind: http, ` + balances + `, payments: {url: "{{.URL}}/recon", ` + columns + `}}`,
			exitcode.InvariantBroken, []string{"INVARIANT_BROKEN", "VIOLATION I2 x6", "VIOLATION I6"}, nil},
		// Half the keys were booked an hour before the run: an invalid test,
		// not I4 for each of them.
		{"keys of an earlier run", true, false, `ledger: {kind: http, ` + balances + `, payments: {url: "{{.URL}}/recon", ` + columns + `, exclude: [{column: kind, equals: seed}]}}`,
			exitcode.SLOBreached, []string{"INVALID_TEST", "10 keys were already in the ledger before the run started (e.g. aq-", "s before the run began): the audit left them out",
				"left out of every invariant: 10 keys"},
			[]string{"VIOLATION"}},
		// A ledger without creation times: the 409s to first attempts say
		// the keys were known (half of them: no more than a warning alone).
		{"keys answered as duplicates", true, true, `# response: {duplicate_key: reject, rules: [{status: 409, outcome: duplicate}]}
ledger: {kind: http, payments: {url: "{{.URL}}/recon", ` + strings.Replace(columns, ", created_at: created_at", "", 1) + `, exclude: [{column: kind, equals: seed}]}}`,
			exitcode.SLOBreached, []string{"INVALID_TEST", "10 keys were already in the ledger before the run started (e.g. aq-", "its first attempt was answered as a duplicate",
				"0 by the entries' created_at, 10 by a duplicate answer"},
			[]string{"VIOLATION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBank(t, tt.stale, tt.conflict)
			dir := t.TempDir()
			path := filepath.Join(dir, "s.yaml")
			os.WriteFile(path, []byte(fmt.Sprintf(`name: test/mistakes
target: {kind: url, url: "%s"%s}
accounts: {count: 5}
traffic: {phases: [{duration: 1s, shape: constant, rate: 20/s}]}
%s
`, srv.URL, response(tt.scenario), strings.ReplaceAll(tt.scenario, "{{.URL}}", srv.URL))), 0o644)
			out, err := cmd("run", path, "--out", dir)
			expectRun(t, out, err, tt.code, tt.says, tt.never)
		})
	}
}

// expectRun checks how a run ended: its exit code, what its output says and
// what it never says.
func expectRun(t *testing.T, out string, err error, code int, says, never []string) {
	t.Helper()
	if got := exitcode.Of(err); got != code {
		t.Errorf("exit %d (%v), want %d\n%s", got, err, code, out)
	}
	for _, s := range says {
		if !strings.Contains(out, s) {
			t.Errorf("output does not say %q:\n%s", s, out)
		}
	}
	for _, s := range never {
		if strings.Contains(out, s) {
			t.Errorf("output says %q:\n%s", s, out)
		}
	}
}

// response is the target's response section a case's scenario gives in its
// first line, "# response: {...}", if any.
func response(scenario string) string {
	if r, ok := strings.CutPrefix(strings.SplitN(scenario, "\n", 2)[0], "# response: "); ok {
		return ", response: " + r
	}
	return ""
}
