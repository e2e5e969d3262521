package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/dockertest"
)

// singleNodeSwarm makes this engine a single-node swarm if it is none, and
// leaves the swarm again at the end: the engine ends as it was found.
func singleNodeSwarm(t *testing.T, cli *client.Client) {
	ctx := context.Background()
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Info.Swarm.LocalNodeState == apiswarm.LocalNodeStateActive {
		return
	}
	_, gwErr := cli.NetworkInspect(ctx, "docker_gwbridge", client.NetworkInspectOptions{})
	hadBridge := gwErr == nil
	if _, err := cli.SwarmInit(ctx, client.SwarmInitOptions{ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1"}); err != nil {
		t.Fatalf("docker swarm init: %v", err)
	}
	t.Cleanup(func() {
		if _, err := cli.SwarmLeave(context.Background(), client.SwarmLeaveOptions{Force: true}); err != nil {
			t.Errorf("docker swarm leave --force: %v", err)
		}
		if !hadBridge { // swarm init made it; leaving does not remove it
			cli.NetworkRemove(context.Background(), "docker_gwbridge", client.NetworkRemoveOptions{})
		}
	})
}

// killShard waits until shard k's task runs and its load has been going
// for a while, then SIGKILLs it, as a lost host would.
func killShard(ctx context.Context, cli *client.Client, k, n int, into time.Duration) error {
	want := fmt.Sprintf("AUTHQUAKE_SHARD=%d/%d", k, n)
	for ctx.Err() == nil {
		cs, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label", docker.LabelRole+"=shard")})
		if err != nil {
			return err
		}
		for _, c := range cs.Items {
			in, err := cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
			if err != nil || !slices.Contains(in.Container.Config.Env, want) {
				continue
			}
			args := in.Container.Args
			i := slices.Index(args, "--start-at")
			start, err := time.Parse(time.RFC3339Nano, args[i+1])
			if err != nil {
				return err
			}
			time.Sleep(time.Until(start.Add(into)))
			_, err = cli.ContainerKill(ctx, c.ID, client.ContainerKillOptions{Signal: "KILL"})
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return ctx.Err()
}

// TestSwarmRunsShardsEndToEnd runs a 3-shard scenario with a service fault
// as a Swarm replicated job against a server on this machine's loopback,
// by the path a multi-node swarm takes (the scenario a Swarm config, /out
// a tmpfs, the run directories uploaded to the endpoint; no bind mount):
// the merged report shows the fault's impact and recovery and every hit
// once; then a run where one shard is killed mid-run names that shard and
// what it never sent (by its last checkpoint). Nothing authquake created
// is left behind, configs and secrets included.
func TestSwarmRunsShardsEndToEnd(t *testing.T) {
	cli := dockertest.Client(t)
	singleNodeSwarm(t, cli)
	srv := switchServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/swarm
seed: 11
target: {kind: url, url: "%[1]s"}
traffic: {phases: [{duration: 8s, shape: constant, rate: 75/s}]}
requests: {client: {retries: {max_attempts: 1}}}
faults:
  - {name: down, at: 2s, duration: 1s, kind: http, params: {inject: {url: "%[1]s/fault/on"}, revert: {url: "%[1]s/fault/off"}}}
`, srv.URL)), 0o644)
	listen := freePort(t)

	t.Run("fault", func(t *testing.T) {
		out, err := cmd("swarm", path, "--workers", "3", "--out", filepath.Join(dir, "fault"), "--lead", "8s", "--listen", listen)
		merged, _ := filepath.Glob(filepath.Join(dir, "fault", "*", "merged"))
		if len(merged) != 1 {
			t.Fatalf("no merged run (%v):\n%s", err, out)
		}
		s := readSummary(t, merged[0])
		if s.Requests.Payments != 600 || s.Requests.Planned != 600 || len(s.Shards) != 3 {
			t.Fatalf("payments %d of %d planned, %d shards, want 600 of 600 and 3\n%s", s.Requests.Payments, s.Requests.Planned, len(s.Shards), out)
		}
		if f := s.Faults; len(f) != 1 || !f[0].Impact || !f[0].Recovered || f[0].During.Outcomes.Shed == 0 {
			t.Errorf("fault impact and recovery not in the merged report: %+v\n%s", f, out)
		}
		for _, sh := range s.Shards {
			if sh.Status != "completed" || sh.Unsent != 0 || sh.ClockSkewMS == nil {
				t.Errorf("shard %+v", sh)
			}
		}
	})

	t.Run("killed shard", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		killed := make(chan error, 1)
		go func() { killed <- killShard(ctx, cli, 2, 3, 4*time.Second) }()
		out, err := cmd("swarm", path, "--workers", "3", "--out", filepath.Join(dir, "killed"), "--lead", "8s", "--listen", listen)
		if kerr := <-killed; kerr != nil {
			t.Fatalf("kill shard 2: %v", kerr)
		}
		merged, _ := filepath.Glob(filepath.Join(dir, "killed", "*", "merged"))
		if len(merged) != 1 {
			t.Fatalf("no merged run (%v):\n%s", err, out)
		}
		s := readSummary(t, merged[0])
		sh := s.Shards[2]
		if sh.Status != "killed" || sh.Unsent == 0 || sh.Unsent >= sh.Planned {
			t.Errorf("killed shard reported as %+v", sh)
		}
		if s.Verdict != analysis.VerdictInvalid || !strings.Contains(strings.Join(s.Validity.Reasons, "\n"), fmt.Sprintf("shard 2/3 (%s) killed: %d of its 200", sh.Host, sh.Unsent)) {
			t.Errorf("verdict %s, reasons %q: the killed shard is not named\n%s", s.Verdict, s.Validity.Reasons, out)
		}
	})

	ss, err := cli.ServiceList(context.Background(), client.ServiceListOptions{Filters: client.Filters{}.Add("label", docker.LabelRun)})
	if err != nil || len(ss.Items) > 0 {
		t.Errorf("services left behind: %d (%v)", len(ss.Items), err)
	}
	cs, err := cli.ConfigList(context.Background(), client.ConfigListOptions{Filters: client.Filters{}.Add("label", docker.LabelRun)})
	if err != nil || len(cs.Items) > 0 {
		t.Errorf("scenario configs left behind: %d (%v)", len(cs.Items), err)
	}
	sec, err := cli.SecretList(context.Background(), client.SecretListOptions{Filters: client.Filters{}.Add("label", docker.LabelRun)})
	if err != nil || len(sec.Items) > 0 {
		t.Errorf("token secrets left behind: %d (%v)", len(sec.Items), err)
	}
}
