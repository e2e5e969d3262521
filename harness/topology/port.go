package topology

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authquake/authquake/harness/egress"
)

// portReady waits until a container listens on its port, for dependencies
// that are not HTTP (Postgres, Redis, a broker). It replaces
// wait.ForListeningPort, which can call a container ready that is about to
// exit: its port check from the outside succeeds as soon as Docker publishes
// the port, and when its check from the inside cannot exec (exit code 126,
// as for a container that has just stopped) it takes that for an image
// without a shell and passes.
//
// The check from the inside reads /proc/net/tcp and tcp6 with the
// container's shell. An image without a shell (exec exit 126 or 127, the
// container still running) is checked from the outside: a connection to
// the published port, then still running a second later.
type portReady struct {
	port string // the container's port, e.g. "6379/tcp"
	// settle is how long an image without a shell must keep running after
	// its port accepts a connection (a second by default).
	settle time.Duration
}

var _ wait.Strategy = portReady{}

// String says what is awaited, for testcontainers' logs.
func (r portReady) String() string { return "listening on port " + r.port }

// WaitUntilReady polls every 100 ms until the container listens, it stops
// running, or ctx (the wait deadline) ends.
func (r portReady) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	p, err := network.ParsePort(r.port)
	if err != nil {
		return fmt.Errorf("%s: %w", r, err)
	}
	// Only a listening socket (state 0A) on the port, v4 or v6. A shell
	// without awk or grep is checked as an image without a shell (127).
	check := fmt.Sprintf(`command -v awk >/dev/null && command -v grep >/dev/null || exit 127
cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2}' | grep -qi ':%04x$'`, p.Num())
	last := errors.New("not probed yet")
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", r, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
		if err := running(ctx, target); err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
		code, _, err := target.Exec(ctx, []string{"/bin/sh", "-c", check})
		switch {
		case err != nil:
			last = err // perhaps it has just stopped: the next round's state says
		case code == 0:
			return running(ctx, target)
		case code == 126 || code == 127:
			// No shell (or no awk), or the container stopped between the
			// state and the exec.
			if err := running(ctx, target); err != nil {
				return fmt.Errorf("%s: %w", r, err)
			}
			return r.fromOutside(ctx, target)
		default:
			last = fmt.Errorf("not listening yet")
		}
	}
}

// fromOutside checks an image without a shell: its published port accepts
// a connection, and it still runs settle later (Docker's proxy accepts on a
// published port before anything listens behind it).
func (r portReady) fromOutside(ctx context.Context, target wait.StrategyTarget) error {
	settle := r.settle
	if settle == 0 {
		settle = time.Second
	}
	addr, err := published(ctx, target, r.port)
	if err != nil {
		return err
	}
	for {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := egress.Guard{}.Dialer().DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", r, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", r, ctx.Err())
	case <-time.After(settle):
	}
	if err := running(ctx, target); err != nil {
		return fmt.Errorf("%s: %w", r, err)
	}
	return nil
}

// running is nil while the container runs, and otherwise says why it never
// will be ready.
func running(ctx context.Context, target wait.StrategyTarget) error {
	st, err := target.State(ctx)
	if err != nil {
		return fmt.Errorf("container state: %w", err)
	}
	return stopped(st)
}
