package fault

import (
	"context"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// partitionKind cuts a container off the run's network.
var partitionKind = containerKind("partition", "cuts a container off the run's network, then connects it back", Always(Fails), nil, nil,
	func(_ *struct{}, c containerRef) Fault { return &partitionFault{c} })

// partitionFault disconnects the container from the run's network and
// connects it back under its alias.
type partitionFault struct{ containerRef }

func (f *partitionFault) Inject(ctx context.Context) error {
	_, err := f.docker.NetworkDisconnect(ctx, f.network, client.NetworkDisconnectOptions{Container: f.id, Force: true})
	return err
}

func (f *partitionFault) Revert(ctx context.Context) error {
	st, err := f.docker.ContainerInspect(ctx, f.id, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	for name, ep := range st.Container.NetworkSettings.Networks {
		if name == f.network || ep.NetworkID == f.network {
			return nil // still (or already again) connected
		}
	}
	_, err = f.docker.NetworkConnect(ctx, f.network, client.NetworkConnectOptions{Container: f.id,
		EndpointConfig: &network.EndpointSettings{Aliases: []string{f.role}}})
	return err
}
