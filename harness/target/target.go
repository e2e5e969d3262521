package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/topology"
)

// Info is what run.json says of the target: its kind, what was loaded and
// how long it took to start.
type Info = rundir.TargetInfo

// Target is a started target: its topology and what faults need of it.
type Target struct {
	Info
	// Topo is the running topology; nil when nothing started.
	Topo *topology.Topology
	// Docker reaches its containers; nil for a target without any.
	Docker *client.Client
}

// FaultEnv is what the fault timeline acts on: the target's links,
// containers and network, and its admin API, which the fault kinds its
// module adds drive.
func (t *Target) FaultEnv(s *scenario.Scenario, seed uint64, allowRemote bool) fault.Env {
	// Every target's admin endpoint (a containers target's admin_port) is
	// {{.Admin}} to the generic http fault.
	env := fault.Env{Links: t.Topo.Links, Docker: t.Docker, Containers: map[string]string{},
		AccountPrefix: s.Accounts.Prefix, AccountCount: s.Accounts.Count, Seed: seed, AllowRemote: allowRemote,
		Admin: t.Topo.Endpoints.Admin, AdminToken: t.Topo.AdminToken, ClientTimeout: s.Requests.Client.Timeout.D()}
	if t.Topo.Endpoints.Toxiproxy != "" {
		env.Toxiproxy = toxiclient.NewClient(t.Topo.Endpoints.Toxiproxy)
	}
	if t.Topo.Network != nil {
		env.Network = t.Topo.Network.ID
	}
	for role, c := range t.Topo.Containers {
		env.Containers[role] = c.GetContainerID()
	}
	return env
}

// Close removes the target with a fresh, bounded context.
func (t *Target) Close(log io.Writer) {
	if t.Topo != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := t.Topo.Close(ctx); err != nil {
			fmt.Fprintln(log, "teardown:", err)
		}
	}
	if t.Docker != nil {
		t.Docker.Close()
	}
}

// Keep leaves the target running for inspection and says where it is and
// how to remove it. A url target's in-process Toxiproxy ends with the run.
func (t *Target) Keep(log io.Writer) {
	if t.Topo == nil || len(t.Topo.Containers) == 0 {
		fmt.Fprintln(log, "--keep: nothing to keep (the target is not authquake's containers)")
		t.Close(log)
		return
	}
	if t.Docker != nil {
		t.Docker.Close()
	}
	e := t.Topo.Endpoints
	fmt.Fprintf(log, "kept run %s: service %s", t.Topo.RunID, e.ServiceDirect)
	for _, ep := range []struct{ name, url string }{{"admin", e.Admin}, {"postgres", e.PostgresDSN}, {"toxiproxy", e.Toxiproxy}} {
		if ep.url != "" {
			fmt.Fprintf(log, ", %s %s", ep.name, ep.url)
		}
	}
	if t.Topo.KeepUntil.IsZero() {
		fmt.Fprintf(log, "\nremove it with: authquake cleanup --run %s (the next authquake run also removes it)\n", t.Topo.RunID)
		return
	}
	fmt.Fprintf(log, "\nkept until %s: remove it with authquake cleanup --run %s (or cleanup --kept); after that time any authquake run or cleanup removes it\n",
		t.Topo.KeepUntil.Format(time.RFC3339), t.Topo.RunID)
}

// DockerHost connects t to Docker, removes what dead runs left, and builds
// the images need names: the first steps of a module that runs containers.
func DockerHost(ctx context.Context, t *Target, need images.Need, log io.Writer) (images.Refs, error) {
	cli, err := docker.Connect(ctx)
	if err != nil {
		return images.Refs{}, err
	}
	t.Docker = cli
	if r, err := docker.Reap(ctx, cli, docker.Selector{}); err == nil && len(r.Containers)+len(r.Networks) > 0 {
		fmt.Fprintf(log, "removed %d leftovers of dead runs\n", len(r.Containers)+len(r.Networks))
	}
	b, err := images.NewBuilder(cli, log)
	if err != nil {
		return images.Refs{}, exitcode.New(exitcode.Environment, err, "")
	}
	refs, err := b.Build(ctx, need)
	if err != nil {
		return images.Refs{}, exitcode.New(exitcode.Environment, err, "")
	}
	return refs, nil
}

// StartHint points at the failed container's log: shown above, and saved
// in the run directory by the caller, since the container is removed.
func StartHint(err error) string {
	var se *topology.StartError
	switch {
	case !errors.As(err, &se):
		return ""
	case se.Log == "":
		return fmt.Sprintf("%s wrote no log before it failed", se.Role)
	}
	return fmt.Sprintf("its last log lines are above and in the run directory as %s.log", se.Role)
}
