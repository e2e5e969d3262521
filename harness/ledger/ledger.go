// Package ledger reads the service's ledger into the audit's neutral model
// (harness/audit) before the target is removed, and saves it into the run
// directory, so the audit stays a pure function of saved data whatever the
// service. Each source is an adapter behind one small interface:
//
//	sql      two queries against the service's database, with a column mapping
//	http     a paginated JSON reconciliation endpoint, with item paths
//	none     nothing is read: the audit lists every invariant as unchecked
//
// and those a target module adds for its own kind of target (Register; e.g.
// authsim's /admin/ledger, harness/target/authsim).
//
// A source that cannot be read leaves ledger.error with the reason, and the
// audit is inconclusive (exit 1), never a pass.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// Source reads a service's ledger as the audit's neutral model.
type Source interface {
	Read(ctx context.Context) (*audit.Snapshot, error)
}

// Doer sends HTTP requests: the http source is handed a client that
// refuses redirects and addresses off this machine unless allowed.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Env is what sources need to know of the scenario and the running target.
type Env struct {
	// Config is the scenario's ledger section (defaults applied).
	Config scenario.Ledger
	// PostgresDSN reaches the target's own Postgres from this machine, if it has one.
	PostgresDSN string
	// Admin and AdminToken reach authsim's admin API; Ready is its readiness URL.
	Admin, AdminToken, Ready string
	// Refs maps the service's account refs to authquake's account ids
	// (from accounts.json); nil keeps the service's ids as they are.
	Refs map[string]string
	// HTTP sends the http source's requests; nil uses a client that follows
	// no redirect and, unless AllowRemote, reaches loopback addresses only.
	HTTP        Doer
	AllowRemote bool
	// Log receives a line per re-read while payments are still pending.
	Log io.Writer
	// Created are the ledger entries the scenario's setup made (created.json):
	// marked not the run's in the snapshot.
	Created []rundir.Created
}

// ErrNone is New's answer for kind none: no ledger is read.
var ErrNone = errors.New("no ledger source configured")

// registry is every source kind, by name: the generic ones here, and those
// target modules add (Register).
var registry = map[string]func(Env) (Source, error){
	scenario.LedgerSQL:  newSQL,
	scenario.LedgerHTTP: newHTTP,
}

// Register adds the ledger source of a target module (harness/target's
// registry calls it for each LedgerKeeper, e.g. authsim's /admin/ledger); a
// duplicate kind is a programming error.
func Register(kind string, source func(Env) (Source, error)) {
	if _, dup := registry[kind]; dup || kind == scenario.LedgerNone {
		panic(fmt.Sprintf("ledger kind %q registered twice", kind))
	}
	registry[kind] = source
}

// Kinds lists the source kinds (for authquake list).
func Kinds() []string {
	kinds := []string{scenario.LedgerNone}
	for k := range registry {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// New returns the source the scenario names, or ErrNone.
func New(env Env) (Source, error) {
	kind := env.Config.Kind
	if kind == "" || kind == scenario.LedgerNone {
		return nil, ErrNone
	}
	mk, ok := registry[kind]
	if !ok {
		return nil, fmt.Errorf("unknown ledger kind %q (kinds: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return mk(env)
}

// Save reads src and writes the snapshot into dir, or ledger.error with
// the reason when it cannot be read (the audit is then inconclusive).
func Save(ctx context.Context, src Source, dir string) error {
	return settle(ctx, src, dir, 0, nil)
}

// settle reads src, and again once a second while the ledger holds a payment
// still pending (accepted, not yet decided), for up to wait; then saves the
// last read. A service that decides queued payments in the background is
// read once it has decided, not in the middle.
func settle(ctx context.Context, src Source, dir string, wait time.Duration, log io.Writer) error {
	deadline := time.Now().Add(wait)
	l, err := src.Read(ctx)
	for err == nil && pending(l) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		if log != nil {
			fmt.Fprintf(log, "ledger: %d payments still pending, reading again in 1s\n", pending(l))
		}
		time.Sleep(time.Second)
		l, err = src.Read(ctx)
	}
	if err == nil {
		err = audit.WriteSnapshot(filepath.Join(dir, rundir.LedgerFile), l)
	}
	if err != nil {
		os.WriteFile(filepath.Join(dir, rundir.LedgerErrorFile), []byte(err.Error()+"\n"), 0o644)
	}
	return err
}

// Snapshot chooses the scenario's source and saves its ledger into dir:
// ledger.jsonl.gz, ledger.error (could not be read: inconclusive) or
// ledger.none (no source: every invariant unchecked, with the reason).
func Snapshot(ctx context.Context, env Env, dir string) error {
	src, err := New(env)
	switch {
	case errors.Is(err, ErrNone):
		return os.WriteFile(filepath.Join(dir, rundir.LedgerNoneFile), []byte(err.Error()+"\n"), 0o644)
	case err != nil:
		os.WriteFile(filepath.Join(dir, rundir.LedgerErrorFile), []byte(err.Error()+"\n"), 0o644)
		return err
	}
	var wait time.Duration
	if d := env.Config.Settle; d != nil {
		wait = d.D()
	}
	return settle(ctx, markCreated(src, env.Created), dir, wait, env.Log)
}

// pending counts the ledger's entries still pending.
func pending(l *audit.Snapshot) int {
	n := 0
	for _, recs := range l.ByKey {
		for _, r := range recs {
			if r.Status == audit.Pending {
				n++
			}
		}
	}
	return n
}
