package topology

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/secret"
)

// Ports inside the private network.
const (
	toxiAPIPort   = "8474/tcp"
	clientProxy   = 18080 // toxiproxy listens here for the client link
	dbProxy       = 15432 // and here for the service -> postgres link
	firstDepProxy = 20000 // and from here for dependency links
	postgresPort  = "5432/tcp"
	readyDeadline = 90 * time.Second
)

// Container is one container of a topology.
type Container struct {
	// Name is the container's role and its alias on the network.
	Name  string
	Image string
	// Port is the TCP port it serves on; AdminPort a second one to publish (0: none).
	Port, AdminPort int
	// Env values are templates over {{.Postgres.DSN}} and {{.Links.NAME}}
	// (host:port of dependency NAME through its Toxiproxy link).
	Env map[string]string
	Cmd []string
	// Ready is an HTTP path on Port that answers 2xx when the container is
	// ready; ReadyCmd a command that exits 0 inside it when ready. With
	// neither, a dependency is ready when Port accepts connections, the
	// service when Port answers HTTP (any status).
	Ready    string
	ReadyCmd []string
}

// Postgres configures the topology's Postgres.
type Postgres struct {
	Image, Database, User, Password string
	// Settings are server settings, passed as -c NAME=VALUE.
	Settings map[string]string
}

// args are the server's arguments: -c NAME=VALUE for each setting, by name
// (the upstream image's entrypoint and authquake's pass them to postgres).
func (pg *Postgres) args() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(pg.Settings)) {
		out = append(out, "-c", k+"="+pg.Settings[k])
	}
	return out
}

// Spec is a topology to start: an optional Postgres, dependencies, and the
// service, every link through one Toxiproxy.
type Spec struct {
	// RunID labels every resource; docker.NewRunID() when empty.
	RunID        string
	Toxiproxy    string // image
	Postgres     *Postgres
	Dependencies []Container
	Service      Container
	// CPUs and Memory (bytes) limit the service container; 0 is no limit.
	CPUs   float64
	Memory int64
	// Cpusets pin the service container ([0]) and every other one ([1]:
	// Postgres, Toxiproxy, dependencies) to cores, in Docker's cpuset
	// syntax; "" leaves them unpinned.
	Cpusets [2]string
	// AdminToken is the service's admin API token, passed on to faults.
	AdminToken string
	// KeepUntil, when set, marks every resource as kept until then
	// (docker.LabelKept): --keep.
	KeepUntil time.Time
	Log       io.Writer
}

// envView is what service env templates see.
type envView struct {
	Postgres struct{ DSN string }
	Links    map[string]string
}

