package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/ledger"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/setup"
	"github.com/authquake/authquake/harness/topology"
)

// target is the running system under test with what faults need of it.
type target struct {
	topo   *topology.Topology
	docker *client.Client // nil for a url target
	info   TargetInfo
}

// startTarget brings up the scenario's target. The returned target is
// non-nil even on error, so that what started can be removed.
func startTarget(ctx context.Context, s *scenario.Scenario, o Options) (*target, error) {
	t := &target{info: TargetInfo{Kind: s.Target.Kind}}
	switch s.Target.Kind {
	case scenario.TargetURL:
		topo, err := topology.StartURL(ctx, s.Target.URL, o.AllowRemote)
		t.topo = topo
		if err != nil {
			return t, exitcode.New(exitcode.Invalid, err, "")
		}
		return t, nil
	}
	cli, err := docker.Connect(ctx)
	if err != nil {
		return t, err
	}
	t.docker = cli
	if r, err := docker.Reap(ctx, cli, docker.Selector{}); err == nil && len(r.Containers)+len(r.Networks) > 0 {
		fmt.Fprintf(o.Log, "removed %d leftovers of dead runs\n", len(r.Containers)+len(r.Networks))
	}
	b, err := images.NewBuilder(cli, o.Log)
	if err != nil {
		return t, exitcode.New(exitcode.Environment, err, "")
	}
	refs, err := b.Build(ctx, imagesFor(s.Target))
	if err != nil {
		return t, exitcode.New(exitcode.Environment, err, "")
	}
	if s.Target.Kind == scenario.TargetContainers {
		spec := containersSpec(s.Target.Containers, refs)
		for _, c := range append([]topology.Container{spec.Service}, spec.Dependencies...) {
			t.info.Images = append(t.info.Images, c.Image)
		}
		topo, err := topology.Start(ctx, spec)
		t.topo = topo
		if err != nil {
			return t, exitcode.New(exitcode.Environment, fmt.Errorf("start containers: %w", err), startHint(err))
		}
		t.info.StartupMS = topo.Startup.Milliseconds()
		return t, nil
	}
	a := s.Target.Authsim
	if o.Bugs != nil {
		a.Bugs = *o.Bugs
	}
	t.info.Bugs, t.info.Images = a.Bugs, []string{refs.Postgres, refs.Toxiproxy, refs.Authsim}
	topo, err := topology.StartAuthsim(ctx, topology.AuthsimOptions{Images: refs, Bugs: a.Bugs, Env: a.Env,
		CPUs: a.CPUs, Memory: int64(a.Memory), Log: o.Log})
	t.topo = topo
	if err != nil {
		return t, exitcode.New(exitcode.Environment, fmt.Errorf("start authsim: %w", err), startHint(err))
	}
	t.info.StartupMS = topo.Startup.Milliseconds()
	return t, nil
}

// startHint points at the failed container's log: shown above, and saved
// in the run directory by saveStartLog, since the container is removed.
func startHint(err error) string {
	var se *topology.StartError
	switch {
	case !errors.As(err, &se):
		return ""
	case se.Log == "":
		return fmt.Sprintf("%s wrote no log before it failed", se.Role)
	}
	return fmt.Sprintf("its last log lines are above and in the run directory as %s.log", se.Role)
}

// saveStartLog writes the log of a container that failed to start into the
// run directory as ROLE.log, when err carries one.
func saveStartLog(dir string, err error) {
	var se *topology.StartError
	if errors.As(err, &se) && se.Log != "" {
		os.WriteFile(filepath.Join(dir, se.Role+".log"), []byte(se.Log), 0o644)
	}
}

// imagesFor says which of authquake's images a target uses: Toxiproxy
// always, authsim only for kind authsim, Postgres when there is one.
func imagesFor(t scenario.Target) images.Need {
	if t.Kind == scenario.TargetContainers {
		return images.Need{Toxiproxy: true, Postgres: t.Containers != nil && t.Containers.Postgres != nil}
	}
	return images.Need{Toxiproxy: true, Postgres: true, Authsim: true}
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
		spec.Postgres = &topology.Postgres{Image: refs.Postgres, Database: or(pg.Database, "app"), User: or(pg.User, "app"), Password: or(pg.Password, "app")}
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

// faultEnv is what the fault timeline acts on.
func (t *target) faultEnv(s *scenario.Scenario, seed uint64, allowRemote bool) fault.Env {
	env := fault.Env{Links: t.topo.Links, Docker: t.docker, Containers: map[string]string{},
		Admin: t.topo.Endpoints.Admin, AdminToken: t.topo.AdminToken, AccountPrefix: s.Accounts.Prefix,
		AccountCount: s.Accounts.Count, Seed: seed, AllowRemote: allowRemote}
	if t.topo.Endpoints.Toxiproxy != "" {
		env.Toxiproxy = toxiclient.NewClient(t.topo.Endpoints.Toxiproxy)
	}
	if t.topo.Network != nil {
		env.Network = t.topo.Network.ID
	}
	for role, c := range t.topo.Containers {
		env.Containers[role] = c.GetContainerID()
	}
	return env
}

// close removes the target with a fresh, bounded context.
func (t *target) close(log io.Writer) {
	if t.topo != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := t.topo.Close(ctx); err != nil {
			fmt.Fprintln(log, "teardown:", err)
		}
	}
	if t.docker != nil {
		t.docker.Close()
	}
}

// keep leaves the target running for inspection and says where it is and
// how to remove it. A url target's in-process Toxiproxy ends with the run.
func (t *target) keep(log io.Writer) {
	if t.topo == nil || len(t.topo.Containers) == 0 {
		fmt.Fprintln(log, "--keep: nothing to keep (the target is not authquake's containers)")
		t.close(log)
		return
	}
	if t.docker != nil {
		t.docker.Close()
	}
	e := t.topo.Endpoints
	fmt.Fprintf(log, "kept run %s: service %s", t.topo.RunID, e.ServiceDirect)
	for _, ep := range []struct{ name, url string }{{"admin", e.Admin}, {"postgres", e.PostgresDSN}, {"toxiproxy", e.Toxiproxy}} {
		if ep.url != "" {
			fmt.Fprintf(log, ", %s %s", ep.name, ep.url)
		}
	}
	fmt.Fprintf(log, "\nremove it with: authquake cleanup --run %s (the next authquake run also removes it)\n", t.topo.RunID)
}

// snapshot reads the scenario's ledger source (authsim's by default for
// kind authsim) before the target is removed and saves it into the run
// directory for the audit: ledger.jsonl.gz, or ledger.error with the reason
// (the audit is then inconclusive), or ledger.none when no source is set.
func (t *target) snapshot(ctx context.Context, s *scenario.Scenario, dir string, allowRemote bool, log io.Writer) {
	env := ledger.Env{Config: s.Ledger, AllowRemote: allowRemote}
	if t.topo != nil {
		e := t.topo.Endpoints
		env.PostgresDSN, env.Admin, env.AdminToken = e.PostgresDSN, e.Admin, t.topo.AdminToken
		if e.ServiceDirect != "" {
			env.Ready = e.ServiceDirect + "/readyz"
		}
	}
	refs, err := setup.ReadRefs(dir)
	if err == nil {
		env.Refs = refs
		err = ledger.Snapshot(ctx, env, dir)
	} else {
		os.WriteFile(filepath.Join(dir, audit.ErrorFile), []byte(err.Error()+"\n"), 0o644)
	}
	if err != nil {
		fmt.Fprintln(log, "ledger snapshot:", err)
	}
}
