package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/reports"
)

// runURL runs a one-second scenario against url (with the extra YAML lines)
// and returns the exit code and the summary of its run directory.
func runURL(t *testing.T, url, extra string) (int, *analysis.Summary, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	tgt := fmt.Sprintf("target: {kind: url, url: %q}\n", url)
	if url == "" { // extra has the target
		tgt = ""
	}
	yaml := fmt.Sprintf("name: test/verdict\nseed: 7\n%s"+
		"traffic: {phases: [{duration: 1s, shape: constant, rate: 50/s}]}\n%s", tgt, extra)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := cmd("run", path, "--out", dir)
	runs, _ := filepath.Glob(filepath.Join(dir, "test_verdict-*", reports.SummaryFile))
	if len(runs) != 1 {
		t.Fatalf("no summary (exit %d): %s", exitcode.Of(err), out)
	}
	b, rerr := os.ReadFile(runs[0])
	var s analysis.Summary
	if rerr != nil || json.Unmarshal(b, &s) != nil {
		t.Fatalf("summary: %v", rerr)
	}
	return exitcode.Of(err), &s, out
}

// TestBrokenTestsDoNotPass: runs that used to end with exit 0 end with
// invalid_test and exit 1, and say why.
func TestBrokenTestsDoNotPass(t *testing.T) {
	badRequest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"code":"missing_field","reason":"customer_id is required"}`))
	}))
	defer badRequest.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	tests := []struct {
		name, url, want string
	}{
		// Every answer is 400: the request lacks a field the service requires.
		{"all 400", badRequest.URL, "50 of 50 answers were rejected, client errors or codes the scenario does not map (status 400: 50"},
		// Nothing can reach the service: no payment gets an answer.
		{"nothing answers", gone.URL, "none of 50 payments got an answer"},
	}
	for _, tt := range tests {
		code, s, out := runURL(t, tt.url, "")
		if code != exitcode.SLOBreached || s.Verdict != analysis.VerdictInvalid {
			t.Errorf("%s: exit %d verdict %s, want 1 and invalid_test", tt.name, code, s.Verdict)
		}
		if len(s.Validity.Reasons) == 0 || !strings.Contains(s.Validity.Reasons[0], tt.want) {
			t.Errorf("%s: reasons %q, want %q", tt.name, s.Validity.Reasons, tt.want)
		}
		if !strings.Contains(out, "INVALID TEST: "+tt.want) {
			t.Errorf("%s: the terminal summary does not say why:\n%s", tt.name, out)
		}
	}
}

// keeper is a service that keeps its data between runs and answers 409 to a
// key it has seen.
type keeper struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (k *keeper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	k.mu.Lock()
	seen := k.keys[key]
	k.keys[key] = true
	k.mu.Unlock()
	if seen {
		w.WriteHeader(409)
		w.Write([]byte(`{"code":"duplicate_reference"}`))
		return
	}
	w.WriteHeader(201)
}

// TestRerunWithTheSameSeed: a second run with the same seed against a
// service that kept the first run's data sends keys of its own and passes;
// with the key prefix pinned, its keys collide and it is an invalid test.
func TestRerunWithTheSameSeed(t *testing.T) {
	srv := httptest.NewServer(&keeper{keys: map[string]bool{}})
	defer srv.Close()
	for i := 0; i < 2; i++ {
		if code, s, out := runURL(t, srv.URL, ""); code != 0 || s.Validity.FirstDuplicates != 0 {
			t.Fatalf("run %d with keys of its own: exit %d, %d duplicates\n%s", i+1, code, s.Validity.FirstDuplicates, out)
		}
	}
	pinned := "requests: {key_prefix: pinned}\n"
	if code, _, out := runURL(t, srv.URL, pinned); code != 0 {
		t.Fatalf("first pinned run: exit %d\n%s", code, out)
	}
	code, s, _ := runURL(t, srv.URL, pinned)
	want := "50 of 50 first attempts were answered as duplicates: the keys collide with an earlier run's"
	if code != exitcode.SLOBreached || s.Verdict != analysis.VerdictInvalid || !strings.Contains(strings.Join(s.Validity.Reasons, "\n"), want) {
		t.Errorf("pinned rerun: exit %d verdict %s reasons %q", code, s.Verdict, s.Validity.Reasons)
	}
}

// TestValidateRendersTemplates: `authquake validate` used to say ok for a
// misspelt template field; now it exits 2 naming file:line and the fix.
func TestValidateRendersTemplates(t *testing.T) {
	file := filepath.Join("..", "run", "testdata", "template-typo.yaml")
	_, err := cmd("validate", file)
	if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), file+":11:") ||
		!strings.Contains(err.Error(), "did you mean .AccountID?") {
		t.Errorf("exit %d: %v", exitcode.Of(err), err)
	}
}

// ledgerAPI is a service that declines one payment in three the way many
// ledgers do: 400 with a code of its own and a message that carries the
// account, which no rule of the scenario maps.
type ledgerAPI struct{ n atomic.Int64 }

func (l *ledgerAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Account string `json:"account_id"`
	}
	json.NewDecoder(r.Body).Decode(&p)
	if l.n.Add(1)%3 == 1 {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"errorCode":"INSUFFICIENT_FUND","message":"account %s has insufficient funds"}`, p.Account)
		return
	}
	w.WriteHeader(201)
	w.Write([]byte(`{"status":"approved"}`))
}

// TestUnmappedDeclinesAreNamed: the service's money declines, left
// unmapped, are not a pass: invalid_test, exit 1, the code named with its
// count, status and an example reason, and the rule to add printed. With
// the rule added the run passes, and the declines are one row however many
// accounts their reasons name.
func TestUnmappedDeclinesAreNamed(t *testing.T) {
	api := &ledgerAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	mapping := func(rules string) string {
		return fmt.Sprintf("target: {kind: url, url: %q, response: {code: errorCode, reason: message%s}}\n", srv.URL, rules)
	}
	code, s, out := runURL(t, "", mapping(""))
	rule := "{status: 400, json: {path: errorCode, equals: INSUFFICIENT_FUND}, outcome: declined}"
	if code != exitcode.SLOBreached || s.Verdict != analysis.VerdictInvalid || len(s.Validity.Unmapped) != 1 {
		t.Fatalf("exit %d verdict %s unmapped %+v, want 1, invalid_test and the code", code, s.Verdict, s.Validity.Unmapped)
	}
	if u := s.Validity.Unmapped[0]; u.Status != 400 || u.Code != "INSUFFICIENT_FUND" || u.Count != 17 || u.Rule != rule ||
		!strings.Contains(u.Example, "has insufficient funds") {
		t.Errorf("unmapped %+v", u)
	}
	if !strings.Contains(out, "unmapped: status 400 code INSUFFICIENT_FUND x17 fell to rejected") || !strings.Contains(out, rule) {
		t.Errorf("the terminal summary does not name the code and the rule:\n%s", out)
	}
	api.n.Store(0) // one in three again
	code, s, _ = runURL(t, "", mapping(", rules: ["+rule+"]"))
	if code != exitcode.Pass || s.Requests.Declined != 17 || len(s.DeclineCodes) != 1 ||
		s.DeclineCodes[0].Reason != "account <id> has insufficient funds" || s.DeclineCodes[0].Count != 17 {
		t.Errorf("with the rule: exit %d, %d declined, codes %+v; want 0, 17 in one row", code, s.Requests.Declined, s.DeclineCodes)
	}
}
