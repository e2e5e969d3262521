package fault

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/secret"
)

// callVars are what an http fault's URL, body and header values may use:
// {{.Admin}} is the admin port a containers target publishes
// (target.containers.service.admin_port), {{.AdminToken}} the token
// authquake knows for it (empty unless the target module sets one).
type callVars struct {
	Admin, AdminToken string
}

// placeholderAdmin stands for the admin endpoint when a scenario is checked
// before any target runs.
const placeholderAdmin = "http://127.0.0.1:9"

// render fills the call's templates. Without an admin endpoint a call that
// names {{.Admin}} is an error saying how to publish one.
func (c httpCall) render(param string, v callVars) (httpCall, error) {
	uses := strings.Contains(c.URL+c.Body, ".Admin}}")
	for _, h := range c.Headers {
		uses = uses || strings.Contains(h, ".Admin}}")
	}
	if uses && v.Admin == "" {
		return c, fmt.Errorf("%s: {{.Admin}} is empty: the target publishes no admin port (set target.containers.service.admin_port)", param)
	}
	out := httpCall{Method: c.Method, Headers: map[string]string{}}
	var err error
	fill := func(name, text string) string {
		t, perr := template.New(name).Option("missingkey=error").Funcs(secret.Funcs).Parse(text)
		var b strings.Builder
		if perr == nil {
			perr = t.Execute(&b, v)
		}
		if perr != nil && err == nil {
			err = fmt.Errorf("%s.%s: %v (fields: .Admin .AdminToken)", param, name, perr)
		}
		return b.String()
	}
	out.URL, out.Body = fill("url", c.URL), fill("body", c.Body)
	for k, h := range c.Headers {
		out.Headers[k] = fill("headers."+k, h)
	}
	return out, err
}

// httpAccounts declares what an http fault does to accounts. authquake
// cannot see inside the service's switch, so the scenario says which
// accounts it freezes or which limit it gives them, and the timeline keeps
// it in the fault's details, as credit_limit's, for the audit's I6 (an
// approval over the limit in force, or on a frozen account). The audit
// trusts the declaration as it trusts credit_limit's own report.
type httpAccounts struct {
	// IDs are authquake's account ids (acct-000001), as the audit names them.
	IDs []string `yaml:"ids"`
	// Freeze: the switch freezes them; Limit: it sets their limits (minor units).
	Freeze bool   `yaml:"freeze"`
	Limit  *int64 `yaml:"limit"`
}

func (a *httpAccounts) check() []ParamError {
	if a == nil {
		return nil
	}
	var errs []ParamError
	if len(a.IDs) == 0 {
		errs = append(errs, ParamError{"accounts.ids", "lists no account: give the ids the switch changes"})
	}
	if a.Freeze == (a.Limit != nil) {
		errs = append(errs, ParamError{"accounts", "give exactly one of freeze: true and limit"})
	}
	if a.Limit != nil && *a.Limit < 0 {
		errs = append(errs, ParamError{"accounts.limit", "must be 0 or more"})
	}
	return errs
}

// Details lists the declared accounts as LimitChanges, without the limits
// before (authquake never saw them): near the fault's edges the audit then
// takes the change as not surely in force.
func (f *httpFault) Details() any {
	a := f.p.Accounts
	if a == nil {
		return nil
	}
	d := rundir.LimitChanges{Field: rundir.LimitField, Declared: true, Accounts: make([]rundir.LimitChange, len(a.IDs))}
	if a.Freeze {
		d.Field = rundir.FrozenField
	}
	for i, id := range a.IDs {
		d.Accounts[i] = rundir.LimitChange{ID: id, FrozenAfter: a.Freeze}
		if a.Limit != nil {
			d.Accounts[i].LimitAfter = *a.Limit
		}
	}
	return d
}

// parseHTTP decodes an http fault's params, renders its calls over v and
// checks them and the accounts declaration.
func parseHTTP(s Spec, v callVars) (httpParams, []ParamError) {
	var p httpParams
	if errs := Decode(s.Params, &p); errs != nil {
		return p, errs
	}
	var errs []ParamError
	calls := map[string]*httpCall{"inject": &p.Inject, "revert": p.Revert}
	for _, name := range []string{"inject", "revert"} {
		c := calls[name]
		if c == nil {
			continue
		}
		r, err := c.render(name, v)
		if err != nil {
			errs = append(errs, ParamError{Msg: err.Error()})
			continue
		}
		*c = r
		errs = append(errs, checkCall(name, c)...)
	}
	switch p.Effect {
	case "", "fails", "delays", "declines":
	default:
		errs = append(errs, ParamError{"effect", fmt.Sprintf("%q: fails, delays or declines", p.Effect)})
	}
	return p, append(errs, p.Accounts.check()...)
}
