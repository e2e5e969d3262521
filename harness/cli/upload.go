package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
)

// firstCheckpoint is how long after the start instant a shard first
// uploads its run directory; each later checkpoint waits twice as long.
const firstCheckpoint = 2 * time.Second

// uploader sends a shard's run directory to the coordinator that collects
// it (authquake run --upload, which authquake swarm sets): checkpoints
// while the run lasts, so that a task killed mid-run (its /out is a tmpfs
// that dies with it) leaves what it had recorded up to its last
// checkpoint, and the whole directory once the reports are written.
type uploader struct {
	client *coord.Client
	start  time.Time
	log    io.Writer

	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

func newUploader(o run.Options) *uploader {
	sh := o.Shard
	return &uploader{client: coord.NewClient(sh.Coordinator, sh.Shard.Index, sh.Token, egress.Guard{AllowRemote: o.AllowRemote}),
		start: sh.StartAt, log: o.Log, done: make(chan struct{})}
}

// watch is the run's OnDir: it starts the checkpoints of dir.
func (u *uploader) watch(dir string) {
	u.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		u.cancel = cancel
		go u.checkpoints(ctx, dir)
	})
}

// checkpoints uploads dir at the start instant plus 2 s, 4 s, 8 s and so
// on until ctx ends. Each upload is the whole directory: doubling the wait
// keeps what is sent to about twice the final directory, and a killed task
// loses at most the later half of what it recorded. A failed checkpoint is
// said once; the next one tries again.
func (u *uploader) checkpoints(ctx context.Context, dir string) {
	defer close(u.done)
	said := false
	for wait := firstCheckpoint; ; wait *= 2 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(u.start.Add(wait))):
		}
		if err := u.client.Upload(ctx, dir, false); err != nil && ctx.Err() == nil && !said {
			fmt.Fprintln(u.log, "warning: checkpoint upload failed (the next one tries again):", err)
			said = true
		}
	}
}

// finish stops the checkpoints (cutting one in flight short: the
// coordinator keeps the one before it) and uploads dir whole, within
// coord.UploadTimeout even after a Ctrl-C. A failure is printed and
// returned as an environment error.
func (u *uploader) finish(ctx context.Context, dir string) error {
	if u == nil {
		return nil
	}
	u.halt()
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), coord.UploadTimeout)
	defer cancel()
	if err := u.client.Upload(uctx, dir, true); err != nil {
		fmt.Fprintln(u.log, "upload failed:", err)
		return exitcode.New(exitcode.Environment, err, "the coordinator (authquake swarm) must be reachable until every shard has uploaded")
	}
	fmt.Fprintf(u.log, "uploaded %s to the coordinator\n", dir)
	return nil
}

// halt stops the checkpoints, if they started, and waits for them.
func (u *uploader) halt() {
	if u == nil {
		return
	}
	u.once.Do(func() { close(u.done) }) // never started: nothing to wait for
	if u.cancel != nil {
		u.cancel()
	}
	<-u.done
}
