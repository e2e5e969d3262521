package setup

import (
	"bytes"
	"fmt"
	"text/template"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// Account is an account as setup steps see it ({{.Account}}): the run
// directory's (accounts.json), with what the steps captured for it.
type Account = rundir.Account

// view is what a step's templates see.
type view struct {
	Account            *Account
	Accounts           []*Account
	Currency, Prefix   string
	Seed               uint64
	Count              int
	LimitMin, LimitMax int64
	Distribution       string
	Service, Admin     string
	AdminToken         string
	NotifyURL          string
	// Vars are what once steps captured, for the steps after them.
	Vars  map[string]string
	token func() string
}

// Token is the current bearer token of target.auth; empty without one.
func (v *view) Token() string {
	if v.token == nil {
		return ""
	}
	return v.token()
}

// text is a parsed template that fails on a missing key.
type text struct {
	src  string
	tmpl *template.Template
}

func parse(name, src string, accounts bool) (*text, error) {
	t, err := scenario.ParseSetupTemplate(name, src, accounts)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return &text{src: src, tmpl: t}, nil
}

// capped is a buffer that stops a template at MaxRequestBytes.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > scenario.MaxRequestBytes {
		return 0, fmt.Errorf("renders more than %d bytes: for_each: account with batch: N makes smaller calls", scenario.MaxRequestBytes)
	}
	return c.Buffer.Write(p)
}

func (t *text) render(v *view) (string, error) {
	var b capped
	if err := t.tmpl.Execute(&b, v); err != nil {
		return "", fmt.Errorf("template %q: %w", clip([]byte(t.src)), err)
	}
	return b.String(), nil
}

// baseView fills what every template of a run sees.
func baseView(s *scenario.Scenario, env Env, accounts []*Account) view {
	a := s.Accounts
	return view{Accounts: accounts, Currency: s.Requests.Currency, Prefix: a.Prefix, Seed: s.Seed,
		Count: a.Count, LimitMin: a.Limit.Min, LimitMax: a.Limit.Max, Distribution: a.Limit.Distribution,
		Service: env.Service, Admin: env.Admin, AdminToken: env.AdminToken, Vars: map[string]string{}, token: env.Token,
		NotifyURL: env.NotifyURL}
}
