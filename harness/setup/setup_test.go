package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// scenarioWith parses a scenario whose setup is the given YAML block.
func scenarioWith(t *testing.T, setupYAML string) *scenario.Scenario {
	t.Helper()
	src := "name: setup-test\nseed: 7\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\naccounts: {count: 20}\n" +
		"traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n" + setupYAML
	s, _, err := scenario.Parse("setup.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noRedirects is the client setup is handed in these tests.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestForEachAccountCapturesRefs(t *testing.T) {
	var inflight, peak atomic.Int64
	var mu sync.Mutex
	seen := map[string]int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		var body struct {
			Ext   string `json:"external"`
			Limit int64  `json:"limit"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("X-Token") != "t0k" {
			http.Error(w, "bad request", 400)
			return
		}
		mu.Lock()
		seen[body.Ext] = body.Limit
		mu.Unlock()
		fmt.Fprintf(w, `{"data":{"id":"bal_%s","tags":["x","%d"]}}`, strings.TrimPrefix(body.Ext, "acct-"), body.Limit)
	}))
	defer srv.Close()
	s := scenarioWith(t, `setup:
  concurrency: 3
  steps:
    - name: open
      for_each: account
      http:
        url: /v1/balances
        headers: {X-Token: t0k}
        body: '{"external":"{{.Account.ID}}","limit":{{.Account.Limit}}}'
        capture: {ref: data.id, tag: data.tags.1}
`)
	res, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accounts) != 20 || len(seen) != 20 {
		t.Fatalf("%d accounts, %d created; want 20 and 20", len(res.Accounts), len(seen))
	}
	for _, a := range res.Accounts {
		if want := "bal_" + strings.TrimPrefix(a.ID, "acct-"); a.Ref != want {
			t.Errorf("%s: ref %q, want %q", a.ID, a.Ref, want)
		}
		if seen[a.ID] != a.Limit || a.Limit < s.Accounts.Limit.Min || a.Limit > s.Accounts.Limit.Max {
			t.Errorf("%s: limit %d sent %d, want one value within the distribution", a.ID, a.Limit, seen[a.ID])
		}
		if a.Vars["tag"] != fmt.Sprint(a.Limit) {
			t.Errorf("%s: vars %v", a.ID, a.Vars)
		}
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("%d requests in flight, concurrency is 3", p)
	}
	if len(res.Steps) != 1 || res.Steps[0].Runs != 20 {
		t.Errorf("steps %+v", res.Steps)
	}
	dir := t.TempDir()
	if err := rundir.WriteAccounts(dir, res.Accounts); err != nil {
		t.Fatal(err)
	}
	refs, err := rundir.ReadAccountRefs(dir)
	if err != nil || refs["bal_000007"] != "acct-000007" || len(refs) != 20 {
		t.Errorf("refs %v, %v", refs, err)
	}
}

func TestFailedStepNamesStepAccountAndAnswer(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "acct-000005") {
			w.WriteHeader(422)
			io.WriteString(w, `{"error":"currency XXX not supported"}`)
			return
		}
		io.WriteString(w, `{"id":"x"}`)
	}))
	defer srv.Close()
	s := scenarioWith(t, `setup:
  concurrency: 1
  steps:
    - {name: open, for_each: account, http: {url: /accounts, body: '{{.Account.ID}}', capture: {ref: id}}}
`)
	_, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "open" || se.Account != "acct-000005" {
		t.Fatalf("error %v, want a StepError of step open, account acct-000005", err)
	}
	for _, want := range []string{"answered 422", "currency XXX not supported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if calls.Load() != 5 {
		t.Errorf("%d calls; the step must stop at the first failure (5)", calls.Load())
	}
}

func TestStepErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://127.0.0.1:9/elsewhere", http.StatusFound)
		case "/notjson":
			io.WriteString(w, "ok")
		default:
			io.WriteString(w, `{"data":{}}`)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, step, want string
	}{
		// A redirect is not followed: the step fails and names the Location.
		{"redirect", `{name: s, http: {url: /redirect}}`, "redirect to http://127.0.0.1:9/elsewhere, not followed"},
		// A capture path that is not in the answer says which field is missing.
		{"missing field", `{name: s, for_each: account, http: {url: /ok, capture: {ref: data.id}}}`, `no field "id" at data.id`},
		// An answer that is not JSON cannot be captured from.
		{"not json", `{name: s, for_each: account, http: {url: /notjson, capture: {ref: id}}}`, "not JSON"},
		// A template field that does not exist fails at its first render.
		{"template typo", `{name: s, http: {url: /ok, body: '{{.Acount.ID}}'}}`, "Acount"},
		// An expected status list is honoured: 200 is not in it.
		{"expect", `{name: s, http: {url: /ok, expect: [201]}}`, "expected [201]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scenarioWith(t, "setup: {steps: ["+tc.step+"]}\n")
			_, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestOnceStepSeesAllAccounts(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	defer srv.Close()
	s := scenarioWith(t, `setup:
  steps:
    - name: bulk
      http: {url: "{{.Admin}}/seed", body: '{{.Count}} {{.Seed}} {{range .Accounts}}{{.ID}},{{end}}'}
`)
	res, err := Run(context.Background(), s, Env{Service: "http://127.0.0.1:1", Admin: srv.URL, Client: noRedirects})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "20 7 acct-000001,acct-000002,") || !strings.HasSuffix(got, "acct-000020,") {
		t.Errorf("body %q", got)
	}
	if res.Steps[0].Runs != 1 {
		t.Errorf("runs %d, want 1", res.Steps[0].Runs)
	}
}

// TestOnceStepCapturesForLaterSteps: a value a once step captures (a ledger
// created for the run) is {{.Vars.NAME}} in the steps after it.
func TestOnceStepCapturesForLaterSteps(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.URL.Path+" "+string(b))
		mu.Unlock()
		io.WriteString(w, `{"ledger_id":"ldg_42","balance_id":"bln_1"}`)
	}))
	defer srv.Close()
	s := scenarioWith(t, `setup:
  concurrency: 1
  steps:
    - {name: ledger, http: {url: /ledgers, capture: {ledger: ledger_id}}}
    - {name: balances, for_each: account, http: {url: /balances, body: '{{.Vars.ledger}}', capture: {ref: balance_id}}}
`)
	if _, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects}); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 21 || bodies[1] != "/balances ldg_42" {
		t.Errorf("%d calls, second %q; want 21 and the ledger's id in every balance", len(bodies), bodies[1])
	}
}
