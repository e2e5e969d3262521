// Package setup provisions the target between "ready" and "load starts": the
// scenario's setup steps (HTTP calls and SQL statements, once or once per
// account, with bounded concurrency) create the accounts in the service under
// test and capture the ids the service gives them. What was captured is saved
// in the run directory (accounts.json) for the request templates and the
// ledger adapters, with the ledger entries the steps made (created.json, from
// their creates) for the audit to leave out; the time setup took is reported
// apart from the load.
package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// Doer sends an HTTP request: the harness's guarded client, which refuses
// redirects and addresses off this machine unless allowed.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Env is where setup acts.
type Env struct {
	// Service and Admin are the base URLs of the service's API (through the
	// client link) and of its admin API, if any.
	Service, Admin string
	// AdminToken is the admin API's token, {{.AdminToken}} in templates.
	AdminToken string
	// PostgresDSN reaches the target's Postgres from this machine, if any.
	PostgresDSN string
	// Guard is what SQL steps connect through (the zero Guard: this
	// machine only); Client sends HTTP steps.
	Guard egress.Guard
	// Client sends the HTTP steps' requests.
	Client Doer
	// Progress receives the progress line; TTY redraws it in place.
	Progress io.Writer
	TTY      bool
	// Token, when set, gives the current bearer token of target.auth,
	// {{.Token}} in templates.
	Token func() string
	// NotifyURL is the run's webhook receiver, {{.NotifyURL}} in templates
	// (to register it with the service).
	NotifyURL string
}

// Result is what setup did: what run.json says of it, and what it
// provisioned and made.
type Result struct {
	rundir.Setup
	// Accounts in index order, with what was captured (accounts.json).
	Accounts []*Account
	// Created are the ledger entries the steps made (their creates), saved
	// as created.json; Entries counts them in run.json.
	Created []Created
}

// StepError is a failed step: the run stops before any load.
type StepError struct {
	Step    string
	Account string // empty for a step that runs once
	Err     error
}

func (e *StepError) Error() string {
	if e.Account == "" {
		return fmt.Sprintf("setup step %s: %v", e.Step, e.Err)
	}
	return fmt.Sprintf("setup step %s, account %s: %v", e.Step, e.Account, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// runner runs one step once: for no account (a once step), one account,
// or a batch of them (v.Accounts).
type runner interface {
	run(ctx context.Context, v *view, accounts []*Account) error
	close()
}

// Run carries out the scenario's setup steps in order. The scenario's seed
// must be final: account limits are drawn from it.
func Run(ctx context.Context, s *scenario.Scenario, env Env) (*Result, error) {
	res := &Result{}
	if s.Setup == nil {
		return res, nil
	}
	if holdsAccounts(s.Setup) {
		all := traffic.NewAccounts(s.Accounts, s.Seed)
		res.Accounts = make([]*Account, 0, all.Count())
		for a := range all.All() {
			res.Accounts = append(res.Accounts, &Account{Index: a.Index, ID: a.ID, Limit: a.Limit})
		}
	}
	began := time.Now()
	base := baseView(s, env, res.Accounts)
	made := &creations{}
	defer func() { res.Created = made.sorted(); res.Entries = len(res.Created) }()
	for _, step := range s.Setup.Steps {
		start := time.Now()
		r, err := newRunner(ctx, step, env, made)
		if err != nil {
			return res, &StepError{Step: step.Name, Err: err}
		}
		st, err := each(ctx, step, s.Setup, &base, res.Accounts, r, env)
		r.close()
		st.Name, st.DurationMS = step.Name, ms(time.Since(start))
		res.Steps = append(res.Steps, st)
		if err != nil {
			return res, err
		}
	}
	res.DurationMS = ms(time.Since(began))
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// holdsAccounts says whether setup needs every account in memory: a step
// that runs once per account (each holds what its steps capture), or a
// template that ranges over .Accounts. Otherwise none is held, and a
// scenario of 100 M accounts provisioned by one call costs nothing per
// account.
func holdsAccounts(s *scenario.Setup) bool {
	for _, step := range s.Steps {
		b, _ := json.Marshal(step)
		if step.ForEach == scenario.ForEachAccount || bytes.Contains(b, []byte(".Accounts")) {
			return true
		}
	}
	return false
}

func newRunner(ctx context.Context, step scenario.SetupStep, env Env, made *creations) (runner, error) {
	batch := step.Batch > 0
	accounts := batch || step.ForEach == "" // may range over .Accounts
	if step.HTTP != nil {
		return newHTTPRunner(step.Name, step.HTTP, env, batch, accounts, made)
	}
	return newSQLRunner(ctx, step.SQL, env, accounts)
}

// Refs are the service's own account ids by account index ("" where setup
// captured none); nil when setup captured none.
func (r *Result) Refs() []string {
	if r == nil || !slices.ContainsFunc(r.Accounts, func(a *Account) bool { return a.Ref != "" }) {
		return nil
	}
	refs := make([]string, len(r.Accounts))
	for i, a := range r.Accounts {
		refs[i] = a.Ref
	}
	return refs
}
