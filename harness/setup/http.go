package setup

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
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
	creates []capturePath // by payments field (key, id)
	step    string
	made    *creations
	env     Env
	batch   bool // one call for a batch of accounts: # in capture paths is each one's place
}

type capturePath struct{ name, path string }

func newHTTPRunner(step string, h *scenario.HTTPStep, env Env, batch, accounts bool, made *creations) (*httpRunner, error) {
	if env.Client == nil {
		return nil, fmt.Errorf("no HTTP client: this is a bug in authquake")
	}
	r := &httpRunner{method: h.Method, expect: h.Expect, env: env, headers: map[string]*text{}, batch: batch, step: step, made: made}
	var err error
	if r.url, err = parse("url", h.URL, accounts); err != nil {
		return nil, err
	}
	if r.body, err = parse("body", h.Body, accounts); err != nil {
		return nil, err
	}
	for k, v := range h.Headers {
		if r.headers[k], err = parse("header "+k, v, accounts); err != nil {
			return nil, err
		}
	}
	for name, path := range h.Capture {
		r.capture = append(r.capture, capturePath{name, path})
	}
	sort.Slice(r.capture, func(i, j int) bool { return r.capture[i].name < r.capture[j].name })
	for field, path := range h.Creates {
		r.creates = append(r.creates, capturePath{field, path})
	}
	sort.Slice(r.creates, func(i, j int) bool { return r.creates[i].name < r.creates[j].name })
	return r, nil
}

func (r *httpRunner) close() {}

func (r *httpRunner) run(ctx context.Context, v *view, accounts []*Account) error {
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
		err := fmt.Errorf("%s (expected %s)", msg, r.expected())
		if resp.StatusCode >= 500 || resp.StatusCode == 429 {
			return retryable{err}
		}
		return err
	}
	var doc any
	if len(r.capture)+len(r.creates) > 0 { // decoded once, for every account of a batch
		if doc, err = decode(answer); err != nil {
			return fmt.Errorf("%s %s answered %d but %v: %s", r.method, u, resp.StatusCode, err, clip(answer))
		}
	}
	if !r.batch { // a once step, or one account
		var a *Account
		if len(accounts) == 1 {
			a = accounts[0]
		}
		return r.keep(doc, a, v, "", func(err error) error {
			return fmt.Errorf("%s %s answered %d but %v; the answer: %s", r.method, u, resp.StatusCode, err, clip(answer))
		})
	}
	for i, a := range accounts { // a batch: # is the account's place in it
		err := r.keep(doc, a, v, strconv.Itoa(i), func(err error) error {
			return fmt.Errorf("%s %s answered %d but %v (account %s, # = %d); the answer: %s", r.method, u, resp.StatusCode, err, a.ID, i, clip(answer))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// keep captures the answer's values into account a, or into the once
// steps' vars when a is nil; place replaces # in the paths.
func (r *httpRunner) keep(doc any, a *Account, v *view, place string, fail func(error) error) error {
	if err := r.record(doc, a, place); err != nil {
		return fail(err)
	}
	for _, c := range r.capture {
		path := c.path
		if place != "" {
			path = strings.Replace(path, "#", place, 1)
		}
		val, err := valueAt(doc, path)
		if err != nil {
			return fail(fmt.Errorf("capture %s: %v", c.name, err))
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

// record notes the ledger entries the call made (creates) for account a,
// read from its answer, once all of them are read; place replaces # in the
// paths.
func (r *httpRunner) record(doc any, a *Account, place string) error {
	made := make([]Created, 0, len(r.creates))
	for _, c := range r.creates {
		path := c.path
		if place != "" {
			path = strings.Replace(path, "#", place, 1)
		}
		val, err := valueAt(doc, path)
		if err != nil {
			return fmt.Errorf("creates %s: %v", c.name, err)
		}
		e := Created{Step: r.step, Field: c.name, Value: val}
		if a != nil {
			e.Account = a.ID
		}
		made = append(made, e)
	}
	for _, e := range made {
		r.made.add(e)
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
