package run

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// approving is a url target that approves every payment.
func approving(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.Write([]byte(`{"status":"approved","code":"00"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestURLTarget loads an endpoint that is already running (here an httptest
// server) through an in-process Toxiproxy: a latency fault on the client
// link shows in the recorded latency while it is in force.
func TestURLTarget(t *testing.T) {
	srv := approving(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "url.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/url
target: {kind: url, url: "%s"}
traffic: {phases: [{duration: 3s, shape: constant, rate: 50/s}]}
faults: [{name: slow, at: 1s, duration: 1s, kind: latency, target: client, params: {latency: 100ms}}]
`, srv.URL)), 0o644)
	procs := runtime.GOMAXPROCS(0)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir, Procs: ProcsAuto})
	if err != nil {
		t.Fatal(err)
	}
	// 50/s needs one thread; the setting is back once the run is over.
	if res.Meta.Generator.Procs != 1 || runtime.GOMAXPROCS(0) != procs {
		t.Errorf("run.json generator procs %d (want 1), GOMAXPROCS %d after the run (want %d)", res.Meta.Generator.Procs, runtime.GOMAXPROCS(0), procs)
	}
	var slow, fast, total int
	record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
		total++
		in := a.Sent > 1100*time.Millisecond && a.Sent < 1900*time.Millisecond
		switch {
		case in && a.Latency >= 100*time.Millisecond:
			slow++
		case !in && a.Sent > 2200*time.Millisecond && a.Latency < 100*time.Millisecond: // the fault would add 100 ms
			fast++
		}
		if a.Outcome != record.Approved {
			t.Errorf("attempt %d: %s %s", a.Seq, a.Outcome, a.Error)
		}
		return nil
	})
	if total != 150 || slow < 30 || fast < 30 {
		t.Errorf("%d attempts, %d slow while the fault was in force, %d fast after it", total, slow, fast)
	}
}

// TestContainersTarget runs a user's image (authsim's, standing in) with
// authquake's Postgres, the DSN passed through an env template, and a server
// setting of the scenario's in force (a setup step fails if not).
func TestContainersTarget(t *testing.T) {
	refs := runImages(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "containers.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/containers
target:
  kind: containers
  containers:
    service:
      image: %s
      port: 8080
      admin_port: 8081
      ready: /readyz
      env: {AUTHSIM_DATABASE_URL: "{{.Postgres.DSN}}", AUTHSIM_ADMIN_TOKEN: s3cret}
    postgres: {database: shop, settings: {track_commit_timestamp: "on"}}
accounts: {count: 12, limit: {min: 1000000, max: 2000000}}
setup:
  concurrency: 4
  steps:
    - name: settings-applied
      sql:
        statements:
          - "DO $$ BEGIN IF current_setting('track_commit_timestamp') <> 'on' THEN RAISE EXCEPTION 'track_commit_timestamp is %%', current_setting('track_commit_timestamp'); END IF; END $$"
    - name: open-accounts
      for_each: account
      http:
        url: "{{.Admin}}/admin/accounts"
        headers: {Authorization: Bearer s3cret}
        body: '{"id":"{{.Account.ID}}","limit_minor":{{.Account.Limit}}}'
        expect: [201]
        capture: {ref: id, limit: limit_minor}
traffic: {phases: [{duration: 2s, shape: constant, rate: 20/s}]}
requests: {amount: {distribution: fixed, value: 1000}}
faults: [{name: pg-pause, at: 500ms, duration: 500ms, kind: pause, target: postgres}]
`, refs.Authsim)), 0o644)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	// The accounts were provisioned through the service's own API, one call
	// each: every payment is approved, none declined as an unknown account.
	approved := 0
	record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
		if a.Outcome == record.Approved {
			approved++
		}
		return nil
	})
	if approved != 40 {
		t.Errorf("%d of 40 payments approved", approved)
	}
	ids, err := rundir.ReadAccountRefs(res.Dir)
	if err != nil || len(ids) != 12 || ids["acct-000012"] != "acct-000012" {
		t.Errorf("accounts.json refs %v, %v", ids, err)
	}
	if st := res.Meta.Setup; st == nil || len(st.Steps) != 2 || st.Steps[1].Runs != 12 {
		t.Errorf("run.json setup %+v", st)
	}
	if ev := readTimeline(t, res.Dir); ev[0].State != "reverted" {
		t.Errorf("postgres pause: %+v", ev[0])
	}
}

// TestContainersTargetKeepsTheFailedLog: a dependency that exits at start
// (Postgres given an unknown setting) ends the run with exit 5, its last log
// lines in the error and in the run directory as ROLE.log, although the
// container itself is removed.
func TestContainersTargetKeepsTheFailedLog(t *testing.T) {
	refs := runImages(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/broken
target:
  kind: containers
  containers:
    service: {image: "%s", port: 8080}
    dependencies:
      - {name: cache, image: "%s", port: 5432, cmd: [-c, no_such_setting=1]}
traffic: {phases: [{duration: 1s, shape: constant, rate: 10/s}]}
`, refs.Authsim, refs.Postgres)), 0o644)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir, Log: testLog{t}})
	if exitcode.Of(err) != exitcode.Environment || !strings.Contains(fmt.Sprint(err), "no_such_setting") {
		t.Fatalf("error %v (exit %d), want exit 5 with the container's log", err, exitcode.Of(err))
	}
	saved, _ := os.ReadFile(filepath.Join(res.Dir, "cache.log"))
	if !strings.Contains(string(saved), "no_such_setting") {
		t.Errorf("cache.log in the run directory: %q", saved)
	}
	if strings.Contains(res.Meta.Reason, "\n") {
		t.Errorf("run.json reason spans lines: %q", res.Meta.Reason)
	}
}

// TestUnbuildableRequestEndsInError: a request template that renders for the
// sample payments validation tries but not for payment 100 stops the load
// there, and the run ends as an error (exit 2, "error" in run.json and in
// the Result), never as a run that completed with fewer payments.
func TestUnbuildableRequestEndsInError(t *testing.T) {
	srv := approving(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "unbuildable.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/unbuildable
seed: 7
target:
  kind: url
  url: "%s"
  request:
    body: '{{if eq .IdempotencyKey "kp-7-100"}}{{slice .Currency 9}}{{end}}{"amount_minor":{{.AmountMinor}}}'
requests: {key_prefix: kp}
traffic: {phases: [{duration: 2s, shape: constant, rate: 100/s}]}
`, srv.URL)), 0o644)
	if _, err := Load(path); err != nil {
		t.Fatalf("validation should pass (payment 100 is past its samples): %v", err)
	}
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir})
	if exitcode.Of(err) != exitcode.Invalid || err == nil || !strings.Contains(err.Error(), "payment 100") {
		t.Errorf("err %v (exit %d), want exit 2 naming payment 100", err, exitcode.Of(err))
	}
	if res == nil {
		t.Fatal("no result")
	}
	saved, rerr := rundir.ReadMeta(res.Dir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, m := range []*rundir.Meta{res.Meta, saved} {
		if m.Status != rundir.StatusError || !strings.Contains(m.Reason, "a request could not be built") {
			t.Errorf("status %q reason %q, want error: a request could not be built", m.Status, m.Reason)
		}
	}
	if saved.Sent >= saved.Planned {
		t.Errorf("sent %d of %d planned: the load should have stopped at payment 100", saved.Sent, saved.Planned)
	}
}
