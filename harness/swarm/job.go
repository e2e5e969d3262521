package swarm

import (
	"context"
	"fmt"
	"io"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/exitcode"
)

// engine is what Run asks of the swarm: start the job, wait for its tasks
// to end, keep the failed ones' logs, remove what it created.
type engine interface {
	// start creates the scenario's config, the token's secret and the job,
	// and returns the job's name.
	start(ctx context.Context, o Options, j job) (string, error)
	// wait returns each slot's final state once n tasks have ended, or
	// when ctx ends.
	wait(ctx context.Context, n int) (map[int]task, error)
	keepLogs(ctx context.Context, tasks map[int]task, dir string, log io.Writer)
	// remove removes the service, then its config and secret, with fresh
	// contexts; what start did not create is skipped.
	remove(log io.Writer)
}

// job is what one run's job is made of.
type job struct {
	runID       string
	scenario    []byte
	token       string
	startAt     time.Time
	coordinator string
}

// dockerJob is the engine of a Docker Swarm.
type dockerJob struct {
	cli                          *client.Client
	runID                        string
	config, secret, service, svc string // ids, and the service's name
}

func (d *dockerJob) start(ctx context.Context, o Options, j job) (string, error) {
	d.runID = j.runID
	config, err := d.cli.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: ScenarioConfig(j.runID, j.scenario)})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the scenario's config: %w", err), "")
	}
	d.config = config.ID
	secret, err := d.cli.SecretCreate(ctx, client.SecretCreateOptions{Spec: TokenSecret(j.runID, j.token)})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the run's token secret: %w", err), "")
	}
	d.secret = secret.ID
	spec := Spec(o, j.runID, config.ID, secret.ID, j.startAt, j.coordinator)
	d.svc = spec.Name
	created, err := d.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the shard job: %w", err), "")
	}
	d.service = created.ID
	return spec.Name, nil
}

// remove removes the service first: a config or secret in use cannot go.
func (d *dockerJob) remove(log io.Writer) {
	rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if d.service != "" {
		if _, err := d.cli.ServiceRemove(rctx, d.service, client.ServiceRemoveOptions{}); err != nil {
			fmt.Fprintf(log, "remove service %s: %v (authquake cleanup removes it)\n", d.svc, err)
		}
	}
	if d.config != "" {
		if _, err := d.cli.ConfigRemove(rctx, d.config, client.ConfigRemoveOptions{}); err != nil {
			fmt.Fprintf(log, "remove config %s: %v (authquake cleanup removes it)\n", configName(d.runID), err)
		}
	}
	if d.secret != "" {
		if _, err := d.cli.SecretRemove(rctx, d.secret, client.SecretRemoveOptions{}); err != nil {
			fmt.Fprintf(log, "remove secret %s: %v (authquake cleanup removes it)\n", secretName(d.runID), err)
		}
	}
}

func (d *dockerJob) keepLogs(ctx context.Context, tasks map[int]task, dir string, log io.Writer) {
	keepLogs(ctx, d.cli, tasks, dir, log)
}

func (d *dockerJob) wait(ctx context.Context, n int) (map[int]task, error) {
	return wait(ctx, d.cli, d.service, n)
}

// wait polls the job's tasks until n have ended, and returns each slot's
// final state. A cancelled ctx (Ctrl-C) returns at once: the caller removes
// the service, which stops the tasks.
func wait(ctx context.Context, cli *client.Client, id string, n int) (map[int]task, error) {
	f := client.Filters{}.Add("service", id)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		ts, err := cli.TaskList(ctx, client.TaskListOptions{Filters: f})
		if err != nil && ctx.Err() == nil {
			return nil, exitcode.New(exitcode.Environment, fmt.Errorf("list the shard tasks: %w", err), "")
		}
		tasks, newest := map[int]task{}, map[int]apiswarm.Task{}
		for _, t := range ts.Items {
			if cur, ok := newest[t.Slot]; !ok || t.Meta.CreatedAt.After(cur.Meta.CreatedAt) {
				newest[t.Slot] = t
			}
			if t.Status.State == apiswarm.TaskStateFailed { // the failure is the news, and its log
				tasks[t.Slot] = task{id: t.ID, state: describe(t), failed: true}
			}
		}
		ended := 0
		for slot, t := range newest {
			if final(t.Status.State) {
				ended++
			}
			if prev, ok := tasks[slot]; ok && prev.id != t.ID {
				prev.state += "; replaced by a task that is " + describe(t)
				tasks[slot] = prev
			} else if !ok {
				tasks[slot] = task{id: t.ID, state: describe(t)}
			}
		}
		if ended >= n {
			return tasks, nil
		}
		select {
		case <-ctx.Done():
			return tasks, context.Cause(ctx)
		case <-tick.C:
		}
	}
}

func final(s apiswarm.TaskState) bool {
	switch s {
	case apiswarm.TaskStateComplete, apiswarm.TaskStateFailed, apiswarm.TaskStateShutdown,
		apiswarm.TaskStateRejected, apiswarm.TaskStateOrphaned, apiswarm.TaskStateRemove:
		return true
	}
	return false
}

// states is each slot's final state, for the log and the Result.
func states(tasks map[int]task) map[int]string {
	out := make(map[int]string, len(tasks))
	for slot, t := range tasks {
		out[slot] = t.state
	}
	return out
}

func describe(t apiswarm.Task) string {
	if t.Status.Err != "" {
		return string(t.Status.State) + ": " + t.Status.Err
	}
	return string(t.Status.State)
}
