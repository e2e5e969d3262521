// Package containers is the module of target kind containers: your own
// service image, optionally with authquake's Postgres and further
// dependencies, each link through Toxiproxy.
package containers

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/topology"
)

// Module runs your own service image, optionally with authquake's Postgres
// and further dependencies, each link through Toxiproxy. It has no switches
// or ledger of its own: faults of your service are the generic http fault,
// its ledger a sql or http source the scenario names.
type Module struct{}

// Kind is target.kind containers.
func (Module) Kind() string { return scenario.TargetContainers }

// Summary says what it is, for authquake list.
func (Module) Summary() string {
	return "your images, with authquake's Postgres and further dependencies if asked (target.containers)"
}

// Links are the client link, db with Postgres, and one per dependency,
// named after it; the containers are the service and the same.
func (Module) Links(t scenario.Target) (links, roles []string) {
	links, roles = []string{"client"}, []string{"service"}
	if t.Containers != nil {
		if t.Containers.Postgres != nil {
			links, roles = append(links, "db"), append(roles, "postgres")
		}
		for _, d := range t.Containers.Dependencies {
			links, roles = append(links, d.Name), append(roles, d.Name)
		}
	}
	return links, roles
}

// Validate checks the containers block: each container's image, port,
// readiness, and each dependency's name.
func (Module) Validate(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	c := s.Target.Containers
	if c == nil {
		return scenario.Problems{src.Errorf("$.target", "add containers: {service: {image: ..., port: ...}}", "kind containers needs a containers block")}
	}
	var probs scenario.Problems
	errf := func(path, hint, format string, args ...any) {
		probs = append(probs, src.Errorf(path, hint, format, args...))
	}
	for i, c := range append([]scenario.ContainerSpec{c.Service}, c.Dependencies...) {
		p := "$.target.containers.service"
		if i > 0 {
			p = fmt.Sprintf("$.target.containers.dependencies[%d]", i-1)
			if !scenario.ValidName(c.Name) {
				errf(p+".name", "a dependency needs a name: its role and network alias", "%q is not a valid name", c.Name)
			}
		}
		if c.Image == "" {
			errf(p+".image", "a local image reference, e.g. myservice:dev", "is required")
		}
		if c.Port < 1 || c.Port > 65535 {
			errf(p+".port", "the TCP port the container serves on", "must be from 1 to 65535")
		}
		if c.Ready != "" && !strings.HasPrefix(c.Ready, "/") {
			errf(p+".ready", "an HTTP path such as /healthz; for a command use ready_cmd: [redis-cli, ping]; leave it out to wait for the port", "must be an HTTP path starting with /, not %q", c.Ready)
		}
		if c.Ready != "" && len(c.ReadyCmd) > 0 {
			errf(p+".ready_cmd", "keep one of them", "ready and ready_cmd are two ways to say the same; give one")
		}
	}
	if pg := c.Postgres; pg != nil {
		for k, v := range pg.Settings {
			if !settingName.MatchString(k) {
				errf("$.target.containers.postgres.settings."+k, "a Postgres setting's name, e.g. track_commit_timestamp", "%q is not a setting name", k)
			}
			if strings.ContainsAny(v, "\x00\n") {
				errf("$.target.containers.postgres.settings."+k, "one line", "the value holds a newline or a NUL byte")
			}
		}
	}
	return probs
}

// settingName is a Postgres setting's name, in any case (TimeZone); an
// extension's has a dot.
var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// Images are Toxiproxy for the links, and Postgres when the scenario asks
// for it; the service's are the user's own, already local.
func (Module) Images(t scenario.Target) images.Need {
	return images.Need{Toxiproxy: true, Postgres: t.Containers != nil && t.Containers.Postgres != nil}
}

// Shareable is false: each shard would start its own copy of the containers.
func (Module) Shareable() bool { return false }

// Start builds the images it needs and starts the containers.
func (m Module) Start(ctx context.Context, s *scenario.Scenario, o target.Options) (*target.Target, error) {
	t := &target.Target{}
	refs, err := target.DockerHost(ctx, t, m.Images(s.Target), o.Log)
	if err != nil {
		return t, err
	}
	spec := containersSpec(s.Target.Containers, refs)
	spec.KeepUntil = o.KeepUntil
	for _, c := range append([]topology.Container{spec.Service}, spec.Dependencies...) {
		t.Images = append(t.Images, c.Image)
	}
	topo, err := topology.Start(ctx, spec)
	t.Topo = topo
	if err != nil {
		return t, exitcode.New(exitcode.Environment, fmt.Errorf("start containers: %w", err), target.StartHint(err))
	}
	t.StartupMS = topo.Startup.Milliseconds()
	return t, nil
}

// containersSpec is the topology of a containers target: the user's images,
// authquake's Postgres and Toxiproxy.
func containersSpec(c *scenario.ContainersTarget, refs images.Refs) topology.Spec {
	conv := func(cs scenario.ContainerSpec, name string) topology.Container {
		if cs.Name != "" {
			name = cs.Name
		}
		return topology.Container{Name: name, Image: cs.Image, Port: cs.Port, AdminPort: cs.AdminPort, Env: cs.Env, Cmd: cs.Cmd, Ready: cs.Ready, ReadyCmd: cs.ReadyCmd}
	}
	spec := topology.Spec{Toxiproxy: refs.Toxiproxy, Service: conv(c.Service, "service")}
	spec.Service.Name = "service" // faults and links name it so
	if pg := c.Postgres; pg != nil {
		spec.Postgres = &topology.Postgres{Image: refs.Postgres, Database: or(pg.Database, "app"), User: or(pg.User, "app"), Password: or(pg.Password, "app"),
			Settings: pg.Settings}
	}
	for _, d := range c.Dependencies {
		spec.Dependencies = append(spec.Dependencies, conv(d, d.Name))
	}
	return spec
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
