package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/dockertest"
	module "github.com/authquake/authquake/harness/target/authsim" // this package is authsim too
	"github.com/authquake/authquake/harness/topology"
)

// env is one running authsim topology under test.
type env struct {
	t    *testing.T
	topo *topology.Topology
	db   *pgxpool.Pool
	cli  *client.Client
	http *http.Client
}

// start brings up the bundled topology with the given known bugs.
func start(t *testing.T, bugs ...string) *env {
	t.Helper()
	cli := dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topo, err := module.Run(ctx, refs, module.WithBugs(bugs...))
	t.Cleanup(func() {
		if err := topo.Close(context.Background()); err != nil {
			t.Errorf("close topology: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("topology with bugs %v ready in %s", bugs, topo.Startup.Round(time.Millisecond))
	db, err := pgxpool.New(ctx, topo.Endpoints.PostgresDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return &env{t: t, topo: topo, db: db, cli: cli,
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
}

// answer is one HTTP answer from authsim.
type answer struct {
	status int
	body   string
	json   map[string]any
}

func (e *env) do(method, url string, header map[string]string, body any) answer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return answer{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b)}
	json.Unmarshal(b, &a.json)
	return a
}

// admin calls the admin API and fails the test on a non-200 answer.
func (e *env) admin(method, path string, body any) answer {
	e.t.Helper()
	a := e.do(method, e.topo.Endpoints.Admin+path, map[string]string{"Authorization": "Bearer authquake"}, body)
	if a.status != http.StatusOK {
		e.t.Fatalf("admin %s %s: %d %s", method, path, a.status, a.body)
	}
	return a
}

// seed creates n accounts PREFIX000001… with the same limit.
func (e *env) seed(prefix string, n int, limit int64) {
	e.t.Helper()
	e.admin("POST", "/admin/accounts/seed", map[string]any{"count": n, "prefix": prefix,
		"limit_min_minor": limit, "limit_max_minor": limit})
}

func (e *env) strictness(level int) {
	e.t.Helper()
	e.admin("PUT", "/admin/risk", map[string]any{"strictness": level})
}

// authorize sends one authorisation through the client link.
func (e *env) authorize(key, account string, amount int64) answer {
	return e.do("POST", e.topo.Endpoints.Service+"/v1/authorizations", map[string]string{"Idempotency-Key": key},
		map[string]any{"account_id": account, "amount_minor": amount, "currency": "EUR", "merchant_id": "mrc-0001"})
}

// ledger reads an account's limit and held and the sum of its holds.
func (e *env) ledger(account string) (limit, held, sumHolds int64) {
	e.t.Helper()
	err := e.db.QueryRow(context.Background(), `SELECT a.limit_minor, a.held_minor,
		(SELECT coalesce(sum(hold_minor), 0) FROM authorizations WHERE account_id = a.id)::bigint
		FROM accounts a WHERE a.id = $1`, account).Scan(&limit, &held, &sumHolds)
	if err != nil {
		e.t.Fatalf("ledger of %s: %v", account, err)
	}
	return
}

// count runs a counting query on the ledger.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func id(prefix string, i int) string { return fmt.Sprintf("%s%06d", prefix, i) }

// slowDB adds latency (ms) to the service's database link and returns the
// function that takes it away.
func (e *env) slowDB(ms int) func() {
	e.t.Helper()
	p, err := toxiclient.NewClient(e.topo.Endpoints.Toxiproxy).Proxy(topology.LinkDB)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := p.AddToxic("slow", "latency", "downstream", 1, toxiclient.Attributes{"latency": ms}); err != nil {
		e.t.Fatal(err)
	}
	return func() { p.RemoveToxic("slow") }
}
