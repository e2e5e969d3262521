// Package multinode simulates a multi-node Docker Swarm on one machine:
// Docker-in-Docker nodes (images.Builder.Dind) on a private bridge network,
// one manager and the rest workers, each node's Engine API published on
// 127.0.0.1 only. Images reach the nodes by docker save | docker load, with
// no registry. make test-multinode runs authquake swarm across them.
//
//	host engine ── network authquake-mn-RUN (bridge; the host is its gateway)
//	   ├─ node 0: dockerd, swarm manager   API 127.0.0.1:P0 ─▶ DOCKER_HOST for authquake swarm
//	   ├─ node 1: dockerd, swarm worker    API 127.0.0.1:P1 (image load, join)
//	   └─ node 2: dockerd, swarm worker    API 127.0.0.1:P2
//
// Close removes the nodes (their engines, swarm state and images with
// them: /var/lib/docker is a tmpfs) and the network, on every path; the
// labels let authquake cleanup remove what a killed test left.
package multinode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/docker"
)

// Options configures a simulated swarm.
type Options struct {
	// Image is the node image (images.Builder.Dind).
	Image string
	// Nodes is how many nodes: the first is the manager (default 3).
	Nodes int
	// Log receives a line per step.
	Log io.Writer
}

// Node is one Docker Engine of the swarm.
type Node struct {
	// Name is the node container's name and hostname.
	Name string
	// Addr is its address on the private network.
	Addr string
	// API is its Engine API as this machine reaches it (tcp://127.0.0.1:PORT).
	API string
	// Client talks to its engine.
	Client *client.Client
	id     string
}

// Cluster is a running simulated swarm.
type Cluster struct {
	// Network is the private network's name.
	Network string
	// Gateway is this machine's address on it: where a node reaches a
	// process of this machine (authquake swarm's --listen, a url target).
	Gateway string
	// Nodes are the engines, the manager first.
	Nodes []*Node
	host  *client.Client
	runID string
	log   io.Writer
}

// Manager is the node whose engine authquake swarm talks to.
func (c *Cluster) Manager() *Node { return c.Nodes[0] }

// Start creates the network and the nodes, waits for every engine, makes
// the first node a swarm manager and joins the others as workers. On error
// it returns the half-built cluster too: the caller closes it.
func Start(ctx context.Context, host *client.Client, o Options) (*Cluster, error) {
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	runID := "mn-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	c := &Cluster{Network: "authquake-" + runID, host: host, runID: runID, log: o.Log}
	if _, err := host.NetworkCreate(ctx, c.Network, client.NetworkCreateOptions{Driver: "bridge", Labels: c.labels("network")}); err != nil {
		return c, fmt.Errorf("create network %s: %w", c.Network, err)
	}
	net, err := host.NetworkInspect(ctx, c.Network, client.NetworkInspectOptions{})
	if err != nil || len(net.Network.IPAM.Config) == 0 {
		return c, fmt.Errorf("inspect network %s: %v", c.Network, err)
	}
	c.Gateway = net.Network.IPAM.Config[0].Gateway.String()
	for i := range o.Nodes {
		n, err := c.startNode(ctx, o.Image, i)
		if n != nil {
			c.Nodes = append(c.Nodes, n)
		}
		if err != nil {
			return c, err
		}
	}
	for _, n := range c.Nodes {
		if err := c.waitEngine(ctx, n); err != nil {
			return c, err
		}
	}
	fmt.Fprintf(c.log, "multinode: %d engines up on %s (gateway %s)\n", len(c.Nodes), c.Network, c.Gateway)
	return c, c.formSwarm(ctx)
}

func (c *Cluster) labels(role string) map[string]string {
	return map[string]string{docker.LabelRun: c.runID, docker.LabelOwner: docker.Self().String(), docker.LabelRole: role}
}

// startNode creates and starts node i: not --privileged (see nodeCaps) but
// every capability the engine grants, no seccomp, the system paths
// unmasked, its own cgroup namespace, /var/lib/docker a tmpfs (overlay2
// works on it; not on a container's fuse-overlayfs root), the API on
// 127.0.0.1 only.
func (c *Cluster) startNode(ctx context.Context, image string, i int) (*Node, error) {
	name := fmt.Sprintf("authquake-%s-node%d", c.runID, i)
	api := network.MustParsePort("2375/tcp")
	res, err := c.host.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			Image: image, Hostname: name, Labels: c.labels("swarm-node"),
			Cmd: []string{"--host=tcp://0.0.0.0:2375", "--tls=false"},
		},
		HostConfig: &container.HostConfig{
			CapAdd:        nodeCaps(),
			SecurityOpt:   []string{"seccomp=unconfined", "apparmor=unconfined", "label=disable"},
			MaskedPaths:   []string{}, // the system paths unmasked (docker run --security-opt systempaths=unconfined)
			ReadonlyPaths: []string{},
			CgroupnsMode:  container.CgroupnsModePrivate,
			Tmpfs:         map[string]string{"/var/lib/docker": "rw,exec,suid,dev,mode=0711", "/run": "rw,exec,mode=0755"},
			PortBindings:  network.PortMap{api: {{HostIP: loopback}}},
		},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{c.Network: {}}},
	})
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	n := &Node{Name: name, id: res.ID}
	if _, err := c.host.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		return n, fmt.Errorf("start node %s: %w", name, err)
	}
	in, err := c.host.ContainerInspect(ctx, res.ID, client.ContainerInspectOptions{})
	if err != nil {
		return n, fmt.Errorf("inspect node %s: %w", name, err)
	}
	ns := in.Container.NetworkSettings
	if ep := ns.Networks[c.Network]; ep != nil {
		n.Addr = ep.IPAddress.String()
	}
	if b := ns.Ports[api]; len(b) > 0 {
		n.API = "tcp://127.0.0.1:" + b[0].HostPort
	}
	if n.Addr == "" || n.API == "" {
		return n, fmt.Errorf("node %s: no address on %s or no published API port", name, c.Network)
	}
	n.Client, err = client.New(client.WithHost(n.API), client.WithAPIVersionNegotiation())
	return n, err
}

// Close removes the nodes and the network, with a fresh context: it runs
// after a failure or Ctrl-C too. It returns every error it met.
func (c *Cluster) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	for _, n := range c.Nodes {
		if n.Client != nil {
			n.Client.Close()
		}
		if _, err := c.host.ContainerRemove(ctx, n.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove node %s: %w", n.Name, err))
		}
	}
	if _, err := c.host.NetworkRemove(ctx, c.Network, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("remove network %s: %w", c.Network, err))
	}
	return errors.Join(errs...)
}
