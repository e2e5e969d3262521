// Package dockertest holds the helpers of tests that need a Docker Engine:
// they skip without one, except under CI=true where a missing engine is a
// failure, and with -short they always skip.
package dockertest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/images"
)

// Client returns a Docker client for a container test, or ends the test:
// skipped with -short or without Docker, failed without Docker when CI=true.
func Client(t testing.TB) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("container test: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cli, err := docker.Connect(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("container test needs Docker (CI=true): %v", err)
		}
		t.Skipf("container test: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

var (
	refsOnce sync.Once
	refs     images.Refs
	refsErr  error
)

// Images returns the bundled topology's images, building what is missing
// (once per test binary).
func Images(t testing.TB) images.Refs {
	t.Helper()
	cli := Client(t)
	refsOnce.Do(func() {
		b, err := images.NewBuilder(cli, nil)
		if err != nil {
			refsErr = err
			return
		}
		refs, refsErr = b.All(context.Background())
	})
	if refsErr != nil {
		t.Fatalf("images: %v", refsErr)
	}
	return refs
}

// RunResources lists the names of containers and networks labelled with run.
func RunResources(t testing.TB, cli *client.Client, run string) (containers, networks []string) {
	t.Helper()
	r, err := docker.Reap(context.Background(), cli, docker.Selector{RunID: run, DryRun: true})
	if err != nil {
		t.Fatalf("list resources of run %s: %v", run, err)
	}
	return r.Containers, r.Networks
}
