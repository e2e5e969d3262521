package k8s

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/swarm"
)

// Outside is the engine (swarm.Engine) of a run authquake k8s owns from
// outside the cluster. It has no access to the cluster: Start writes the
// manifests (Owned) for the user to apply, and Wait follows the shards by
// their uploads to the coordination endpoint, which is all a launcher
// outside needs of them. Like Locust's master, it waits for its workers;
// unlike it, a worker's results travel whole, not as live statistics.
type Outside struct {
	// Options are the manifests' (Name, Namespace, Image, CPU, Memory);
	// Start fills in the scenario, the token, the start instant, the shard
	// count and flags from the job.
	Options
	// File is where the manifests are written (readable by the user only:
	// they hold the run's token).
	File string
	// Length is how long the shards' load lasts. Wait gives up on a shard
	// whose final upload has not come by the start instant, Length,
	// coord.UploadTimeout and a minute: its pod never ran, or died.
	Length time.Duration

	srv   *coord.Server
	wrote bool
	log   io.Writer
}

// Start writes the manifests and says how to apply them.
func (e *Outside) Start(_ context.Context, o swarm.Options, j swarm.Job) (string, error) {
	e.Scenario, e.Token, e.StartAt, e.Workers, e.Args = j.Scenario, j.Token, j.StartAt, o.Workers, o.Args
	e.srv, e.log = j.Server, o.Log
	objs, err := Owned(e.Options, j.Coordinator, o.AllowRemote)
	if err != nil {
		return "", exitcode.Invalidf("e.g. --cpu 500m --memory 256Mi", "k8s: %v", err)
	}
	y, err := YAML(objs)
	if err == nil {
		err = os.WriteFile(e.File, y, 0o600)
	}
	if err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	e.wrote = true
	fmt.Fprint(o.Log, OwnedCommands(e.Options, e.File))
	return e.Name, nil
}

// Wait returns once n shards have made their final upload, when the
// deadline (see Length) passes, or when ctx ends; each shard's state says
// what came of it.
func (e *Outside) Wait(ctx context.Context, n int) (map[int]swarm.Task, error) {
	deadline := time.NewTimer(time.Until(e.StartAt.Add(e.Length + coord.UploadTimeout + time.Minute)))
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		up := e.srv.Uploads()
		final := 0
		for _, f := range up {
			if f {
				final++
			}
		}
		if final >= n {
			return tasks(up, n), nil
		}
		select {
		case <-ctx.Done():
			return tasks(up, n), context.Cause(ctx)
		case <-deadline.C:
			fmt.Fprintf(e.log, "k8s: %d of %d shards made their final upload by the deadline; the others are reported as they stand\n", final, n)
			return tasks(up, n), nil
		case <-tick.C:
		}
	}
}

// tasks is each shard's state as its uploads show it.
func tasks(up map[int]bool, n int) map[int]swarm.Task {
	out := make(map[int]swarm.Task, n)
	for k := 0; k < n; k++ {
		final, ok := up[k]
		switch {
		case final:
			out[k] = swarm.Task{ID: fmt.Sprint(k), State: "complete (its final upload came)"}
		case ok:
			out[k] = swarm.Task{ID: fmt.Sprint(k), State: "no final upload: its last checkpoint is merged", Failed: true}
		default:
			out[k] = swarm.Task{ID: fmt.Sprint(k), State: "never uploaded: its pod did not run or could not reach the endpoint", Failed: true}
		}
	}
	return out
}

// KeepLogs cannot read the pods' logs: it says how to.
func (e *Outside) KeepLogs(_ context.Context, ts map[int]swarm.Task, _ string, log io.Writer) {
	for k, t := range ts {
		if t.Failed {
			fmt.Fprintf(log, "k8s: shard %d: %s; its log: kubectl%s logs -l batch.kubernetes.io/job-name=%s,batch.kubernetes.io/job-completion-index=%d\n",
				k, t.State, e.nsFlag(), e.Name, k)
		}
	}
}

// Remove cannot remove what the user applied: it says how to.
func (e *Outside) Remove(log io.Writer) {
	if e.wrote {
		fmt.Fprintf(log, "k8s: remove the job, its scenario and its token: kubectl%s delete -f %s\n", e.nsFlag(), e.File)
	}
}

// nsFlag is kubectl's flag for the namespace, if one was given.
func (o Options) nsFlag() string {
	if o.Namespace != "" {
		return " -n " + o.Namespace
	}
	return ""
}
