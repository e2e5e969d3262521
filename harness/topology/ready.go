package topology

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authquake/authquake/harness/egress"
)

// readyHTTP probes containers' published ports: they are on this machine, so
// its guard allows loopback only, and it follows no redirect.
var readyHTTP = egress.Guard{}.Client(egress.Timeout(time.Second))

// httpReady is a testcontainers wait strategy that polls a path of a
// container's published port through the egress guard until it answers. It
// replaces wait.ForHTTP, whose client dials wherever a name resolves and
// follows redirects.
type httpReady struct {
	port string // the container's port, e.g. "8080/tcp"
	path string // e.g. "/readyz"
	// anyAnswer: any HTTP answer, a redirect included, means ready;
	// otherwise only a 2xx does.
	anyAnswer bool
}

var _ wait.Strategy = httpReady{}

// String says what is awaited, for testcontainers' logs.
func (r httpReady) String() string { return fmt.Sprintf("HTTP GET %s on port %s", r.path, r.port) }

// WaitUntilReady polls every 100 ms until the container answers, it stops
// running, or ctx (the wait deadline) ends; then the error says the last
// probe's result, e.g. a redirect's Location.
func (r httpReady) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	last := errors.New("not probed yet")
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", r, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
		st, err := target.State(ctx)
		if err != nil {
			return fmt.Errorf("%s: container state: %w", r, err)
		}
		if err := stopped(st); err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
		err = r.probe(ctx, target)
		switch {
		case err == nil:
			return nil
		case ctx.Err() == nil: // a probe cut short by the deadline says less than the one before
			last = err
		}
	}
}

// probe asks once; nil means ready.
func (r httpReady) probe(ctx context.Context, target wait.StrategyTarget) error {
	addr, err := published(ctx, target, r.port)
	if err != nil {
		return err
	}
	path := r.path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := readyHTTP.Do(req)
	var redirect *egress.RedirectError
	switch {
	case r.anyAnswer && errors.As(err, &redirect):
		return nil // it answered
	case err != nil:
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 && !r.anyAnswer {
		return fmt.Errorf("GET %s: %d", req.URL, resp.StatusCode)
	}
	return nil
}

// published is host:port where a container's port is published.
func published(ctx context.Context, target wait.StrategyTarget, port string) (string, error) {
	host, err := target.Host(ctx)
	if err != nil {
		return "", err
	}
	p, err := target.MappedPort(ctx, port)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, p.Port()), nil
}

// stopped says why a container that is not running will never be ready.
func stopped(st *container.State) error {
	switch {
	case st.Running:
		return nil
	case st.OOMKilled:
		return errors.New("container killed: out of memory")
	case st.Status == container.StateExited:
		return fmt.Errorf("container exited with code %d", st.ExitCode)
	default:
		return fmt.Errorf("container is %s", st.Status)
	}
}
