package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/merge"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/authquake/authquake/reports"
)

// Local runs scenarios as `authquake run` does (run.Run, then the analysis
// and every report in the run directory), one at a time, each against a
// target of its own.
type Local struct {
	// Log receives each run's own lines (containers, faults); nil drops them.
	Log io.Writer
	// AllowRemote allows a url target off this machine.
	AllowRemote bool
	// Version is authquake's, saved in run.json.
	Version string
}

// Run runs t once. A run cut short by ctx is no trial: its error is ctx's
// cause. A run that a stop condition ended is a trial like any other.
func (l Local) Run(ctx context.Context, t Trial) (Result, error) {
	logw := l.Log
	if logw == nil {
		logw = io.Discard
	}
	var dir string
	var err error
	if t.Shards > 1 {
		dir, err = l.sharded(ctx, t, logw)
	} else {
		var res *run.Result
		res, err = run.Run(ctx, run.Options{Scenario: t.File, Out: t.Out, DurationScale: t.DurationScale,
			AllowRemote: l.AllowRemote, Log: logw, Version: l.Version, Procs: run.ProcsAuto})
		if res == nil {
			return Result{}, err
		}
		if dir = res.Dir; res.Meta.BaseUnixNano == 0 {
			return Result{Dir: dir}, exitcode.New(exitcode.Of(err), fmt.Errorf("%w: %v", ErrNothingSent, err), "its log is in "+dir)
		}
	}
	if ctx.Err() != nil {
		return Result{Dir: dir}, run.Interrupted(ctx, err)
	}
	if err != nil && exitcode.Of(err) != exitcode.Aborted {
		return Result{Dir: dir}, err
	}
	return Analyse(dir)
}

// Analyse reads a run directory, writes its reports and returns what its
// audit found.
func Analyse(dir string) (Result, error) {
	r, err := analysis.Load(dir)
	if err != nil {
		return Result{Dir: dir}, exitcode.New(exitcode.Environment, err, "")
	}
	s, series, err := analysis.Analyze(r, time.Second)
	if err != nil {
		return Result{Dir: dir}, exitcode.New(exitcode.Environment, fmt.Errorf("analyse %s: %w", dir, err), "")
	}
	if err := reports.Write(r, s, series); err != nil {
		return Result{Dir: dir}, exitcode.New(exitcode.Environment, fmt.Errorf("write reports: %w", err), "")
	}
	res := Result{Dir: dir, Status: r.Meta.Status, Verdict: s.Verdict, Payments: r.Meta.Sent, KeyPrefix: r.Meta.KeyPrefix}
	if s.Audit != nil {
		res.Broken = s.Audit.Violations
	}
	return res, nil
}

// shardLead is how far ahead of now the shards of a replay start: they
// start no target of their own (a sharded run's target is a url), so a
// moment is enough.
const shardLead = 3 * time.Second

// sharded runs t's shards in this process, as the replayed run's shards ran
// on several hosts, and merges them into one run directory under t.Out.
func (l Local) sharded(ctx context.Context, t Trial, logw io.Writer) (string, error) {
	listen, err := freeAddr()
	if err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	startAt := time.Now().Add(shardLead).Truncate(time.Millisecond)
	parts := filepath.Join(t.Out, "shards-"+startAt.UTC().Format("20060102T150405Z"))
	dirs := make([]string, t.Shards)
	errs := make([]error, t.Shards)
	token := coord.NewToken() // the shards' own: this process owns the replay
	var wg sync.WaitGroup
	for i := range t.Shards {
		o := run.Options{Scenario: t.File, Out: parts, DurationScale: t.DurationScale, AllowRemote: l.AllowRemote,
			Log: logw, Version: l.Version, Shard: run.ShardOptions{Shard: traffic.Shard{Index: i, Count: t.Shards}, StartAt: startAt, Listen: listen, Token: token}}
		if i > 0 {
			o.Shard.Coordinator = "http://" + listen
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := run.Run(ctx, o)
			if res != nil {
				dirs[i] = res.Dir
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	var given []string
	for _, d := range dirs {
		if d != "" {
			given = append(given, d)
		}
	}
	if len(given) == 0 {
		return "", errors.Join(errs...)
	}
	out := filepath.Join(t.Out, strings.Replace(filepath.Base(given[0]), "-shard0-", "-", 1))
	if _, err := merge.Merge(given, out); err != nil {
		return "", exitcode.New(exitcode.Environment, err, "the shards are in "+parts)
	}
	return out, errs[0] // shard 0 owns the run: its stop or error is the run's
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
