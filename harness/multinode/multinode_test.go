package multinode_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/cli"
	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/multinode"
	"github.com/authquake/authquake/harness/runtest"
)

// cluster starts a three-node swarm of Docker-in-Docker nodes with the
// authquake image loaded into each, or skips unless AUTHQUAKE_MULTINODE is
// set (make test-multinode). Ctrl-C (SIGINT, SIGTERM) cancels the
// returned context; the cluster is removed at the end on every path, and
// nothing authquake labels is left on this machine's engine.
func cluster(t *testing.T) (context.Context, *multinode.Cluster, images.Refs) {
	if os.Getenv("AUTHQUAKE_MULTINODE") == "" {
		t.Skip("opt-in, about two minutes: make test-multinode (AUTHQUAKE_MULTINODE=1)")
	}
	host := dockertest.Client(t)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	t.Cleanup(stop)
	b, err := images.NewBuilder(host, tlog{t})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := b.Build(ctx, images.Need{Authquake: true, Dind: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := multinode.Start(ctx, host, multinode.Options{Image: refs.Dind, Nodes: 3, Log: tlog{t}})
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("teardown: %v", err)
		}
		left, err := host.ContainerList(context.Background(), client.ContainerListOptions{All: true,
			Filters: client.Filters{}.Add("label", docker.LabelOwner+"="+docker.Self().String())})
		if err != nil || len(left.Items) > 0 {
			t.Errorf("containers left behind: %d (%v)", len(left.Items), err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Load(ctx, nil, refs.Authquake); err != nil {
		t.Fatal(err)
	}
	return ctx, c, refs
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sources is a url target on this machine's address on the private network
// that counts the payments it answered by the address they came from; its
// /fault/on and /fault/off switch it to 503s and back.
type sources struct {
	mu   sync.Mutex
	from map[string]int
	down atomic.Bool
}

func (s *sources) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/fault/on":
		s.down.Store(true)
	case "/fault/off":
		s.down.Store(false)
	default:
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		s.mu.Lock()
		s.from[ip]++
		s.mu.Unlock()
		if s.down.Load() {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(201)
		w.Write([]byte(`{"status":"approved","code":"00"}`))
	}
}

// TestSwarmAcrossNodes runs authquake swarm against the manager's engine
// with three shards, one a node: each shard's task runs in another node's
// engine, reaches a url target and the coordination endpoint on this
// machine's address on the private network, and uploads its run
// directory; the merged report has every payment, the three nodes as the
// shards' hosts, and the impact and recovery of a fault that shard 0 ran
// from whichever node it was on. Four shards one a node are refused first:
// the fourth would wait for a node forever.
func TestSwarmAcrossNodes(t *testing.T) {
	ctx, c, refs := cluster(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(c.Gateway, "0"))
	if err != nil {
		t.Fatal(err)
	}
	tgt := &sources{from: map[string]int{}}
	srv := &http.Server{Handler: tgt}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	dir := t.TempDir()
	scen := filepath.Join(dir, "s.yaml")
	os.WriteFile(scen, []byte(fmt.Sprintf(`name: test/multinode
seed: 23
target: {kind: url, url: "%[1]s"}
traffic: {phases: [{duration: 12s, shape: constant, rate: 50/s}]}
requests: {client: {retries: {max_attempts: 1}}}
faults:
  - {name: down, at: 3s, duration: 1s, kind: http, params: {inject: {url: "%[1]s/fault/on"}, revert: {url: "%[1]s/fault/off"}}}
`, url)), 0o644)
	endpoint, err := net.Listen("tcp", net.JoinHostPort(c.Gateway, "0"))
	if err != nil {
		t.Fatal(err)
	}
	listen := endpoint.Addr().String()
	endpoint.Close()

	t.Setenv("DOCKER_HOST", c.Manager().API)
	swarm := func(workers string) (string, error) {
		var out strings.Builder
		err := cli.Run(ctx, []string{"swarm", scen, "--workers", workers, "--max-per-node", "1", "--image", refs.Authquake,
			"--listen", listen, "--allow-remote", "--lead", "20s", "--out", filepath.Join(dir, "out")}, cli.IO{Out: &out, Err: &out})
		return out.String(), err
	}
	// A fourth shard would find no node and stay pending: refused before any job.
	if out, err := swarm("4"); exitcode.Of(err) != exitcode.Invalid || !strings.Contains(out+err.Error(), "the swarm has 3 ready and active") {
		t.Errorf("4 shards one a node on 3 nodes: %v\n%s", err, out)
	}
	started := time.Now()
	out, err := swarm("3")
	t.Logf("authquake swarm across %d nodes: %s (%v)", len(c.Nodes), time.Since(started).Round(time.Second), err)
	merged, _ := filepath.Glob(filepath.Join(dir, "out", "*", "merged"))
	if len(merged) != 1 {
		t.Fatalf("no merged run (%v):\n%s", err, out)
	}
	s := runtest.Summary(t, merged[0])
	if s.Requests.Payments != 600 || s.Requests.Planned != 600 || len(s.Shards) != 3 {
		t.Fatalf("payments %d of %d planned, %d shards, want 600 of 600 and 3\n%s", s.Requests.Payments, s.Requests.Planned, len(s.Shards), out)
	}
	var hosts, nodes, addrs, from []string
	for _, sh := range s.Shards {
		hosts = append(hosts, sh.Host)
		if sh.Status != "completed" || sh.Unsent != 0 {
			t.Errorf("shard %+v", sh)
		}
	}
	for _, n := range c.Nodes {
		nodes, addrs = append(nodes, n.Name), append(addrs, n.Addr)
	}
	for ip := range tgt.from {
		from = append(from, ip)
	}
	sort.Strings(hosts)
	sort.Strings(addrs)
	sort.Strings(from)
	t.Logf("shards ran on %v; the target answered %v by source address", hosts, tgt.from)
	// With the host network, a task's hostname is its node's.
	if !slices.Equal(hosts, nodes) {
		t.Errorf("shards ran on %v, want one on each node %v", hosts, nodes)
	}
	if !slices.Equal(from, addrs) {
		t.Errorf("the target was reached from %v (%v), want each node's address %v", from, tgt.from, addrs)
	}
	if f := s.Faults; len(f) != 1 || !f[0].Impact || !f[0].Recovered || f[0].During.Outcomes.Shed == 0 {
		t.Errorf("fault impact and recovery not in the merged report: %+v\n%s", f, out)
	}
}
