package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
	"github.com/authquake/authquake/harness/setup"
)

// Doer sends an HTTP request.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// call is the token call, compiled once.
type call struct {
	cfg     *scenario.Auth
	url     string
	body    *template.Template
	headers map[string]*template.Template
	form    url.Values // OAuth2 client credentials
	client  Doer
}

func newCall(cfg *scenario.Auth, o Options) (*call, error) {
	if o.Client == nil {
		return nil, errors.New("auth: no HTTP client: this is a bug in authquake")
	}
	u, err := secret.Expand(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("auth: url: %w", err)
	}
	if strings.HasPrefix(u, "/") {
		u = strings.TrimSuffix(o.Base, "/") + u
	}
	c := &call{cfg: cfg, url: u, client: o.Client, headers: map[string]*template.Template{}}
	if cfg.ClientID != "" {
		sec, err := secret.Lookup(cfg.ClientSecretEnv)
		if err != nil {
			return nil, fmt.Errorf("auth: client_secret_env: %w", err)
		}
		c.form = url.Values{"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {sec}}
		if cfg.Scope != "" {
			c.form.Set("scope", cfg.Scope)
		}
	}
	parse := func(name, text string) (*template.Template, error) {
		return template.New(name).Option("missingkey=error").Funcs(secret.Funcs).Parse(text)
	}
	if c.body, err = parse("body", cfg.Body); err != nil {
		return nil, fmt.Errorf("auth: body: %w", err)
	}
	for k, v := range cfg.Headers {
		if c.headers[k], err = parse(k, v); err != nil {
			return nil, fmt.Errorf("auth: header %s: %w", k, err)
		}
	}
	return c, nil
}

// obtain makes the call and reads the token and its lifetime from the
// answer; the token is registered as a secret at once.
func (c *call) obtain(ctx context.Context) (*token, error) {
	var body string
	if c.form != nil {
		body = c.form.Encode()
	} else {
		var b strings.Builder
		if err := c.body.Execute(&b, nil); err != nil {
			return nil, err
		}
		body = b.String()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.cfg.Method, c.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	switch {
	case c.form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case strings.HasPrefix(strings.TrimSpace(body), "{"):
		req.Header.Set("Content-Type", "application/json")
	}
	for k, t := range c.headers {
		var b strings.Builder
		if err := t.Execute(&b, nil); err != nil {
			return nil, err
		}
		req.Header.Set(k, b.String())
	}
	began := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.cfg.Method, c.url, err)
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", c.cfg.Method, c.url, err)
	}
	value, verr := setup.Capture(answer, c.cfg.Token)
	if verr == nil {
		secret.Register(value)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s %s answered %d: %s", c.cfg.Method, c.url, resp.StatusCode, clip(answer))
	}
	if verr != nil {
		return nil, fmt.Errorf("%s %s: the token at %s: %v", c.cfg.Method, c.url, c.cfg.Token, verr)
	}
	t := &token{value: value, header: []byte(c.cfg.Prefix() + value)}
	if exp, err := setup.Capture(answer, c.cfg.ExpiresIn); err == nil {
		if t.lifetime, err = lifetime(exp); err != nil {
			return nil, fmt.Errorf("%s %s: %v", c.cfg.Method, c.url, err)
		}
		t.expires = began.Add(t.lifetime) // from the call, not the answer: on the safe side
	}
	return t, nil
}

// clip shortens an answer for a message, with its secrets redacted.
func clip(b []byte) string {
	s := strings.TrimSpace(secret.String(string(b)))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}
