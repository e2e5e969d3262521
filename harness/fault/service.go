package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/scenario"
)

// adminHTTP calls authsim's admin API, which always runs on this machine: the
// guard allows loopback only and no redirect.
var adminHTTP = egress.Guard{}.Client(egress.Timeout(faultTimeout))

// faultTimeout bounds each call a service fault makes.
const faultTimeout = 10 * time.Second

// call sends a JSON request and decodes a 2xx JSON answer into out.
func call(ctx context.Context, method, u string, headers map[string]string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := adminHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// admin is authsim's admin API.
type admin struct{ url, token string }

func (a admin) do(ctx context.Context, method, path string, body, out any) error {
	return call(ctx, method, a.url+path, map[string]string{"Authorization": "Bearer " + a.token}, body, out)
}

// serviceKind defines a kind that drives authsim's admin API.
func serviceKind[P any](name, summary string, params []string, check func(*P) []ParamError,
	build func(p *P, a admin, s Spec, env Env) Fault) Kind {
	parse := func(s Spec) (*P, []ParamError) {
		p := new(P)
		if errs := decode(s.Params, p); errs != nil {
			return nil, errs
		}
		return p, check(p)
	}
	return Kind{Name: name, Family: "service", Summary: summary, Params: params,
		Check: func(s Spec) []ParamError { _, errs := parse(s); return errs },
		Build: func(s Spec, env Env) (Fault, error) {
			p, errs := parse(s)
			if err := joinParams(errs); err != nil {
				return nil, err
			}
			if env.Admin == "" {
				return nil, fmt.Errorf("%s needs authsim's admin API; for another target use kind http", name)
			}
			return build(p, admin{env.Admin, env.AdminToken}, s, env), nil
		}}
}

type maintenanceParams struct {
	// RetryAfter is what the Retry-After header of the 503s says.
	RetryAfter scenario.Duration `yaml:"retry_after"`
}

type maintenanceFault struct {
	a admin
	p maintenanceParams
}

func (f *maintenanceFault) Inject(ctx context.Context) error {
	return f.a.do(ctx, "PUT", "/admin/maintenance", map[string]any{"on": true, "retry_after_s": int(f.p.RetryAfter.D().Seconds())}, nil)
}

func (f *maintenanceFault) Revert(ctx context.Context) error {
	return f.a.do(ctx, "PUT", "/admin/maintenance", map[string]any{"on": false}, nil)
}

type riskParams struct {
	// Level is 0 (off) to 3 (paranoid); authsim runs at 1.
	Level *int `yaml:"level"`
}

type riskFault struct {
	a   admin
	p   riskParams
	was *int
}

func (f *riskFault) Inject(ctx context.Context) error {
	var st struct {
		Strictness int `json:"strictness"`
	}
	if err := f.a.do(ctx, "GET", "/admin/state", nil, &st); err != nil {
		return err
	}
	f.was = &st.Strictness
	return f.a.do(ctx, "PUT", "/admin/risk", map[string]any{"strictness": *f.p.Level}, nil)
}

func (f *riskFault) Revert(ctx context.Context) error {
	if f.was == nil {
		return nil
	}
	return f.a.do(ctx, "PUT", "/admin/risk", map[string]any{"strictness": *f.was}, nil)
}

type creditParams struct {
	// Share of the accounts affected, e.g. 0.1.
	Share float64 `yaml:"share"`
	// Exactly one of: Factor scales their limits, Limit sets them, Freeze freezes them.
	Factor *float64 `yaml:"factor"`
	Limit  *int64   `yaml:"limit"`
	Freeze bool     `yaml:"freeze"`
}

// accountState is an account's limit and freeze, as authsim's bulk API
// reports and restores them.
type accountState struct {
	ID         string `json:"id"`
	LimitMinor int64  `json:"limit_minor"`
	Frozen     bool   `json:"frozen"`
}

type creditFault struct {
	a      admin
	p      creditParams
	ids    []string
	before []accountState
}

func (f *creditFault) Inject(ctx context.Context) error {
	change := map[string]any{"ids": f.ids}
	switch {
	case f.p.Factor != nil:
		change["limit_factor"] = *f.p.Factor
	case f.p.Limit != nil:
		change["limit_minor"] = *f.p.Limit
	default:
		change["frozen"] = true
	}
	var out struct {
		Before []accountState `json:"before"`
	}
	err := f.a.do(ctx, "POST", "/admin/accounts/bulk", change, &out)
	f.before = out.Before
	return err
}

func (f *creditFault) Revert(ctx context.Context) error {
	if len(f.before) == 0 {
		return nil
	}
	// Put back only the field this fault changed, so that overlapping
	// credit faults can end in any order.
	restore := make([]map[string]any, len(f.before))
	for i, b := range f.before {
		restore[i] = map[string]any{"id": b.ID}
		if f.p.Freeze {
			restore[i]["frozen"] = b.Frozen
		} else {
			restore[i]["limit_minor"] = b.LimitMinor
		}
	}
	return f.a.do(ctx, "POST", "/admin/accounts/restore", map[string]any{"accounts": restore}, nil)
}

// Details lists each changed account with its limit before and after.
func (f *creditFault) Details() any {
	type changed struct {
		ID           string `json:"id"`
		LimitBefore  int64  `json:"limit_before"`
		LimitAfter   int64  `json:"limit_after"`
		FrozenBefore bool   `json:"frozen_before"`
		FrozenAfter  bool   `json:"frozen_after"`
	}
	out := make([]changed, len(f.before))
	for i, b := range f.before {
		c := changed{ID: b.ID, LimitBefore: b.LimitMinor, LimitAfter: b.LimitMinor, FrozenBefore: b.Frozen, FrozenAfter: b.Frozen || f.p.Freeze}
		if f.p.Factor != nil {
			c.LimitAfter = int64(math.Floor(float64(b.LimitMinor) * *f.p.Factor))
		} else if f.p.Limit != nil {
			c.LimitAfter = *f.p.Limit
		}
		out[i] = c
	}
	field := "limit"
	if f.p.Freeze {
		field = "frozen"
	}
	return map[string]any{"field": field, "accounts": out}
}

// pickAccounts chooses share of the accounts, the same ones for the same
// seed and fault.
func pickAccounts(env Env, id string, share float64) []string {
	n := int(math.Round(share * float64(env.AccountCount)))
	h := uint64(14695981039346656037)
	for _, c := range []byte(id) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	perm := rand.New(rand.NewPCG(env.Seed, h)).Perm(env.AccountCount)
	ids := make([]string, 0, n)
	for _, i := range perm[:n] {
		ids = append(ids, fmt.Sprintf("%s%06d", env.AccountPrefix, i+1))
	}
	return ids
}

type httpCall struct {
	Method  string            `yaml:"method" json:"method"`
	URL     string            `yaml:"url" json:"url"`
	Body    string            `yaml:"body" json:"body,omitempty"`
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
}

type httpParams struct {
	Inject httpCall  `yaml:"inject"`
	Revert *httpCall `yaml:"revert"`
	// Accounts declares what the switch does to accounts, for the audit.
	Accounts *httpAccounts `yaml:"accounts"`
}

type httpFault struct {
	p  httpParams
	hc *http.Client // guarded by --allow-remote, follows no redirect
}

func (c httpCall) send(ctx context.Context, hc *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, strings.NewReader(c.Body))
	if err != nil {
		return err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", c.Method, c.URL, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return nil
}

func (f *httpFault) Inject(ctx context.Context) error { return f.p.Inject.send(ctx, f.hc) }

func (f *httpFault) Revert(ctx context.Context) error {
	if f.p.Revert == nil {
		return nil
	}
	return f.p.Revert.send(ctx, f.hc)
}

func checkCall(param string, c *httpCall) []ParamError {
	var errs []ParamError
	if c.Method == "" {
		c.Method = "POST"
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, ParamError{param + ".url", fmt.Sprintf("%q is not an http(s) URL", c.URL)})
	}
	return errs
}

