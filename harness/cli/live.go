package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/run"
)

// serveLive starts the Prometheus endpoint of --metrics-addr and hands its
// exporter to the run. The returned func stops serving, after linger (cut
// short by Ctrl-C) so that a last scrape sees the final counts.
func serveLive(ctx context.Context, io IO, o *run.Options, addr string, linger time.Duration) (func(), error) {
	e := live.New()
	srv, err := live.Serve(addr, o.AllowRemote, e)
	if err != nil {
		return nil, exitcode.New(exitcode.Invalid, err, "")
	}
	fmt.Fprintf(io.Err, "metrics: %s\n", srv.URL())
	o.Live = e
	return func() {
		select {
		case <-ctx.Done():
		case <-time.After(linger):
		}
		srv.Close()
	}, nil
}
