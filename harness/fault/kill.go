package fault

import (
	"context"
	"strings"

	"github.com/moby/moby/client"
)

// killKind kills a container's process, and starts it again at the end.
var killKind = containerKind("kill", "kills a container's process; starts it again when the fault ends unless restart: false", Always(Fails),
	[]string{"signal: e.g. SIGTERM (SIGKILL)", "restart: start again at the end (true)"},
	func(p *killParams) []ParamError {
		if p.Signal != "" && !strings.HasPrefix(p.Signal, "SIG") {
			return []ParamError{{"signal", "must be a signal name such as SIGKILL or SIGTERM"}}
		}
		return nil
	},
	func(p *killParams, c containerRef) Fault { return &killFault{c, *p} })

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
