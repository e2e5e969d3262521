package run

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/traffic"
)

// ShardOptions makes a run one shard of a run split over several processes.
type ShardOptions struct {
	Shard traffic.Shard
	// StartAt is the common start instant (wall clock) of every shard.
	StartAt time.Time
	// Listen is where the fault owner (shard 0) serves the coordination
	// endpoint, host:port (default 127.0.0.1:7190), unless Coordinator is
	// set for it too.
	Listen string
	// Coordinator is the coordination endpoint, http://host:port: shard 0's
	// for the others, or one served by the launcher (authquake swarm) for
	// every shard, shard 0 included.
	Coordinator string
	// Token is the run's secret, which the endpoint asks of every request
	// (coord.TokenFromEnv). A shard 0 that serves the endpoint without one
	// makes one and prints it; a shard with a Coordinator needs it.
	Token string
}

// DefaultListen is where shard 0 serves the coordination endpoint.
const DefaultListen = "127.0.0.1:7190"

// checkShard refuses what a sharded run cannot do. A target its module
// starts (Module.Shareable false) is started once, by shard 0, which
// publishes it on the endpoint it serves (owned.go): so that shard 0 must
// serve it (--listen), not follow another's (--coordinator).
func checkShard(s *scenario.Scenario, o ShardOptions) error {
	if !o.Shard.Sharded() {
		return nil
	}
	if !registry.Shareable(s.Target.Kind) && o.Shard.Index == 0 && o.Coordinator != "" {
		return exitcode.Invalidf("run shard 0 with --listen (it serves the endpoint), or point every shard at one service with target: {kind: url, url: ...}",
			"--shard 0/%d: target kind %q is started by shard 0, which publishes it on the endpoint it serves; with --coordinator it would serve none", o.Shard.Count, s.Target.Kind)
	}
	if o.StartAt.IsZero() {
		return exitcode.Invalidf("e.g. --start-at $(date -u -d '+20 sec' +%Y-%m-%dT%H:%M:%SZ), the same for every shard",
			"--shard needs --start-at: the common instant every shard's schedule starts from")
	}
	if o.Shard.Index > 0 && o.Coordinator == "" {
		return exitcode.Invalidf("e.g. --coordinator http://127.0.0.1:7190 (where shard 0 serves --listen)",
			"--shard %s needs --coordinator: shard 0's endpoint, to learn of a stop", o.Shard)
	}
	if o.Coordinator != "" && o.Token == "" {
		return exitcode.Invalidf(fmt.Sprintf("export %s=TOKEN, the token shard 0 printed (authquake swarm and authquake k8s pass it themselves)", coord.TokenEnv),
			"--coordinator needs the run's token: the endpoint answers no one without it")
	}
	return nil
}

// LateJoin is how long after the start instant a shard may still begin.
// A later one (an engine's replacement of a killed task) does not join:
// it would send every hit it missed at once, and the lost shard is better
// reported by merge than hidden behind a burst.
const LateJoin = 2 * time.Second

// lateJoin reports, and says in the log, that the shard starts too late.
func lateJoin(o Options) bool {
	late := time.Since(o.Shard.StartAt)
	if !o.Shard.Shard.Sharded() || late <= LateJoin {
		return false
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "shard %s: the start instant passed %s ago (more than %s): not joining; merge reports what this shard never sent\n",
			o.Shard.Shard, late.Round(time.Second), LateJoin)
	}
	return true
}

// joins registers the shard with the coordinator before anything is
// created, and reports false when the shard already ran in this run (the
// process is an engine's replacement of a lost task: it must not run the
// shard twice). A coordinator that cannot be reached is said in the log;
// the shard runs.
func joins(o Options) bool {
	sh := o.Shard
	if !sh.Shard.Sharded() || sh.Coordinator == "" {
		return true // a plain run, or shard 0 serving the endpoint itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := coord.NewClient(sh.Coordinator, sh.Shard.Index, sh.Token, egress.Guard{AllowRemote: o.AllowRemote}).Join(ctx)
	switch {
	case errors.Is(err, coord.ErrJoined):
		if o.Log != nil {
			fmt.Fprintf(o.Log, "shard %s already ran in this run: not running it twice; merge reports what the first one never sent\n", sh.Shard)
		}
		return false
	case err != nil && o.Log != nil:
		fmt.Fprintln(o.Log, "warning: could not join the coordinator (a stop elsewhere may not reach this shard):", err)
	}
	return true
}

// SharedKeyPrefix is the key prefix every shard of a run derives alike from
// the start instant and the seed, so that their keys are one run's keys.
func SharedKeyPrefix(startAt time.Time, seed uint64) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", startAt.UnixNano(), seed)
	return traffic.UniqueKeyPrefix(h.Sum32())
}

// shardLink is a running shard's link to the others: the owner's server,
// or a client of it.
type shardLink struct {
	info    *rundir.ShardInfo
	startAt time.Time
	server  *coord.Server // shard 0 serving the endpoint itself
	client  *coord.Client
	owner   bool
	log     io.Writer
}

