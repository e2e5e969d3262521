package authsim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/jackc/pgx/v5"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/topology"
)

// TestRunReachesEveryEndpointAndCleansUp starts the bundled topology,
// reaches Postgres, Toxiproxy and authsim through 127.0.0.1, proves the
// service's database link runs through Toxiproxy, and checks that Close
// leaves no container or network of the run behind.
func TestRunReachesEveryEndpointAndCleansUp(t *testing.T) {
	cli := dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topo, err := Run(ctx, refs)
	defer topo.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := topo.Endpoints
	for _, u := range []string{e.Service, e.ServiceDirect, e.Admin, e.Toxiproxy, e.PostgresDSN} {
		if !strings.Contains(u, "@127.0.0.1:") && !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("endpoint %q is not on 127.0.0.1", u)
		}
	}
	// Postgres, directly.
	conn, err := pgx.Connect(ctx, e.PostgresDSN)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("postgres query: %v", err)
	}
	conn.Close(ctx)
	// Toxiproxy has both links.
	proxies, err := toxiclient.NewClient(e.Toxiproxy).Proxies()
	if err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	for _, link := range []string{topology.LinkClient, topology.LinkDB} {
		if _, ok := proxies[link]; !ok {
			t.Errorf("toxiproxy has no %q proxy", link)
		}
	}
	// authsim, through the client link and directly.
	for _, base := range []string{e.Service, e.ServiceDirect} {
		if code, body := get(t, base+"/readyz"); code != 200 {
			t.Errorf("GET %s/readyz: %d %s", base, code, body)
		}
	}
	// Cutting the db link makes authsim not ready: its database goes through Toxiproxy.
	if err := proxies[topology.LinkDB].Disable(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, e.ServiceDirect+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("with the db link down, /readyz = %d, want 503", code)
	}
	if err := proxies[topology.LinkDB].Enable(); err != nil {
		t.Fatal(err)
	}
	if n := len(topo.Containers); n != 3 {
		t.Errorf("%d containers, want 3", n)
	}
	if err := topo.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	cs, ns := dockertest.RunResources(t, cli, topo.RunID)
	if len(cs)+len(ns) != 0 {
		t.Errorf("after Close, run %s still has containers %v, networks %v", topo.RunID, cs, ns)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
