package topology

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/images"
)

// Fixed ports inside the private network.
const (
	servicePort   = "8080/tcp"
	adminPort     = "8081/tcp"
	toxiAPIPort   = "8474/tcp"
	clientProxy   = "18080" // toxiproxy listens here for the client link
	dbProxy       = "15432" // and here for the service -> postgres link
	postgresPort  = "5432/tcp"
	dbName        = "authsim"
	dbUser        = "authsim"
	dbPassword    = "authsim"
	readyDeadline = 90 * time.Second
)

// AuthsimOptions configures the bundled topology: Postgres, Toxiproxy, authsim.
type AuthsimOptions struct {
	// RunID labels every resource; docker.NewRunID() when empty.
	RunID  string
	Images images.Refs
	// Bugs lists authsim's known bugs to switch on (AUTHSIM_BUGS).
	Bugs []string
	// Env adds to or overrides authsim's environment.
	Env map[string]string
	// AdminToken guards authsim's admin API; "authquake" when empty.
	AdminToken string
	// CPUs and Memory (bytes) limit the service container; 0 is no limit.
	CPUs   float64
	Memory int64
	// Log receives one line per container as it becomes ready.
	Log io.Writer
}

// StartAuthsim starts the bundled topology and waits until authsim answers
// /readyz through the client link. On error it returns the half-started
// topology with the error, so the caller can still Close it.
func StartAuthsim(ctx context.Context, o AuthsimOptions) (*Topology, error) {
	docker.SetDefaults()
	if o.RunID == "" {
		o.RunID = docker.NewRunID()
	}
	if o.AdminToken == "" {
		o.AdminToken = "authquake"
	}
	t := &Topology{RunID: o.RunID, Containers: map[string]*testcontainers.DockerContainer{}, log: o.Log,
		Links: []string{LinkClient, LinkDB}, AdminToken: o.AdminToken}
	start := time.Now()
	if err := t.newNetwork(ctx); err != nil {
		return t, err
	}
	err := t.run(ctx, "postgres", o.Images.Postgres,
		testcontainers.WithEnv(map[string]string{"POSTGRES_USER": dbUser, "POSTGRES_PASSWORD": dbPassword, "POSTGRES_DB": dbName}),
		publishLoopback(postgresPort),
		// SIGINT is Postgres's fast shutdown; SIGTERM would wait for clients.
		testcontainers.WithConfigModifier(func(c *container.Config) { c.StopSignal = "SIGINT" }),
		testcontainers.WithWaitStrategyAndDeadline(readyDeadline,
			wait.ForLog("database system is ready to accept connections"),
			wait.ForListeningPort(postgresPort)),
	)
	if err != nil {
		return t, err
	}
	t.logf("postgres ready")
	err = t.run(ctx, "toxiproxy", o.Images.Toxiproxy,
		testcontainers.WithCmd("-host=0.0.0.0", "-port=8474"),
		publishLoopback(toxiAPIPort, clientProxy+"/tcp"),
		testcontainers.WithWaitStrategyAndDeadline(readyDeadline, wait.ForHTTP("/version").WithPort(toxiAPIPort)),
	)
	if err != nil {
		return t, err
	}
	if t.Endpoints.Toxiproxy, err = t.endpoint(ctx, "toxiproxy", "http", toxiAPIPort); err != nil {
		return t, err
	}
	toxi := toxiclient.NewClient(t.Endpoints.Toxiproxy)
	for name, p := range map[string][2]string{LinkClient: {clientProxy, "service:8080"}, LinkDB: {dbProxy, "postgres:5432"}} {
		if _, err := toxi.CreateProxy(name, "0.0.0.0:"+p[0], p[1]); err != nil {
			return t, fmt.Errorf("create proxy %s: %w", name, err)
		}
	}
	t.logf("toxiproxy ready")
	env := map[string]string{
		"AUTHSIM_DATABASE_URL": fmt.Sprintf("postgres://%s:%s@toxiproxy:%s/%s?sslmode=disable", dbUser, dbPassword, dbProxy, dbName),
		"AUTHSIM_ADDR":         ":8080",
		"AUTHSIM_ADMIN_ADDR":   ":8081",
		"AUTHSIM_ADMIN_TOKEN":  o.AdminToken,
		"AUTHSIM_BUGS":         strings.Join(o.Bugs, ","),
	}
	for k, v := range o.Env {
		env[k] = v
	}
	err = t.run(ctx, "service", o.Images.Authsim,
		testcontainers.WithEnv(env),
		publishLoopback(servicePort, adminPort),
		limits(o.CPUs, o.Memory),
		testcontainers.WithWaitStrategyAndDeadline(readyDeadline, wait.ForHTTP("/readyz").WithPort(servicePort)),
	)
	if err != nil {
		return t, err
	}
	if err := t.resolveAuthsim(ctx); err != nil {
		return t, err
	}
	t.Startup = time.Since(start)
	t.logf("authsim ready on %s (client link) after %s", t.Endpoints.Service, t.Startup.Round(time.Millisecond))
	return t, nil
}

func (t *Topology) resolveAuthsim(ctx context.Context) error {
	var err error
	e := &t.Endpoints
	if e.ServiceDirect, err = t.endpoint(ctx, "service", "http", servicePort); err != nil {
		return err
	}
	if e.Admin, err = t.endpoint(ctx, "service", "http", adminPort); err != nil {
		return err
	}
	if e.Service, err = t.endpoint(ctx, "toxiproxy", "http", clientProxy+"/tcp"); err != nil {
		return err
	}
	pg, err := t.endpoint(ctx, "postgres", "postgres", postgresPort)
	if err != nil {
		return err
	}
	e.PostgresDSN = fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", dbUser, dbPassword, strings.TrimPrefix(pg, "postgres://"), dbName)
	return nil
}

func (t *Topology) logf(format string, args ...any) {
	if t.log != nil {
		fmt.Fprintf(t.log, format+"\n", args...)
	}
}
