package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// accountsAPI is a service with both ways of opening accounts: one per call
// (POST /v1/accounts {"id","limit"} -> {"id": "bal_ID"}) and in bulk (POST
// /v1/accounts/bulk {"accounts": [...]} -> {"accounts": [{"id": ...}, ...]}
// in the order given).
type accountsAPI struct {
	mu     sync.Mutex
	opened map[string]int64
	calls  atomic.Int64
	delay  time.Duration // per call, as a database commit takes
}

func (s *accountsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	time.Sleep(s.delay)
	type acct struct {
		ID    string `json:"id"`
		Limit int64  `json:"limit"`
	}
	var bulk struct{ Accounts []acct }
	var one acct
	var err error
	if r.URL.Path == "/v1/accounts/bulk" {
		err = json.NewDecoder(r.Body).Decode(&bulk)
	} else {
		err = json.NewDecoder(r.Body).Decode(&one)
		bulk.Accounts = []acct{one}
	}
	if err != nil || len(bulk.Accounts) == 0 {
		http.Error(w, "bad request", 400)
		return
	}
	var out bytes.Buffer
	out.WriteString(`{"accounts":[`)
	s.mu.Lock()
	for i, a := range bulk.Accounts {
		s.opened[a.ID] = a.Limit
		if i > 0 {
			out.WriteByte(',')
		}
		fmt.Fprintf(&out, `{"id":"bal_%s"}`, a.ID)
	}
	s.mu.Unlock()
	out.WriteString(`]}`)
	if r.URL.Path != "/v1/accounts/bulk" {
		fmt.Fprintf(w, `{"id":"bal_%s"}`, one.ID)
		return
	}
	w.Write(out.Bytes())
}

