package fault

import (
	"context"
	"time"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/scenario"
)

// restartKind restarts a container gracefully at the fault's start.
var restartKind = containerKind("restart", "restarts a container gracefully (SIGTERM, then start) at the fault's start", Always(Fails),
	[]string{"grace: time to stop before SIGKILL (0)"}, nil,
	func(p *restartParams, c containerRef) Fault { return &restartFault{c, *p} })

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
