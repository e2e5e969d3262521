package fault

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/moby/client"
)

// Container kinds act on one container of the target through the Docker
// API, one kind per file: pause.go, kill.go, restart.go, cpu.go, memory.go,
// partition.go.

// containerKind defines a kind acting on one container of the target
// through the Docker API, with its effect on payments. P is its parameters;
// check validates them (nil: nothing to check); build makes the fault.
func containerKind[P any](name, summary string, effect EffectRule, params []string, check func(*P) []ParamError,
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
	return Kind{Name: name, Family: "container", Summary: summary, Params: params, Effect: effect,
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

func ensureRunning(ctx context.Context, c containerRef) error {
	st, err := c.docker.ContainerInspect(ctx, c.id, client.ContainerInspectOptions{})
	if err != nil || st.Container.State != nil && st.Container.State.Running {
		return err
	}
	_, err = c.docker.ContainerStart(ctx, c.id, client.ContainerStartOptions{})
	return err
}
