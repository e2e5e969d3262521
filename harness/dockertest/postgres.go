package dockertest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/api/types/container"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Postgres starts authquake's Postgres image with database, user and
// password "app", published on 127.0.0.1, removed when the test ends, and
// returns its DSN once it accepts connections.
func Postgres(t testing.TB) string {
	t.Helper()
	refs := Images(t)
	ctx := context.Background()
	pg, err := testcontainers.Run(ctx, refs.Postgres,
		testcontainers.WithEnv(map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "app", "POSTGRES_DB": "app"}),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = mnet.PortMap{mnet.MustParsePort("5432/tcp"): {{HostIP: netip.MustParseAddr("127.0.0.1")}}}
		}),
		testcontainers.WithConfigModifier(func(c *container.Config) { c.StopSignal = "SIGINT" }),
		testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
			wait.ForLog("database system is ready to accept connections"), wait.ForListeningPort("5432/tcp")))
	t.Cleanup(func() { testcontainers.TerminateContainer(pg) })
	if err != nil {
		t.Fatal(err)
	}
	port, err := pg.MappedPort(ctx, "5432/tcp")
	if err != nil {
		t.Fatal(err)
	}
	dsn := "postgres://app:app@127.0.0.1:" + port.Port() + "/app?sslmode=disable"
	// The entrypoint restarts the server once after initialising: wait for
	// the one that stays.
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Close(ctx)
			return dsn
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres at %s: %v", dsn, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
