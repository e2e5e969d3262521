package fault

import (
	"context"

	"github.com/moby/moby/client"
)

// pauseKind freezes a container: what it serves times out until the end.
var pauseKind = containerKind("pause", "freezes a container's processes (docker pause) until the fault ends", Always(Fails), nil, nil,
	func(_ *struct{}, c containerRef) Fault { return &pauseFault{c} })

// pause freezes every process of the container (SIGSTOP semantics, cgroup freezer).
type pauseFault struct{ containerRef }

func (f *pauseFault) Inject(ctx context.Context) error {
	_, err := f.docker.ContainerPause(ctx, f.id, client.ContainerPauseOptions{})
	return err
}

func (f *pauseFault) Revert(ctx context.Context) error {
	st, err := f.docker.ContainerInspect(ctx, f.id, client.ContainerInspectOptions{})
	if err != nil || st.Container.State == nil || !st.Container.State.Paused {
		return err
	}
	_, err = f.docker.ContainerUnpause(ctx, f.id, client.ContainerUnpauseOptions{})
	return err
}
