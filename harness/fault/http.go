package fault

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// faultTimeout bounds each call an http fault makes.
const faultTimeout = 10 * time.Second

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
	// Effect declares what the switch does to payments, for the analysis:
	// fails (the default: it may fail them), delays (it only slows them),
	// declines (it only turns them into declines). A fault that cannot fail
	// payments is not charged with failures while one that can is.
	Effect string `yaml:"effect"`
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

// httpKind calls a service's own switch: the service fault of every target.
// What the switch does is the service's; attribution takes it to fail.
var httpKind = Kind{Name: "http", Family: "service", Summary: "calls your service's own switch: one HTTP request to inject, another to revert",
	Effect: declared,
	Params: []string{"inject: {method (POST), url, body, headers}; templates over {{.Admin}} {{.AdminToken}}", "revert: the same, optional",
		"accounts: {ids, freeze: true | limit} what the switch does to accounts, for the audit (optional)",
		"effect: fails (default) | delays | declines: what the switch does to payments, for the analysis"},
	Check: func(s Spec) []ParamError {
		_, errs := parseHTTP(s, callVars{Admin: placeholderAdmin})
		return errs
	},
	Build: func(s Spec, env Env) (Fault, error) {
		p, errs := parseHTTP(s, callVars{Admin: env.Admin, AdminToken: env.AdminToken})
		if err := JoinParams(errs); err != nil {
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

// declared is the http fault's effect: what its params declare (effect:
// fails, delays or declines), fails when they declare nothing.
func declared(s Spec, _ time.Duration) Effect {
	switch e := Effect(fmt.Sprint(s.Params["effect"])); e {
	case Delays, Declines:
		return e
	}
	return Fails
}