// reserveListen takes the port shard 0 serves the coordination endpoint
// on (--listen, DefaultListen), when this process is that shard 0; nil
// otherwise. Run takes it before the target starts: the target's
// containers publish ports from the same range, and a port they took
// first would fail the run after the target was up.
func reserveListen(o Options) (net.Listener, error) {
	if !o.Shard.Shard.Sharded() || o.Shard.Shard.Index != 0 || o.Shard.Coordinator != "" {
		return nil, nil
	}
	addr := o.Shard.Listen
	if addr == "" {
		addr = DefaultListen
	}
	if h, _, err := net.SplitHostPort(addr); err == nil && !o.AllowRemote {
		if err := egress.CheckHost(h, false); err != nil {
			return nil, exitcode.Invalidf("bind 127.0.0.1, or pass --allow-remote", "--listen %s: %v", addr, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, fmt.Errorf("coordinator: listen %s: %w", addr, err), "another shard 0 may hold the port: --listen HOST:PORT")
	}
	return ln, nil
}

// link starts the owner's endpoint or the others' client. halt stops this
// shard's load.
func link(o Options, info *rundir.ShardInfo, halt func(status, reason string)) (*shardLink, error) {
	l := &shardLink{info: info, startAt: o.Shard.StartAt, log: o.Log, owner: o.Shard.Shard.Index == 0}
	if l.owner && o.Shard.Coordinator == "" {
		ln := o.listener
		if ln == nil {
			var err error
			if ln, err = reserveListen(o); err != nil {
				return nil, err
			}
		}
		token := o.Shard.Token
		if token == "" {
			token = coord.NewToken()
			fmt.Fprintf(o.Log, "coordination token of this run (give it to shards 1..%d: export %s=%s)\n", o.Shard.Shard.Count-1, coord.TokenEnv, token)
		}
		srv, err := coord.ServeOn(ln, coord.Config{Token: token, Shards: o.Shard.Shard.Count, OnStop: func(reason string, by int) {
			halt(rundir.StatusAborted, fmt.Sprintf("shard %d: %s", by, reason))
		}})
		if err != nil {
			ln.Close()
			return nil, exitcode.New(exitcode.Environment, err, "")
		}
		l.server, info.Coordinator, info.ClockMeasured = srv, "http://"+srv.Addr(), true
		srv.Join(0)
		return l, nil
	}
	l.client = coord.NewClient(o.Shard.Coordinator, o.Shard.Shard.Index, o.Shard.Token, egress.Guard{AllowRemote: o.AllowRemote})
	info.Coordinator = o.Shard.Coordinator
	return l, nil
}

// follow polls the endpoint until ctx ends (unless this shard serves it).
func (l *shardLink) follow(ctx context.Context, halt func(status, reason string)) {
	if l.client != nil {
		l.client.Follow(ctx, func(reason string) { halt(rundir.StatusAborted, reason) })
	}
}

// stop tells every shard that this one's stop condition fired.
func (l *shardLink) stop(reason string) {
	if l.server != nil {
		l.server.Stop(reason, 0)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := l.client.Stop(ctx, reason); err != nil {
		fmt.Fprintln(l.log, "shard stop not passed on:", err)
	}
}

// finish says this shard is done (the others), or waits up to wait for the
// others before the owner reads the ledger; then records the clock.
func (l *shardLink) finish(wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	want := l.info.Count - 1
	switch {
	case l.server != nil:
		if n := l.server.WaitDone(ctx, want); n < want {
			fmt.Fprintf(l.log, "shards: %d of %d others said they were done\n", n, want)
		}
		return
	case l.owner:
		if n := l.client.WaitDone(ctx, want); n < want {
			fmt.Fprintf(l.log, "shards: %d of %d others said they were done\n", n, want)
		}
	default:
		if err := l.client.Done(ctx); err != nil {
			fmt.Fprintln(l.log, "shard done not passed on:", err)
		}
	}
	off, rtt, ok := l.client.Clock()
	l.info.ClockOffsetNanos, l.info.ClockRTTNanos, l.info.ClockMeasured = int64(off), int64(rtt), ok
}

// close stops the owner's endpoint.
func (l *shardLink) close() {
	if l.server != nil {
		l.server.Close()
	}
}

// reachTarget fails a shard fast, exit 5 with the reason, when it cannot
// open a connection to the target the shards share (a shard that sent its
// whole share into a refused port would only say so in its outcomes).
func reachTarget(ctx context.Context, tgt *target.Target, o Options) error {
	if !o.Shard.Shard.Sharded() || tgt.Topo == nil || tgt.Topo.Endpoints.ServiceDirect == "" {
		return nil
	}
	u, err := url.Parse(tgt.Topo.Endpoints.ServiceDirect)
	if err != nil {
		return nil // the module checked it
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("shard %s cannot reach the target at %s: %w", o.Shard.Shard, u.Redacted(), err),
			"the target must be up and reachable from every shard's host (on a swarm: the host network of its node)")
	}
	conn.Close()
	return nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
