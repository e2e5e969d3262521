package fault

import (
	"context"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// cpuKind limits a container's CPU; a starved service can fail as well as
// slow down (its own timeouts, a queue that overflows).
var cpuKind = containerKind("cpu", "limits a container's CPU, e.g. to half a core", Always(Fails),
	[]string{"cpus: the limit in cores, e.g. 0.5"},
	func(p *cpuParams) []ParamError {
		if p.CPUs < 0.01 || p.CPUs > 1024 {
			return []ParamError{{"cpus", "is required: cores from 0.01, e.g. cpus: 0.5"}}
		}
		return nil
	},
	func(p *cpuParams, c containerRef) Fault { return &cpuFault{containerRef: c, p: *p} })

type cpuParams struct {
	// CPUs is the limit, e.g. 0.5 for half a core.
	CPUs float64 `yaml:"cpus"`
}

// cpuFault limits the container's CPU (CFS quota) and puts the old quota back.
type cpuFault struct {
	containerRef
	p             cpuParams
	period, quota int64
	saved         bool
}

func (f *cpuFault) Inject(ctx context.Context) error {
	st, err := f.docker.ContainerInspect(ctx, f.id, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	f.period, f.quota, f.saved = st.Container.HostConfig.CPUPeriod, st.Container.HostConfig.CPUQuota, true
	_, err = f.docker.ContainerUpdate(ctx, f.id, client.ContainerUpdateOptions{Resources: &container.Resources{
		CPUPeriod: 100_000, CPUQuota: int64(f.p.CPUs * 100_000)}})
	return err
}

func (f *cpuFault) Revert(ctx context.Context) error {
	if !f.saved {
		return nil
	}
	period, quota := f.period, f.quota
	if quota <= 0 {
		period, quota = 100_000, -1 // -1: no limit
	}
	_, err := f.docker.ContainerUpdate(ctx, f.id, client.ContainerUpdateOptions{Resources: &container.Resources{CPUPeriod: period, CPUQuota: quota}})
	return err
}
