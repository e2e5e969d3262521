package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/client"
)

// reapServices removes the Swarm services (authquake swarm's shard jobs)
// that carry authquake's labels and match sel; their task containers go
// with them. An engine that is no swarm manager has none.
func reapServices(ctx context.Context, cli *client.Client, sel Selector, out *Reaped) error {
	ss, err := cli.ServiceList(ctx, client.ServiceListOptions{Filters: client.Filters{}.Add("label", LabelRun)})
	if err != nil {
		if strings.Contains(err.Error(), "not a swarm manager") || strings.Contains(err.Error(), "swarm") {
			return nil
		}
		return fmt.Errorf("list services: %w", err)
	}
	for _, s := range ss.Items {
		if remove, _ := sel.wants(s.Spec.Labels); !remove {
			continue
		}
		if !sel.DryRun {
			if _, err := cli.ServiceRemove(ctx, s.ID, client.ServiceRemoveOptions{}); err != nil && !isNotFound(err) {
				return fmt.Errorf("remove service %s: %w", s.Spec.Name, err)
			}
		}
		out.Services = append(out.Services, s.Spec.Name)
	}
	return nil
}

// reapSecrets removes the Swarm secrets (authquake swarm's run tokens)
// that carry authquake's labels and match sel, after reapServices as the
// configs.
func reapSecrets(ctx context.Context, cli *client.Client, sel Selector, out *Reaped) error {
	ss, err := cli.SecretList(ctx, client.SecretListOptions{Filters: client.Filters{}.Add("label", LabelRun)})
	if err != nil {
		if strings.Contains(err.Error(), "swarm") {
			return nil // not a swarm manager: no secrets
		}
		return fmt.Errorf("list secrets: %w", err)
	}
	for _, s := range ss.Items {
		if remove, _ := sel.wants(s.Spec.Labels); !remove {
			continue
		}
		if !sel.DryRun {
			if _, err := cli.SecretRemove(ctx, s.ID, client.SecretRemoveOptions{}); err != nil && !isNotFound(err) {
				return fmt.Errorf("remove secret %s: %w", s.Spec.Name, err)
			}
		}
		out.Secrets = append(out.Secrets, s.Spec.Name)
	}
	return nil
}

// reapConfigs removes the Swarm configs (authquake swarm's scenarios) that
// carry authquake's labels and match sel. It runs after reapServices: a
// config that a service still references cannot be removed.
func reapConfigs(ctx context.Context, cli *client.Client, sel Selector, out *Reaped) error {
	cs, err := cli.ConfigList(ctx, client.ConfigListOptions{Filters: client.Filters{}.Add("label", LabelRun)})
	if err != nil {
		if strings.Contains(err.Error(), "swarm") {
			return nil // not a swarm manager: no configs
		}
		return fmt.Errorf("list configs: %w", err)
	}
	for _, c := range cs.Items {
		if remove, _ := sel.wants(c.Spec.Labels); !remove {
			continue
		}
		if !sel.DryRun {
			if _, err := cli.ConfigRemove(ctx, c.ID, client.ConfigRemoveOptions{}); err != nil && !isNotFound(err) {
				return fmt.Errorf("remove config %s: %w", c.Spec.Name, err)
			}
		}
		out.Configs = append(out.Configs, c.Spec.Name)
	}
	return nil
}
