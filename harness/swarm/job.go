package swarm

import (
	"context"
	"fmt"
	"io"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
)

// Engine is what RunOn asks of wherever the shards run (a Docker Swarm;
// authquake k8s's cluster): start the job, wait for its tasks to end, keep
// the failed ones' logs, remove what it created.
type Engine interface {
	// Start creates the job (and whatever carries its scenario and token)
	// and returns its name.
	Start(ctx context.Context, o Options, j Job) (string, error)
	// Wait returns each slot's final state once n tasks have ended, or
	// when ctx ends.
	Wait(ctx context.Context, n int) (map[int]Task, error)
	KeepLogs(ctx context.Context, tasks map[int]Task, dir string, log io.Writer)
	// Remove removes what Start created, with fresh contexts; what Start
	// did not create is skipped.
	Remove(log io.Writer)
}

// Job is what one run's job is made of.
type Job struct {
	RunID    string
	Scenario []byte
	Token    string
	StartAt  time.Time
	// Coordinator is the endpoint's URL as the shards dial it.
	Coordinator string
	// Server is the endpoint itself: an engine that cannot see its tasks
	// waits for their uploads (coord.Server.Uploads).
	Server *coord.Server
}

// dockerJob is the engine of a Docker Swarm.
type dockerJob struct {
	cli                          *client.Client
	runID                        string
	config, secret, service, svc string // ids, and the service's name
}

func (d *dockerJob) Start(ctx context.Context, o Options, j Job) (string, error) {
	d.runID = j.RunID
	config, err := d.cli.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: ScenarioConfig(j.RunID, j.Scenario)})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the scenario's config: %w", err), "")
	}
	d.config = config.ID
	secret, err := d.cli.SecretCreate(ctx, client.SecretCreateOptions{Spec: TokenSecret(j.RunID, j.Token)})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the run's token secret: %w", err), "")
	}
	d.secret = secret.ID
	spec := Spec(o, j.RunID, config.ID, secret.ID, j.StartAt, j.Coordinator)
	d.svc = spec.Name
	created, err := d.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("create the shard job: %w", err), "")
	}
	d.service = created.ID
	return spec.Name, nil
}

// remove removes the service first: a config or secret in use cannot go.
func (d *dockerJob) Remove(log io.Writer) {
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

func (d *dockerJob) KeepLogs(ctx context.Context, tasks map[int]Task, dir string, log io.Writer) {
	keepLogs(ctx, d.cli, tasks, dir, log)
}

func (d *dockerJob) Wait(ctx context.Context, n int) (map[int]Task, error) {
	return wait(ctx, d.cli, d.service, n)
}

// wait polls the job's tasks until n have ended, and returns each slot's
// final state. A cancelled ctx (Ctrl-C) returns at once: the caller removes
// the service, which stops the tasks.
func wait(ctx context.Context, cli *client.Client, id string, n int) (map[int]Task, error) {
	f := client.Filters{}.Add("service", id)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		ts, err := cli.TaskList(ctx, client.TaskListOptions{Filters: f})
		if err != nil && ctx.Err() == nil {
			return nil, exitcode.New(exitcode.Environment, fmt.Errorf("list the shard tasks: %w", err), "")
		}
		tasks, newest := map[int]Task{}, map[int]apiswarm.Task{}
		for _, t := range ts.Items {
			if cur, ok := newest[t.Slot]; !ok || t.Meta.CreatedAt.After(cur.Meta.CreatedAt) {
				newest[t.Slot] = t
			}
			if t.Status.State == apiswarm.TaskStateFailed { // the failure is the news, and its log
				tasks[t.Slot] = Task{ID: t.ID, State: describe(t), Failed: true}
			}
		}
		ended := 0
		for slot, t := range newest {
			if final(t.Status.State) {
				ended++
			}
			if prev, ok := tasks[slot]; ok && prev.ID != t.ID {
				prev.State += "; replaced by a task that is " + describe(t)
				tasks[slot] = prev
			} else if !ok {
				tasks[slot] = Task{ID: t.ID, State: describe(t)}
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
func states(tasks map[int]Task) map[int]string {
	out := make(map[int]string, len(tasks))
	for slot, t := range tasks {
		out[slot] = t.State
	}
	return out
}

func describe(t apiswarm.Task) string {
	if t.Status.Err != "" {
		return string(t.Status.State) + ": " + t.Status.Err
	}
	return string(t.Status.State)
}
