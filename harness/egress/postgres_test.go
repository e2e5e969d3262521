package egress

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/authquake/authquake/harness/egress/egresstest"
)

// runnerEnv sets every libpq variable a CI runner might hold, each pointing
// somewhere a hostile database must never learn of.
func runnerEnv(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pgpass")
	os.WriteFile(pass, []byte("*:*:*:*:passfile-secret\n"), 0o600)
	svc := filepath.Join(dir, "pg_service.conf")
	os.WriteFile(svc, []byte("[ci]\nhost=127.0.0.2\nport=6543\nuser=svc-user\npassword=service-secret\ndbname=svc-db\noptions=-c role=admin\n"), 0o600)
	for k, v := range map[string]string{
		"PGPASSWORD": "runner-secret", "PGUSER": "runner", "PGDATABASE": "prod", "PGHOST": "127.0.0.2", "PGPORT": "6543",
		"PGPASSFILE": pass, "PGSERVICEFILE": svc, "PGSERVICE": "ci", "PGAPPNAME": "ci-job",
		"PGSSLMODE": "verify-full", "PGCONNECT_TIMEOUT": "1", "PGTARGETSESSIONATTRS": "read-write",
	} {
		t.Setenv(k, v)
	}
}

func TestPostgresTakesNothingFromTheEnvironment(t *testing.T) {
	runnerEnv(t)
	db := egresstest.NewPostgres(t, "127.0.0.1:0")
	cases := []struct {
		name     string
		dsn      string
		password string // what the server must receive
		params   map[string]string
	}{
		// The case: no password in the URL, PGPASSWORD set: none is sent.
		{name: "no password", dsn: "postgres://app@" + db.Addr + "/app",
			params: map[string]string{"user": "app", "database": "app", "application_name": "authquake"}},
		// What the URL names is what is sent.
		{name: "named password", dsn: "postgres://app:named@" + db.Addr + "/app?sslmode=disable&application_name=mine", password: "named",
			params: map[string]string{"user": "app", "database": "app", "application_name": "mine"}},
		// No database named: not PGDATABASE's, nor the service file's.
		{name: "no database", dsn: "postgres://app@" + db.Addr,
			params: map[string]string{"user": "app", "application_name": "authquake"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(db.Conns())
			cfg, err := Guard{}.PostgresConfig(c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if conn, err := pgx.ConnectConfig(ctx, cfg); err == nil {
				conn.Close(ctx)
				t.Fatal("the fake server refuses every password, yet pgx connected")
			} else if !strings.Contains(err.Error(), "fake server") {
				t.Fatalf("did not reach the server on the URL's host: %v", err)
			}
			conns := db.Conns()[before:]
			if len(conns) != 1 {
				t.Fatalf("%d connections, want 1", len(conns))
			}
			got := conns[0]
			if got.Password != c.password {
				t.Errorf("the server received password %q, want %q", got.Password, c.password)
			}
			if len(got.Params) != len(c.params) {
				t.Errorf("startup parameters %v, want exactly %v", got.Params, c.params)
			}
			for k, v := range c.params {
				if got.Params[k] != v {
					t.Errorf("startup %s = %q, want %q (all: %v)", k, got.Params[k], v, got.Params)
				}
			}
		})
	}
	// The pool reads the same way.
	cfg, err := Guard{}.PostgresPool("postgres://app@" + db.Addr + "/app")
	if err != nil {
		t.Fatal(err)
	}
	before := len(db.Conns())
	if pool, err := pgxpool.NewWithConfig(context.Background(), cfg); err == nil {
		pool.Ping(context.Background())
		pool.Close()
	}
	for _, got := range db.Conns()[before:] {
		if got.Password != "" || got.Params["user"] != "app" {
			t.Errorf("the pool sent %+v", got)
		}
	}
}

func TestPostgresDialsThroughTheGuard(t *testing.T) {
	runnerEnv(t)
	db := egresstest.NewPostgres(t, "127.0.0.2:0")
	_, port, _ := strings.Cut(db.Addr, ":")
	only1 := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	cases := []struct {
		name  string
		guard Guard
		dsn   string
		want  string
	}{
		// An address the guard refuses is never connected to.
		{name: "address outside the allow-list", guard: only1, dsn: "postgres://app:pw@" + db.Addr + "/app", want: "allow-list"},
		// A name resolving off this machine is refused once resolved.
		{name: "name resolving to 192.0.2.1", guard: Guard{resolver: fakeDNS([4]byte{192, 0, 2, 1})},
			dsn: "postgres://app:pw@db.example.test.:" + port + "/app", want: "not on this machine"},
		// A name resolving to a refused loopback address too.
		{name: "name resolving outside the allow-list", guard: Guard{Allow: only1.Allow, resolver: fakeDNS([4]byte{127, 0, 0, 2})},
			dsn: "postgres://app:pw@db.example.test.:" + port + "/app", want: "allow-list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := c.guard.PostgresConfig(c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err == nil {
				conn.Close(ctx)
				t.Fatal("connected")
			}
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want the guard's refusal (ErrRefused) saying %q", err, c.want)
			}
		})
	}
	if n := len(db.Conns()); n != 0 {
		t.Errorf("127.0.0.2 saw %d connections the guard refused", n)
	}
}

func TestCheckDSN(t *testing.T) {
	cases := []struct {
		dsn         string
		allowRemote bool
		want        string // "" is fine
	}{
		{"postgres://app:pw@127.0.0.1:5432/app", false, ""},
		{"postgresql://app@localhost/app", false, ""},
		{"postgres://app@[::1]:5432/app", false, ""},
		{"postgres://app@127.0.0.1:5432,127.0.0.2:5433/app", false, ""},        // every host checked
		{"postgres://app@127.0.0.1:5432,10.0.0.1:5433/app", false, "10.0.0.1"}, // ... the second too
		{"postgres://app@db.internal:5432/app", false, "--allow-remote"},       // a name is not this machine
		{"postgres://app@203.0.113.7:5432/app", false, "--allow-remote"},       // nor a remote address
		{"postgres://app@203.0.113.7:5432/app", true, ""},                      // unless allowed
		{"postgres://app@/app?host=10.0.0.1", false, "--allow-remote"},         // host as a parameter
		{"postgres:///app?user=app", false, "names no host"},                   // PGHOST would decide
		{"postgres://127.0.0.1:5432/app", false, "names no user"},              // PGUSER would decide
		{"postgres://app@/app?host=/var/run/postgresql", true, "Unix socket"},  // not TCP
		{"host=127.0.0.1 user=app", false, "not a postgres:// URL"},            // keyword form
		{"postgres://app:secret@%zz/app", false, "not a postgres:// URL"},      // does not parse
	}
	for _, c := range cases {
		err := CheckDSN(c.dsn, c.allowRemote)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckDSN(%q): %v", c.dsn, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckDSN(%q) = %v, want an error saying %q", c.dsn, err, c.want)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("CheckDSN(%q) printed the password: %v", c.dsn, err)
		}
	}
}
