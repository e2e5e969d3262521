package setup

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/authquake/authquake/harness/scenario"
)

// httpRunner makes one HTTP call per run and captures values of its answer.
type httpRunner struct {
	method  string
	url     *text
	body    *text
	headers map[string]*text
	expect  []int
	capture []capturePath
	env     Env
}

type capturePath struct{ name, path string }

func newHTTPRunner(h *scenario.HTTPStep, env Env) (*httpRunner, error) {
	if env.Client == nil {
		return nil, fmt.Errorf("no HTTP client: this is a bug in authquake")
	}
	r := &httpRunner{method: h.Method, expect: h.Expect, env: env, headers: map[string]*text{}}
	var err error
	if r.url, err = parse("url", h.URL); err != nil {
		return nil, err
	}
	if r.body, err = parse("body", h.Body); err != nil {
		return nil, err
	}
	for k, v := range h.Headers {
		if r.headers[k], err = parse("header "+k, v); err != nil {
			return nil, err
		}
	}
	for name, path := range h.Capture {
		r.capture = append(r.capture, capturePath{name, path})
	}
	sort.Slice(r.capture, func(i, j int) bool { return r.capture[i].name < r.capture[j].name })
	return r, nil
}

func (r *httpRunner) close() {}

func (r *httpRunner) run(ctx context.Context, v *view, a *Account) error {
	u, err := r.url.render(v)
	if err != nil {
		return err
	}
	if strings.HasPrefix(u, "/") {
		u = strings.TrimSuffix(r.env.Service, "/") + u
	}
	body, err := r.body.render(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, u, err)
	}
	for k, t := range r.headers {
		val, err := t.render(v)
		if err != nil {
			return err
		}
		req.Header.Set(k, val)
	}
	resp, err := r.env.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, u, err)
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", r.method, u, err)
	}
	if !r.ok(resp.StatusCode) {
		msg := fmt.Sprintf("%s %s answered %d: %s", r.method, u, resp.StatusCode, clip(answer))
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " (redirect to " + loc + ", not followed)"
		}
		return fmt.Errorf("%s (expected %s)", msg, r.expected())
	}
	for _, c := range r.capture {
		val, err := Capture(answer, c.path)
		if err != nil {
			return fmt.Errorf("%s %s answered %d but capture %s: %v; the answer: %s", r.method, u, resp.StatusCode, c.name, err, clip(answer))
		}
		switch {
		case a == nil: // a once step: for the steps after it
			v.Vars[c.name] = val
		case c.name == "ref":
			a.Ref = val
		default:
			if a.Vars == nil {
				a.Vars = map[string]string{}
			}
			a.Vars[c.name] = val
		}
	}
	return nil
}

func (r *httpRunner) ok(status int) bool {
	if len(r.expect) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(r.expect, status)
}

func (r *httpRunner) expected() string {
	if len(r.expect) == 0 {
		return "a 2xx"
	}
	return fmt.Sprint(r.expect)
}

// clip shortens an answer for an error message.
func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}