var (
	maintenanceKind = serviceKind("maintenance", "switches the service into maintenance mode: explicit 503s with Retry-After",
		[]string{"retry_after: what Retry-After says (30s)"},
		func(p *maintenanceParams) []ParamError {
			if p.RetryAfter == 0 {
				p.RetryAfter = scenario.Duration(30 * time.Second)
			}
			return nil
		},
		func(p *maintenanceParams, a admin, _ Spec, _ Env) Fault { return &maintenanceFault{a, *p} })
	riskKind = serviceKind("risk_strictness", "raises (or lowers) the service's risk rules: normal payments get declined",
		[]string{"level: 0 off, 1 normal, 2 strict, 3 paranoid"},
		func(p *riskParams) []ParamError {
			if p.Level == nil || *p.Level < 0 || *p.Level > 3 {
				return []ParamError{{"level", "is required: 0 (off) to 3 (paranoid)"}}
			}
			return nil
		},
		func(p *riskParams, a admin, _ Spec, _ Env) Fault { return &riskFault{a: a, p: *p} })
	creditLimitKind = serviceKind("credit_limit", "lowers or freezes the credit lines of a share of the accounts while payments are in flight",
		[]string{"share: of the accounts, e.g. 0.1", "factor: scale their limits, e.g. 0.5", "limit: set their limits (minor units)", "freeze: freeze them"},
		func(p *creditParams) []ParamError {
			var errs []ParamError
			if p.Share <= 0 || p.Share > 1 {
				errs = append(errs, ParamError{"share", "is required: more than 0, at most 1"})
			}
			n := 0
			for _, set := range []bool{p.Factor != nil, p.Limit != nil, p.Freeze} {
				if set {
					n++
				}
			}
			if n != 1 {
				errs = append(errs, ParamError{Msg: "give exactly one of factor, limit and freeze"})
			}
			if p.Factor != nil && (*p.Factor < 0 || *p.Factor > 100) {
				errs = append(errs, ParamError{"factor", "must be from 0 to 100"})
			}
			if p.Limit != nil && *p.Limit < 0 {
				errs = append(errs, ParamError{"limit", "must be 0 or more"})
			}
			return errs
		},
		func(p *creditParams, a admin, s Spec, env Env) Fault {
			return &creditFault{a: a, p: *p, ids: pickAccounts(env, s.ID, p.Share)}
		})
	httpKind = Kind{Name: "http", Family: "service", Summary: "calls your service's own switch: one HTTP request to inject, another to revert",
		Params: []string{"inject: {method (POST), url, body, headers}; templates over {{.Admin}} {{.AdminToken}}", "revert: the same, optional",
			"accounts: {ids, freeze: true | limit} what the switch does to accounts, for the audit (optional)"},
		Check: func(s Spec) []ParamError {
			_, errs := parseHTTP(s, callVars{Admin: placeholderAdmin})
			return errs
		},
		Build: func(s Spec, env Env) (Fault, error) {
			p, errs := parseHTTP(s, callVars{Admin: env.Admin, AdminToken: env.AdminToken})
			if err := joinParams(errs); err != nil {
				return nil, err
			}
			for _, c := range []*httpCall{&p.Inject, p.Revert} {
				if c == nil {
					continue
				}
				u, _ := url.Parse(c.URL) // checkCall has checked it
				if err := egress.CheckHost(u.Hostname(), env.AllowRemote); err != nil {
					return nil, fmt.Errorf("http fault %s: %w", c.URL, err)
				}
			}
			guard := egress.Guard{AllowRemote: env.AllowRemote}
			return &httpFault{p, guard.Client(egress.Timeout(faultTimeout))}, nil
		}}
)
