package fault

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/scenario"
)

// containerKind defines a kind acting on one container of the target
// through the Docker API. P is its parameters; build makes the fault.
func containerKind[P any](name, summary string, params []string, check func(*P) []ParamError,
	build func(p *P, c containerRef) Fault) Kind {
	parse := func(s Spec) (*P, []ParamError) {
		p := new(P)
		if errs := Decode(s.Params, p); errs != nil {
			return nil, errs
		}
		if check != nil {
			return p, check(p)
		}
		return p, nil
	}
	return Kind{Name: name, Family: "container", Summary: summary, Params: params,
		Target: "a container: service, postgres, or a dependency's name",
		Check: func(s Spec) []ParamError {
			_, errs := parse(s)
			if s.Target == "toxiproxy" {
				errs = append(errs, ParamError{Msg: "toxiproxy carries the network faults and cannot be a container fault's target"})
			}
			return append(errs, needTarget(s)...)
		},
		Build: func(s Spec, env Env) (Fault, error) {
			p, errs := parse(s)
			if err := JoinParams(errs); err != nil {
				return nil, err
			}
			id, ok := env.Containers[s.Target]
			if !ok || s.Target == "toxiproxy" || env.Docker == nil {
				return nil, fmt.Errorf("no container %q: this target has %s", s.Target, strings.Join(roles(env), ", "))
			}
			return build(p, containerRef{env.Docker, id, s.Target, env.Network}), nil
		}}
}

func roles(env Env) []string {
	var out []string
	for r := range env.Containers {
		if r != "toxiproxy" {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// containerRef is one container of the run.
type containerRef struct {
	docker  *client.Client
	id      string
	role    string
	network string
}

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

type killParams struct {
	// Signal sent to the container's process, SIGKILL by default.
	Signal string `yaml:"signal"`
	// Restart starts the container again when the fault ends (true by default).
	Restart *bool `yaml:"restart"`
}

// killFault kills the container's process and, at the end, starts it again.
type killFault struct {
	containerRef
	p killParams
}

func (f *killFault) Inject(ctx context.Context) error {
	sig := f.p.Signal
	if sig == "" {
		sig = "SIGKILL"
	}
	_, err := f.docker.ContainerKill(ctx, f.id, client.ContainerKillOptions{Signal: sig})
	return err
}

func (f *killFault) Revert(ctx context.Context) error {
	if f.p.Restart != nil && !*f.p.Restart {
		return nil
	}
	st, err := f.docker.ContainerInspect(ctx, f.id, client.ContainerInspectOptions{})
	if err != nil || st.Container.State != nil && st.Container.State.Running {
		return err
	}
	_, err = f.docker.ContainerStart(ctx, f.id, client.ContainerStartOptions{})
	return err
}

type restartParams struct {
	// Grace is how long the process has to stop after SIGTERM before SIGKILL.
	Grace scenario.Duration `yaml:"grace"`
}

// restartFault restarts the container gracefully (SIGTERM, then start).
type restartFault struct {
	containerRef
	p restartParams
}

func (f *restartFault) Inject(ctx context.Context) error {
	secs := int(f.p.Grace.D() / time.Second)
	_, err := f.docker.ContainerRestart(ctx, f.id, client.ContainerRestartOptions{Timeout: &secs})
	return err
}

func (f *restartFault) Revert(ctx context.Context) error { return ensureRunning(ctx, f.containerRef) }

func ensureRunning(ctx context.Context, c containerRef) error {
	st, err := c.docker.ContainerInspect(ctx, c.id, client.ContainerInspectOptions{})
	if err != nil || st.Container.State != nil && st.Container.State.Running {
		return err
	}
	_, err = c.docker.ContainerStart(ctx, c.id, client.ContainerStartOptions{})
	return err
}

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

var (
	pauseKind = containerKind("pause", "freezes a container's processes (docker pause) until the fault ends", nil, nil,
		func(_ *struct{}, c containerRef) Fault { return &pauseFault{c} })
	killKind = containerKind("kill", "kills a container's process; starts it again when the fault ends unless restart: false",
		[]string{"signal: e.g. SIGTERM (SIGKILL)", "restart: start again at the end (true)"},
		func(p *killParams) []ParamError {
			if p.Signal != "" && !strings.HasPrefix(p.Signal, "SIG") {
				return []ParamError{{"signal", "must be a signal name such as SIGKILL or SIGTERM"}}
			}
			return nil
		},
		func(p *killParams, c containerRef) Fault { return &killFault{c, *p} })
	restartKind = containerKind("restart", "restarts a container gracefully (SIGTERM, then start) at the fault's start",
		[]string{"grace: time to stop before SIGKILL (0)"}, nil,
		func(p *restartParams, c containerRef) Fault { return &restartFault{c, *p} })
	cpuKind = containerKind("cpu", "limits a container's CPU, e.g. to half a core",
		[]string{"cpus: the limit in cores, e.g. 0.5"},
		func(p *cpuParams) []ParamError {
			if p.CPUs < 0.01 || p.CPUs > 1024 {
				return []ParamError{{"cpus", "is required: cores from 0.01, e.g. cpus: 0.5"}}
			}
			return nil
		},
		func(p *cpuParams, c containerRef) Fault { return &cpuFault{containerRef: c, p: *p} })
	memoryKind = containerKind("memory", "limits a container's memory (no swap); too little gets it OOM-killed",
		[]string{"limit: e.g. 256MiB"},
		func(p *memoryParams) []ParamError {
			if p.Limit < 6<<20 {
				return []ParamError{{"limit", "is required and at least 6MiB (Docker's minimum), e.g. limit: 256MiB"}}
			}
			return nil
		},
		func(p *memoryParams, c containerRef) Fault { return &memoryFault{containerRef: c, p: *p} })
	partitionKind = containerKind("partition", "cuts a container off the run's network, then connects it back", nil, nil,
		func(_ *struct{}, c containerRef) Fault { return &partitionFault{c} })
)
