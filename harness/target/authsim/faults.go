package authsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/fault"
)

// adminTimeout bounds each call an authsim fault makes.
const adminTimeout = 10 * time.Second

// adminHTTP calls authsim's admin API, which always runs on this machine: the
// guard allows loopback only and no redirect.
var adminHTTP = egress.Guard{}.Client(egress.Timeout(adminTimeout))

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

// serviceKind defines a fault kind that drives authsim's admin API, with its
// effect on payments.
func serviceKind[P any](name, summary string, effect fault.EffectRule, params []string, check func(*P) []fault.ParamError,
	build func(p *P, a admin, s fault.Spec, env fault.Env) fault.Fault) fault.Kind {
	parse := func(s fault.Spec) (*P, []fault.ParamError) {
		p := new(P)
		if errs := fault.Decode(s.Params, p); errs != nil {
			return nil, errs
		}
		return p, check(p)
	}
	return fault.Kind{Name: name, Family: "service", Summary: summary, Params: params, Effect: effect,
		Check: func(s fault.Spec) []fault.ParamError { _, errs := parse(s); return errs },
		Build: func(s fault.Spec, env fault.Env) (fault.Fault, error) {
			p, errs := parse(s)
			if err := fault.JoinParams(errs); err != nil {
				return nil, err
			}
			if env.Admin == "" {
				return nil, fmt.Errorf("%s needs authsim's admin API; for another target use kind http", name)
			}
			return build(p, admin{env.Admin, env.AdminToken}, s, env), nil
		}}
}
