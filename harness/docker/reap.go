package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/moby/moby/client"
)

// Selector chooses which of authquake's resources a Reap removes.
type Selector struct {
	// RunID, when set, limits the reap to that run, alive or not.
	RunID string
	// Owner, when set, limits the reap to resources of that owning process
	// (an Owner.String()), alive or not: a forced stop reaps its own.
	Owner string
	// All removes every authquake resource, even those of live runs and
	// kept ones.
	All bool
	// Kept also removes the kept resources (LabelKept) of dead runs before
	// their time is up.
	Kept bool
	// DryRun lists what would be removed and removes nothing.
	DryRun bool
	// Now is the time kept resources are judged at; time.Now() when zero.
	Now time.Time
}

// wants says whether the resource with these labels is to be removed, and
// whether it is left alone only because it is kept.
func (s Selector) wants(labels map[string]string) (remove, kept bool) {
	run, ok := labels[LabelRun]
	if !ok {
		return false, false // not ours: never touched
	}
	switch {
	case s.All:
		return true, false
	case s.RunID != "":
		return run == s.RunID, false
	case s.Owner != "":
		return labels[LabelOwner] == s.Owner, false
	}
	if owner, err := ParseOwner(labels[LabelOwner]); err == nil && owner.Alive() {
		return false, false
	}
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	if until, ok := KeptUntil(labels); ok && !s.Kept && now.Before(until) {
		return false, true
	}
	return true, false
}

// Reaped lists what a Reap removed.
type Reaped struct {
	Containers []string // names
	Networks   []string // names
	Services   []string // Swarm services (names), removed first
	Configs    []string // Swarm configs (names), removed after the services
	Secrets    []string // Swarm secrets (names), removed after the services
	// Kept lists the kept runs left alone (their time is not up), by run id.
	Kept []KeptRun
}

// KeptRun is a run whose target --keep left running: its containers carry
// LabelKept.
type KeptRun struct {
	RunID string
	// Since is when its first container was created; Until, its LabelKept.
	Since, Until time.Time
	Containers   []string // names
}

// keep adds a container of a kept run to out.Kept.
func (out *Reaped) keep(labels map[string]string, name string, created time.Time) {
	until, _ := KeptUntil(labels)
	run := labels[LabelRun]
	i := slices.IndexFunc(out.Kept, func(k KeptRun) bool { return k.RunID == run })
	if i < 0 {
		out.Kept = append(out.Kept, KeptRun{RunID: run, Since: created, Until: until})
		i = len(out.Kept) - 1
	}
	k := &out.Kept[i]
	k.Containers = append(k.Containers, name)
	if created.Before(k.Since) {
		k.Since = created
	}
}

// Reap removes the Swarm services, configs and secrets, the containers (with their
// anonymous volumes) and then the networks that carry authquake's labels
// and match sel. By default that is
// every resource whose owning process is gone (what a SIGKILLed run left),
// except a kept run's before its LabelKept time, which it lists in Kept.
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
	if err := reapSecrets(ctx, cli, sel, &out); err != nil {
		errs = append(errs, err)
	}
	f := client.Filters{}.Add("label", LabelRun)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		remove, kept := sel.wants(c.Labels)
		if kept {
			out.keep(c.Labels, containerName(c.Names, c.ID), time.Unix(c.Created, 0).UTC())
		}
		if !remove {
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
		if remove, _ := sel.wants(n.Labels); !remove {
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
	sort.Slice(out.Kept, func(i, j int) bool { return out.Kept[i].Since.Before(out.Kept[j].Since) })
	return out, errors.Join(errs...)
}

func containerName(names []string, id string) string {
	if len(names) > 0 && len(names[0]) > 1 {
		return names[0][1:]
	}
	return id[:12]
}
