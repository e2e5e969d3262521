package fault

import (
	"context"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/scenario"
)

// memoryKind limits a container's memory; too little gets it OOM-killed.
var memoryKind = containerKind("memory", "limits a container's memory (no swap); too little gets it OOM-killed", Always(Fails),
	[]string{"limit: e.g. 256MiB"},
	func(p *memoryParams) []ParamError {
		if p.Limit < 6<<20 {
			return []ParamError{{"limit", "is required and at least 6MiB (Docker's minimum), e.g. limit: 256MiB"}}
		}
		return nil
	},
	func(p *memoryParams, c containerRef) Fault { return &memoryFault{containerRef: c, p: *p} })

type memoryParams struct {
	// Limit is the memory limit, e.g. 256MiB; swap is not allowed.
	Limit scenario.Size `yaml:"limit"`
}

// memoryFault limits the container's memory. Docker cannot lift a memory
// limit once set, so an unlimited container gets back a limit as large as
// the host's memory.
type memoryFault struct {
	containerRef
	p         memoryParams
	mem, swap int64
	hostMem   int64
	saved     bool
}

func (f *memoryFault) Inject(ctx context.Context) error {
	st, err := f.docker.ContainerInspect(ctx, f.id, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	info, err := f.docker.Info(ctx, client.InfoOptions{})
	if err != nil {
		return err
	}
	f.mem, f.swap, f.hostMem, f.saved = st.Container.HostConfig.Memory, st.Container.HostConfig.MemorySwap, info.Info.MemTotal, true
	_, err = f.docker.ContainerUpdate(ctx, f.id, client.ContainerUpdateOptions{Resources: &container.Resources{
		Memory: int64(f.p.Limit), MemorySwap: int64(f.p.Limit)}})
	return err
}

func (f *memoryFault) Revert(ctx context.Context) error {
	if !f.saved {
		return nil
	}
	mem, swap := f.mem, f.swap
	if mem == 0 {
		mem, swap = f.hostMem, -1
	}
	_, err := f.docker.ContainerUpdate(ctx, f.id, client.ContainerUpdateOptions{Resources: &container.Resources{Memory: mem, MemorySwap: swap}})
	return err
}
