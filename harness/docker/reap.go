package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/moby/moby/client"
)

// Selector chooses which of authquake's resources a Reap removes.
type Selector struct {
	// RunID, when set, limits the reap to that run, alive or not.
	RunID string
	// Owner, when set, limits the reap to resources of that owning process
	// (an Owner.String()), alive or not: a forced stop reaps its own.
	Owner string
	// All removes every authquake resource, even those of live runs.
	All bool
	// DryRun lists what would be removed and removes nothing.
	DryRun bool
}

func (s Selector) wants(labels map[string]string) bool {
	run, ok := labels[LabelRun]
	if !ok {
		return false // not ours: never touched
	}
	switch {
	case s.All:
		return true
	case s.RunID != "":
		return run == s.RunID
	case s.Owner != "":
		return labels[LabelOwner] == s.Owner
	}
	owner, err := ParseOwner(labels[LabelOwner])
	return err != nil || !owner.Alive()
}

// Reaped lists what a Reap removed.
type Reaped struct {
	Containers []string // names
	Networks   []string // names
	Services   []string // Swarm services (names), removed first
	Configs    []string // Swarm configs (names), removed after the services
}

// Reap removes the Swarm services and configs, the containers (with their
// anonymous volumes) and then the networks that carry authquake's labels
// and match sel. By default that is
// every resource whose owning process is gone: what a SIGKILLed run left.
// Resources without authquake's labels are never touched. Reap keeps going
// past a failed removal and returns every failure joined.
func Reap(ctx context.Context, cli *client.Client, sel Selector) (Reaped, error) {
	var out Reaped
	var errs []error
	if err := reapServices(ctx, cli, sel, &out); err != nil {
		errs = append(errs, err)
	}
	if err := reapConfigs(ctx, cli, sel, &out); err != nil {
		errs = append(errs, err)
	}
	f := client.Filters{}.Add("label", LabelRun)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		if !sel.wants(c.Labels) {
			continue
		}
		if sel.DryRun {
			out.Containers = append(out.Containers, containerName(c.Names, c.ID))
			continue
		}
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
			continue
		}
		out.Containers = append(out.Containers, containerName(c.Names, c.ID))
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if !sel.wants(n.Labels) {
			continue
		}
		if sel.DryRun {
			out.Networks = append(out.Networks, n.Name)
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	sort.Strings(out.Containers)
	sort.Strings(out.Networks)
	return out, errors.Join(errs...)
}

func containerName(names []string, id string) string {
	if len(names) > 0 && len(names[0]) > 1 {
		return names[0][1:]
	}
	return id[:12]
}
