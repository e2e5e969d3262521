package swarm

import (
	"context"
	"fmt"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/exitcode"
)

// placement caps the shards a node runs at once; 0 leaves it to the
// scheduler (which spreads too, but may put two on one node).
func placement(maxPerNode uint64) *apiswarm.Placement {
	if maxPerNode == 0 {
		return nil
	}
	return &apiswarm.Placement{MaxReplicas: maxPerNode}
}

// Room checks, before any job exists, that the swarm's ready and active
// nodes can run every shard at once with at most maxPerNode a node: a
// shard the scheduler cannot place stays pending past the common start,
// and the run would wait for it forever.
func Room(ctx context.Context, cli *client.Client, workers int, maxPerNode uint64) error {
	if maxPerNode == 0 {
		return nil
	}
	nodes, err := cli.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("list the swarm's nodes: %w", err), "")
	}
	return room(nodes.Items, workers, maxPerNode)
}

func room(nodes []apiswarm.Node, workers int, maxPerNode uint64) error {
	usable := 0
	for _, n := range nodes {
		if n.Status.State == apiswarm.NodeStateReady && n.Spec.Availability == apiswarm.NodeAvailabilityActive {
			usable++
		}
	}
	if fits := uint64(usable) * maxPerNode; uint64(workers) > fits {
		return exitcode.Invalidf(fmt.Sprintf("e.g. --workers %d, or --max-per-node %d", fits, (uint64(workers)+uint64(max(usable, 1))-1)/uint64(max(usable, 1))),
			"swarm: %d shards at most %d a node need %d nodes; the swarm has %d ready and active", workers, maxPerNode, (uint64(workers)+maxPerNode-1)/maxPerNode, usable)
	}
	return nil
}
