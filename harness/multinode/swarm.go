package multinode

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// engineWait bounds how long a node's dockerd may take to answer.
const engineWait = 90 * time.Second

// waitEngine polls the node's API until its dockerd answers; past
// engineWait the error carries the end of the node's log (why dockerd
// did not start: a storage driver, iptables, cgroups).
func (c *Cluster) waitEngine(ctx context.Context, n *Node) error {
	deadline := time.Now().Add(engineWait)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := n.Client.Ping(pctx, client.PingOptions{})
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s: dockerd did not answer within %s (%v); its log ends:\n%s", n.Name, engineWait, err, c.logTail(n, 30))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// logTail is the last lines a node's container wrote.
func (c *Cluster) logTail(n *Node, lines int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := c.host.ContainerLogs(ctx, n.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(lines)})
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	var buf bytes.Buffer
	io.Copy(&buf, rc)
	return strings.Map(func(r rune) rune { // the stream's frame headers
		if r < ' ' && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, buf.String())
}

// formSwarm makes node 0 a manager advertising its private address and
// joins every other node as a worker, then waits until the manager lists
// them all ready.
func (c *Cluster) formSwarm(ctx context.Context) error {
	m := c.Manager()
	if _, err := m.Client.SwarmInit(ctx, client.SwarmInitOptions{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: m.Addr}); err != nil {
		return fmt.Errorf("swarm init on %s: %w", m.Name, err)
	}
	sw, err := m.Client.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		return fmt.Errorf("swarm inspect on %s: %w", m.Name, err)
	}
	for _, n := range c.Nodes[1:] {
		if _, err := n.Client.SwarmJoin(ctx, client.SwarmJoinOptions{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: n.Addr,
			RemoteAddrs: []string{net.JoinHostPort(m.Addr, "2377")}, JoinToken: sw.Swarm.JoinTokens.Worker}); err != nil {
			return fmt.Errorf("swarm join %s to %s: %w", n.Name, m.Name, err)
		}
	}
	deadline := time.Now().Add(engineWait)
	for {
		nodes, err := m.Client.NodeList(ctx, client.NodeListOptions{})
		ready := 0
		if err == nil {
			for _, n := range nodes.Items {
				if n.Status.State == apiswarm.NodeStateReady {
					ready++
				}
			}
		}
		if ready == len(c.Nodes) {
			fmt.Fprintf(c.log, "multinode: swarm of %d nodes ready, manager %s\n", ready, m.Addr)
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("swarm: %d of %d nodes ready after %s (%v)", ready, len(c.Nodes), engineWait, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Load copies images from this machine's engine into the nodes' (every
// node's when nodes is nil): docker save once, docker load on each, no
// registry.
func (c *Cluster) Load(ctx context.Context, nodes []*Node, refs ...string) error {
	if nodes == nil {
		nodes = c.Nodes
	}
	rc, err := c.host.ImageSave(ctx, refs)
	if err != nil {
		return fmt.Errorf("save %v: %w", refs, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("save %v: %w", refs, err)
	}
	for _, n := range nodes {
		res, err := n.Client.ImageLoad(ctx, bytes.NewReader(data), client.ImageLoadWithQuiet(true))
		if err != nil {
			return fmt.Errorf("load %v into %s: %w", refs, n.Name, err)
		}
		body, err := io.ReadAll(res)
		res.Close()
		if err == nil && bytes.Contains(body, []byte(`"error"`)) { // the stream's own error message
			err = fmt.Errorf("%s", bytes.TrimSpace(body))
		}
		if err != nil {
			return fmt.Errorf("load %v into %s: %w", refs, n.Name, err)
		}
	}
	fmt.Fprintf(c.log, "multinode: loaded %s (%d MB) into %d nodes\n", strings.Join(refs, ", "), len(data)>>20, len(nodes))
	return nil
}
