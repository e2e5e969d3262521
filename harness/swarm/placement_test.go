package swarm

import (
	"strings"
	"testing"

	apiswarm "github.com/moby/moby/api/types/swarm"
)

func TestRoom(t *testing.T) {
	node := func(state apiswarm.NodeState, avail apiswarm.NodeAvailability) apiswarm.Node {
		n := apiswarm.Node{}
		n.Status.State, n.Spec.Availability = state, avail
		return n
	}
	ready := node(apiswarm.NodeStateReady, apiswarm.NodeAvailabilityActive)
	for _, c := range []struct {
		name    string
		nodes   []apiswarm.Node
		workers int
		perNode uint64
		want    string // "" for room enough, else part of the error
	}{
		{"one a node", []apiswarm.Node{ready, ready, ready}, 3, 1, ""},
		// The fourth shard would stay pending forever.
		{"a node short", []apiswarm.Node{ready, ready, ready}, 4, 1, "4 shards at most 1 a node need 4 nodes; the swarm has 3"},
		{"two a node", []apiswarm.Node{ready, ready}, 4, 2, ""},
		// A drained node and a down one take no shard.
		{"drained and down", []apiswarm.Node{ready, node(apiswarm.NodeStateReady, apiswarm.NodeAvailabilityDrain), node(apiswarm.NodeStateDown, apiswarm.NodeAvailabilityActive)}, 2, 1, "the swarm has 1 ready and active"},
	} {
		err := room(c.nodes, c.workers, c.perNode)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
