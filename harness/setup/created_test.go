package setup

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// TestCreatesRecordsLedgerEntries: a funding step's creates records each
// transfer it made, by the reference the answer gives, for every account
// and from concurrent runs; created.json round-trips; an answer without
// the path fails the step, naming it.
func TestCreatesRecordsLedgerEntries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/bare":
			io.WriteString(w, `{}`)
			return
		case "/bulk": // one transfer per account of the batch, in its order
			var refs []string
			for _, id := range strings.Split(strings.TrimSuffix(string(b), ","), ",") {
				refs = append(refs, fmt.Sprintf(`{"reference":"bulk-%s"}`, id))
			}
			fmt.Fprintf(w, `{"transfers":[%s]}`, strings.Join(refs, ","))
			return
		}
		fmt.Fprintf(w, `{"data":{"reference":"fund-%s","id":"tx_%s"}}`, b, b)
	}))
	defer srv.Close()
	s := scenarioWith(t, `setup:
  concurrency: 4
  steps:
    - {name: world, http: {url: /transfers, body: world, creates: {id: data.id}}}
    - {name: fund, for_each: account, http: {url: /transfers, body: '{{.Account.ID}}', creates: {key: data.reference}}}
`)
	res, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 21 || res.Entries != 21 {
		t.Fatalf("%d entries created (%d counted), want 21", len(res.Created), res.Entries)
	}
	if c := res.Created[0]; c != (Created{Step: "fund", Account: "acct-000001", Field: "key", Value: "fund-acct-000001"}) {
		t.Errorf("first %+v", c)
	}
	if c := res.Created[20]; c != (Created{Step: "world", Field: "id", Value: "tx_world"}) {
		t.Errorf("last %+v", c)
	}
	dir := t.TempDir()
	if err := rundir.WriteCreated(dir, res.Created); err != nil {
		t.Fatal(err)
	}
	back, err := rundir.ReadCreated(dir)
	if err != nil || len(back) != 21 || back[7] != res.Created[7] {
		t.Errorf("read back %d entries, %v", len(back), err)
	}
	if none, err := rundir.ReadCreated(t.TempDir()); none != nil || err != nil {
		t.Errorf("no file: %v %v", none, err)
	}
	os.WriteFile(filepath.Join(dir, rundir.CreatedFile), []byte("["), 0o644)
	if _, err := rundir.ReadCreated(dir); err == nil {
		t.Error("a damaged created.json was read")
	}

	// A batch step: # is each account's place in the answer.
	s = scenarioWith(t, `setup: {steps: [{name: bulk, for_each: account, batch: 8, http: {url: /bulk, body: "{{range .Accounts}}{{.ID}},{{end}}", creates: {key: transfers.#.reference}}}]}`+"\n")
	res, err = Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 20 || res.Created[19] != (Created{Step: "bulk", Account: "acct-000020", Field: "key", Value: "bulk-acct-000020"}) {
		t.Errorf("batch: %d entries, last %+v", len(res.Created), res.Created[len(res.Created)-1])
	}

	s = scenarioWith(t, "setup: {steps: [{name: fund, http: {url: /bare, creates: {key: data.reference}}}]}\n")
	if _, err := Run(context.Background(), s, Env{Service: srv.URL, Client: noRedirects}); err == nil ||
		!strings.Contains(err.Error(), `creates key: no field "data" at data.reference`) {
		t.Errorf("error %v, want the missing creates path named", err)
	}
}
