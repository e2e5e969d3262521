package swarm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Task is one shard's task (a Swarm task, a pod) as its launcher last saw
// it.
type Task struct {
	// ID names it where it runs (the Swarm task id).
	ID string
	// State is its final state as said to the user ("complete", "failed:
	// ...").
	State string
	// Failed tells its log is worth keeping.
	Failed bool
}

// keepLogs saves the last log lines of every failed task into dir as
// task-SLOT.log and prints them: the service, and its logs, are removed
// next.
func keepLogs(ctx context.Context, cli *client.Client, tasks map[int]Task, dir string, log io.Writer) {
	for slot, t := range tasks {
		if !t.Failed {
			continue
		}
		rc, err := cli.TaskLogs(ctx, t.ID, client.TaskLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "20"})
		if err != nil {
			fmt.Fprintf(log, "swarm: shard %d: no log: %v\n", slot, err)
			continue
		}
		var out bytes.Buffer
		stdcopy.StdCopy(&out, &out, rc)
		rc.Close()
		text := strings.TrimSpace(out.String())
		if text == "" {
			continue
		}
		fmt.Fprintf(log, "swarm: shard %d (%s), last log lines:\n  %s\n", slot, t.State, strings.ReplaceAll(text, "\n", "\n  "))
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("task-%d.log", slot)), []byte(text+"\n"), 0o644)
	}
}
