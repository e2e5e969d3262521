package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
)

// Owner is the process that owns a run's target when the load comes from
// shards that share it (authquake swarm on a target its module starts: the
// shards get a url scenario that points at the client link). It does what
// a single run does around its load, once:
//
//	StartOwner   target up through its module (images, containers, links),
//	   │         setup into its own directory (accounts.json, created.json),
//	   │         the fault timeline built and checked, nothing injected
//	Faults(at)   the timeline from the shards' common start instant
//	Stop         no fault any more; every one in force reverted
//	Finish(dir)  the ledger read (before teardown), then timeline.json, the
//	   │         ledger snapshot, accounts, created and the original
//	   │         scenario written into the merged run directory
//	Close        faults reverted, the target removed (every way out)
type Owner struct {
	s      *scenario.Scenario // scaled, seeded: as every shard runs it
	path   string             // the original scenario file
	o      Options
	dir    string // the owner's own directory: setup's files, the ledger read
	tgt    *target.Target
	tl     *fault.Timeline
	meta   *rundir.Meta // setup's record, for the merged run.json
	closed bool

	mu        sync.Mutex // the watch (ownerwatch.go), which Stop ends from any goroutine
	stopWatch context.CancelFunc
	watched   chan struct{}
	ended     bool
}

// StartOwner reads the scenario as Run does (o.Scenario, Seed,
// DurationScale, AllowRemote, Log), starts its target through its module,
// runs its setup into dir (made if missing) and builds its fault timeline
// against the target. The Owner comes back even on error: Close removes
// what started.
func StartOwner(ctx context.Context, o Options, dir string) (*Owner, error) {
	if !(o.DurationScale > 0) {
		o.DurationScale = 1
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	w := &Owner{path: o.Scenario, o: o, dir: dir, tgt: &target.Target{}}
	s, _, _, err := prepare(o)
	if err != nil {
		return w, err
	}
	w.s = s
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return w, exitcode.New(exitcode.Environment, err, "")
	}
	w.tgt, err = registry.Start(ctx, s, target.Options{AllowRemote: o.AllowRemote, Log: o.Log})
	if err != nil {
		saveStartLog(dir, err)
		return w, Interrupted(ctx, err)
	}
	w.meta = &rundir.Meta{}
	stop, err := startAuth(ctx, s, w.tgt, &w.o, w.meta)
	if err == nil {
		err = provision(ctx, w.tgt, s, &w.o, dir, w.meta)
		stop()
	}
	if err != nil {
		return w, Interrupted(ctx, err)
	}
	if w.tl, err = fault.NewTimeline(s.Faults, w.tgt.FaultEnv(s, s.Seed, o.AllowRemote), o.Log); err != nil {
		return w, exitcode.New(exitcode.Invalid, err, "")
	}
	return w, nil
}

// Seed is the run's seed, settled (--seed, the scenario's, or drawn): every
// shard must run with it.
func (w *Owner) Seed() uint64 { return w.s.Seed }

// Refs are the service's own account ids by account index that setup
// captured ({{.AccountRef}}), for the shards; nil when it captured none.
func (w *Owner) Refs() []string { return w.o.refs }

// ClientURL is the target's client link as the shards reach it: the
// published address of its Toxiproxy, where network faults apply.
func (w *Owner) ClientURL() string { return w.tgt.Topo.Endpoints.Service }

// Faults runs the fault timeline from at, the shards' common start
// instant, and from then samples the target's containers and scrapes the
// service's metrics until Stop.
func (w *Owner) Faults(ctx context.Context, at time.Time) {
	if w.tl != nil {
		w.tl.Start(context.WithoutCancel(ctx), at)
	}
	if w.tgt.Topo != nil {
		w.watchTarget(ctx, at)
	}
}

// Stop injects no fault any more, reverts every one in force and ends the
// samples. Safe to call more than once, and before Faults.
func (w *Owner) Stop(reason string) {
	w.endWatch()
	if w.tl != nil {
		w.tl.Stop(reason)
		w.tl.RevertAll()
	}
}

// Finish reads the ledger (the target still runs) and writes into the
// merged run directory what a single run's directory has from its owner:
// timeline.json, the ledger snapshot, accounts.json, created.json, the
// containers' samples, the service's metrics and the original scenario,
// replacing the shards' copies; run.json names the target as it ran.
func (w *Owner) Finish(ctx context.Context, merged string) error {
	w.Stop("the load ended")
	snapshotLedger(ctx, w.tgt, w.s, w.dir, w.o.AllowRemote, w.o.Log)
	for _, n := range []string{rundir.LedgerFile, rundir.LedgerErrorFile, rundir.LedgerNoneFile} {
		os.Remove(filepath.Join(merged, n)) // the shards read none
	}
	var events []rundir.Event
	if w.tl != nil {
		events = w.tl.Events()
	}
	errs := []error{rundir.WriteJSON(merged, rundir.TimelineFile, events), w.watchedFiles(merged)}
	entries, err := os.ReadDir(w.dir)
	errs = append(errs, err)
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasPrefix(n, "ledger") || n == rundir.AccountsFile || n == rundir.CreatedFile || strings.HasSuffix(n, ".log")) {
			errs = append(errs, copyFile(filepath.Join(w.dir, n), filepath.Join(merged, n)))
		}
	}
	if src, err := os.ReadFile(w.path); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, os.WriteFile(filepath.Join(merged, rundir.ScenarioFile), secret.Redact(src), 0o644))
	}
	if m, err := rundir.ReadMeta(merged); err == nil {
		m.Target, m.RunID, m.Endpoints, m.Setup = w.tgt.Info, w.tgt.Topo.RunID, w.tgt.Topo.Endpoints, w.meta.Setup
		errs = append(errs, rundir.WriteJSON(merged, rundir.MetaFile, m))
	}
	if err := errors.Join(errs...); err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("owner's files into %s: %w", merged, err), "")
	}
	return nil
}

// Close reverts every fault and removes the target, with fresh contexts.
// Safe to call more than once.
func (w *Owner) Close() {
	if w.closed {
		return
	}
	w.closed = true
	w.Stop("teardown")
	w.tgt.Close(w.o.Log)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