func withAccounts(t *testing.T, n int, setupYAML string) *scenario.Scenario {
	t.Helper()
	src := fmt.Sprintf("name: setup-test\nseed: 7\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\naccounts: {count: %d}\n", n) +
		"traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n" + setupYAML
	s, _, err := scenario.Parse("setup.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const bulkStep = `setup:
  steps:
    - name: open
      for_each: account
      batch: 100
      http:
        url: /v1/accounts/bulk
        body: '{"accounts":[{{range $i, $a := .Accounts}}{{if $i}},{{end}}{"id":"{{$a.ID}}","limit":{{$a.Limit}}}{{end}}]}'
        capture: {ref: "accounts.#.id"}
`

const oneByOneStep = `setup:
  steps:
    - name: open
      for_each: account
      http:
        url: /v1/accounts
        body: '{"id":"{{.Account.ID}}","limit":{{.Account.Limit}}}'
        capture: {ref: id}
`

// TestBatchStep: a batch step makes one call per batch, the last one
// short, and captures each account's ref from its place in the answer.
func TestBatchStep(t *testing.T) {
	api := &accountsAPI{opened: map[string]int64{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	res, err := Run(context.Background(), withAccounts(t, 1050, bulkStep), Env{Service: srv.URL, Client: noRedirects})
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Steps[0]; st.Runs != 1050 || st.Calls != 11 || api.calls.Load() != 11 || len(api.opened) != 1050 {
		t.Errorf("step %+v, %d calls received, %d accounts opened; want 1050 accounts in 11 calls", st, api.calls.Load(), len(api.opened))
	}
	for _, a := range res.Accounts {
		if a.Ref != "bal_"+a.ID || api.opened[a.ID] != a.Limit {
			t.Fatalf("%s: ref %q, limit opened %d (want %d)", a.ID, a.Ref, api.opened[a.ID], a.Limit)
		}
	}
}

// TestTenThousandAccounts provisions 10,000 accounts on a bulk API (batches
// of 100) and on a one-call-per-account API, each answering at once and
// after 5 ms a call, and logs the time and the calls each took (go test -v
// -run TenThousand ./harness/setup/).
func TestTenThousandAccounts(t *testing.T) {
	for _, c := range []struct {
		name, step string
		calls      int64
		delay      time.Duration
	}{{"bulk, batch 100", bulkStep, 100, 0}, {"one call per account", oneByOneStep, 10_000, 0},
		{"bulk, batch 100", bulkStep, 100, 5 * time.Millisecond}, {"one call per account", oneByOneStep, 10_000, 5 * time.Millisecond}} {
		api := &accountsAPI{opened: map[string]int64{}, delay: c.delay}
		srv := httptest.NewServer(api)
		began := time.Now()
		res, err := Run(context.Background(), withAccounts(t, 10_000, c.step), Env{Service: srv.URL, Client: http.DefaultClient})
		took := time.Since(began)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if api.calls.Load() != c.calls || len(api.opened) != 10_000 || res.Accounts[9999].Ref != "bal_acct-010000" {
			t.Errorf("%s: %d calls, %d accounts; want %d and 10000", c.name, api.calls.Load(), len(api.opened), c.calls)
		}
		t.Logf("%s, %s a call: 10000 accounts in %d calls, %.2fs (concurrency 8)", c.name, c.delay, api.calls.Load(), took.Seconds())
	}
}

// flaky fails some first calls: a timeout for accounts ending in 3, a 503
// for those ending in 7, a 429 for those ending in 9.
type flaky struct {
	mu    sync.Mutex
	seen  map[string]int
	slow  time.Duration
	calls atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	var a struct{ ID string }
	json.NewDecoder(r.Body).Decode(&a)
	f.mu.Lock()
	f.seen[a.ID]++
	n := f.seen[a.ID]
	f.mu.Unlock()
	switch {
	case n == 1 && strings.HasSuffix(a.ID, "3"):
		select {
		case <-time.After(f.slow):
		case <-r.Context().Done():
		}
		return
	case n == 1 && strings.HasSuffix(a.ID, "7"):
		w.WriteHeader(503)
		return
	case n == 1 && strings.HasSuffix(a.ID, "9"):
		w.WriteHeader(429)
		return
	}
	fmt.Fprintf(w, `{"id":"bal_%s"}`, a.ID)
}

// TestIdempotentStepRetries: an idempotent step (or a PUT) outlives
// timeouts, 503s and 429s, each retried with backoff and counted; the same
// step not marked idempotent stops at the first timeout, naming the account.
func TestIdempotentStepRetries(t *testing.T) {
	step := func(extra string) string {
		return `setup:
  timeout: 200ms
  retries: {max_attempts: 3, backoff: 10ms}
  steps:
    - name: open
      for_each: account
` + extra + `
      http: {url: /v1/accounts, body: '{"id":"{{.Account.ID}}"}', capture: {ref: id}}
`
	}
	for _, c := range []struct {
		name, extra string
		ok          bool
	}{
		{"idempotent", "      idempotent: true", true},
		{"put", "", true},
		{"post", "", false},
	} {
		api := &flaky{seen: map[string]int{}, slow: 2 * time.Second}
		srv := httptest.NewServer(api)
		y := step(c.extra)
		if c.name == "put" {
			y = strings.Replace(y, "http: {url:", "http: {method: PUT, url:", 1)
		}
		var progress bytes.Buffer
		res, err := Run(context.Background(), withAccounts(t, 40, y), Env{Service: srv.URL, Client: noRedirects, Progress: &progress})
		srv.Close()
		if !c.ok {
			if err == nil || !strings.Contains(err.Error(), "account acct-0000") {
				t.Errorf("%s: %v, want the step to stop naming an account", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// 12 of 40 accounts end in 3, 7 or 9: each fails once and is retried.
		if st := res.Steps[0]; st.Runs != 40 || st.Retries != 12 || st.Calls != 52 {
			t.Errorf("%s: step %+v, want 40 accounts, 52 calls, 12 retried", c.name, st)
		}
		if !strings.Contains(progress.String(), "40/40 accounts, 52 calls, 12 retried") {
			t.Errorf("%s: progress %q", c.name, progress.String())
		}
	}
}