// Start brings the topology up in order (network, Postgres, dependencies,
// Toxiproxy with its links, service) and waits until the service is ready
// through the client link. On error it returns the half-started topology
// with the error, so the caller can still Close it.
func Start(ctx context.Context, s Spec) (*Topology, error) {
	docker.SetDefaults()
	if s.RunID == "" {
		s.RunID = docker.NewRunID()
	}
	t := &Topology{RunID: s.RunID, Containers: map[string]*testcontainers.DockerContainer{}, log: s.Log,
		Links: []string{LinkClient}, AdminToken: s.AdminToken, KeepUntil: s.KeepUntil}
	start := time.Now()
	if err := t.newNetwork(ctx); err != nil {
		return t, err
	}
	view := envView{Links: map[string]string{}}
	proxies := map[string][2]string{LinkClient: {strconv.Itoa(clientProxy), fmt.Sprintf("%s:%d", s.Service.Name, s.Service.Port)}}
	if pg := s.Postgres; pg != nil {
		err := t.run(ctx, "postgres", pg.Image,
			testcontainers.WithEnv(map[string]string{"POSTGRES_USER": pg.User, "POSTGRES_PASSWORD": pg.Password, "POSTGRES_DB": pg.Database}),
			publishLoopback(postgresPort),
			testcontainers.WithCmd(pg.args()...),
			// SIGINT is Postgres's fast shutdown; SIGTERM would wait for clients.
			testcontainers.WithConfigModifier(func(c *container.Config) { c.StopSignal = "SIGINT" }),
			cpuset(s.Cpusets[1]),
			testcontainers.WithWaitStrategyAndDeadline(readyDeadline,
				wait.ForLog("database system is ready to accept connections"), wait.ForListeningPort(postgresPort)))
		if err != nil {
			return t, err
		}
		t.logf("postgres ready")
		pgURL, err := t.endpoint(ctx, "postgres", "postgres", postgresPort)
		if err != nil {
			return t, err
		}
		t.Endpoints.PostgresDSN = fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", pg.User, pg.Password, strings.TrimPrefix(pgURL, "postgres://"), pg.Database)
		view.Postgres.DSN = fmt.Sprintf("postgres://%s:%s@toxiproxy:%d/%s?sslmode=disable", pg.User, pg.Password, dbProxy, pg.Database)
		proxies[LinkDB] = [2]string{strconv.Itoa(dbProxy), "postgres:5432"}
		t.Links = append(t.Links, LinkDB)
	}
	// Every link is known before anything but Postgres runs: Toxiproxy
	// resolves an upstream only when a connection comes, so all proxies go
	// up first and every container, dependencies too, reaches the others
	// through them ({{.Postgres.DSN}}, {{.Links.NAME}}).
	for i, d := range s.Dependencies {
		port := strconv.Itoa(firstDepProxy + i)
		proxies[d.Name] = [2]string{port, fmt.Sprintf("%s:%d", d.Name, d.Port)}
		view.Links[d.Name] = "toxiproxy:" + port
		t.Links = append(t.Links, d.Name)
	}
	err := t.run(ctx, "toxiproxy", s.Toxiproxy,
		testcontainers.WithCmd("-host=0.0.0.0", "-port=8474"), cpuset(s.Cpusets[1]),
		publishLoopback(toxiAPIPort, fmt.Sprintf("%d/tcp", clientProxy)),
		testcontainers.WithWaitStrategyAndDeadline(readyDeadline, httpReady{port: toxiAPIPort, path: "/version"}))
	if err != nil {
		return t, err
	}
	if t.Endpoints.Toxiproxy, err = t.endpoint(ctx, "toxiproxy", "http", toxiAPIPort); err != nil {
		return t, err
	}
	toxi := toxiclient.NewClient(t.Endpoints.Toxiproxy)
	for name, p := range proxies {
		if _, err := toxi.CreateProxy(name, "0.0.0.0:"+p[0], p[1]); err != nil {
			return t, fmt.Errorf("create proxy %s: %w", name, err)
		}
	}
	t.logf("toxiproxy ready")
	for _, d := range s.Dependencies {
		if err := t.runService(ctx, d, &view, 0, 0, s.Cpusets[1], false); err != nil {
			return t, err
		}
	}
	if err := t.runService(ctx, s.Service, &view, s.CPUs, s.Memory, s.Cpusets[0], true); err != nil {
		return t, err
	}
	e := &t.Endpoints
	port := fmt.Sprintf("%d/tcp", s.Service.Port)
	if e.ServiceDirect, err = t.endpoint(ctx, s.Service.Name, "http", port); err != nil {
		return t, err
	}
	if s.Service.AdminPort != 0 {
		if e.Admin, err = t.endpoint(ctx, s.Service.Name, "http", fmt.Sprintf("%d/tcp", s.Service.AdminPort)); err != nil {
			return t, err
		}
	}
	if e.Service, err = t.endpoint(ctx, "toxiproxy", "http", fmt.Sprintf("%d/tcp", clientProxy)); err != nil {
		return t, err
	}
	t.Startup = time.Since(start)
	t.logf("%s ready on %s (client link) after %s", s.Service.Name, e.Service, t.Startup.Round(time.Millisecond))
	return t, nil
}

// runService starts the service or a dependency container, its env
// rendered against view, and waits until it is ready.
func (t *Topology) runService(ctx context.Context, c Container, view *envView, cpus float64, memory int64, cores string, service bool) error {
	env := map[string]string{}
	for k, v := range c.Env {
		var buf bytes.Buffer
		tmpl, err := template.New(k).Option("missingkey=error").Funcs(secret.Funcs).Parse(v)
		if err == nil {
			err = tmpl.Execute(&buf, view)
		}
		if err != nil {
			return fmt.Errorf("%s env %s: %w (fields: {{.Postgres.DSN}} {{.Links.NAME}})", c.Name, k, err)
		}
		env[k] = buf.String()
	}
	port := fmt.Sprintf("%d/tcp", c.Port)
	ports := []string{port}
	if c.AdminPort != 0 {
		ports = append(ports, fmt.Sprintf("%d/tcp", c.AdminPort))
	}
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithEnv(env), publishLoopback(ports...), limits(cpus, memory), cpuset(cores),
		testcontainers.WithWaitStrategyAndDeadline(readyDeadline, readiness(c, service))}
	if len(c.Cmd) > 0 {
		opts = append(opts, testcontainers.WithCmd(c.Cmd...))
	}
	if err := t.run(ctx, c.Name, c.Image, opts...); err != nil {
		return err
	}
	if !service { // the service itself is announced with its endpoint
		t.logf("%s ready", c.Name)
	}
	return nil
}

// readiness is how to tell that c is ready (see Container.Ready).
func readiness(c Container, service bool) wait.Strategy {
	port := fmt.Sprintf("%d/tcp", c.Port)
	switch {
	case len(c.ReadyCmd) > 0:
		return wait.ForExec(c.ReadyCmd)
	case c.Ready != "":
		return httpReady{port: port, path: c.Ready}
	case service:
		return httpReady{port: port, path: "/", anyAnswer: true}
	}
	// Not HTTP, perhaps (Redis, a broker): something listens on the port,
	// checked from inside the container when it has a shell.
	return portReady{port: port}
}

func (t *Topology) logf(format string, args ...any) {
	if t.log != nil {
		fmt.Fprintf(t.log, format+"\n", args...)
	}
}
