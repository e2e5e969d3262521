package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Setup provisions the target after it is up and before the load starts:
// accounts created through the service's own API or its database, with the
// ids the service gives them captured for the request templates and the
// audit. Its steps run in order; a failed step stops the run before any load
// (exit 5) naming the step, the account and the service's answer.
//
// Templates in a step see {{.Account.ID}} (authquake's id, e.g. acct-000001),
// {{.Account.Index}} (from 0), {{.Account.Limit}} (minor units, from the
// scenario's limit distribution and seed), {{.Account.Ref}} and
// {{.Account.Vars.NAME}} (captured by earlier steps), {{.Vars.NAME}} (captured
// by earlier once steps), {{.Accounts}} (a batch step's accounts:
// {{range .Accounts}}...{{end}}, in a batch step only), {{.Currency}}, {{.Seed}}, {{.Prefix}}, {{.Count}},
// {{.LimitMin}}, {{.LimitMax}}, {{.Distribution}}, the endpoints
// {{.Service}} and {{.Admin}} (with {{.AdminToken}}), {{.Token}} (the
// bearer token of target.auth), {{.NotifyURL}} (target.webhooks) and {{env "NAME"}} (a secret from the
// environment).
type Setup struct {
	// Concurrency bounds the requests or statements in flight of a for_each step; default 8.
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Timeout bounds each request or statement; default 10s.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Retries repeat a call of an idempotent step that timed out, failed to
	// connect, or was answered 5xx or 429: default 5 attempts, backoff 500ms
	// doubling to 10s.
	Retries SetupRetries `yaml:"retries,omitempty" json:"retries,omitempty"`
	// Steps run in order.
	Steps []SetupStep `yaml:"steps,omitempty" json:"steps,omitempty"`
}

// ForEachAccount makes a step run once per account.
const ForEachAccount = "account"

// SetupStep is one provisioning step: an HTTP call or SQL statements, run
// once or once per account.
type SetupStep struct {
	// Name identifies the step in the progress line and in errors.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// ForEach is empty (run once) or account (run once per account).
	ForEach string `yaml:"for_each,omitempty" json:"for_each,omitempty" jsonschema:"enum=,enum=account"`
	// HTTP is an HTTP call (exactly one of http and sql).
	HTTP *HTTPStep `yaml:"http,omitempty" json:"http,omitempty"`
	// SQL runs statements against Postgres.
	SQL *SQLStep `yaml:"sql,omitempty" json:"sql,omitempty"`
	// Batch, with for_each: account, runs the step once per this many
	// accounts instead of once per account, for bulk APIs: its templates
	// range over the batch ({{range $i, $a := .Accounts}}), and a capture
	// path names an account's place in the answer with # (accounts.#.id).
	Batch int `yaml:"batch,omitempty" json:"batch,omitempty"`
	// Idempotent says the step may be repeated safely, so a call that timed
	// out, failed to connect, or was answered 5xx or 429 is tried again
	// (setup.retries). A PUT is idempotent unless it says false.
	Idempotent *bool `yaml:"idempotent,omitempty" json:"idempotent,omitempty"`
}

// SetupRetries say how an idempotent step's calls are retried.
type SetupRetries struct {
	// MaxAttempts counts the first; default 5.
	MaxAttempts int `yaml:"max_attempts,omitempty" json:"max_attempts,omitempty"`
	// Backoff before the first retry, doubling up to MaxBackoff; defaults 500ms and 10s.
	Backoff    Duration `yaml:"backoff,omitempty" json:"backoff,omitempty"`
	MaxBackoff Duration `yaml:"max_backoff,omitempty" json:"max_backoff,omitempty"`
}

// MaxBatch is the most accounts one batch of a setup step holds.
const MaxBatch = 10_000

// Retried says whether a failed call of the step is tried again.
func (st SetupStep) Retried() bool {
	if st.Idempotent != nil {
		return *st.Idempotent
	}
	return st.HTTP != nil && st.HTTP.Method == "PUT"
}

// HTTPStep is an HTTP call. URL, header values and Body are templates.
type HTTPStep struct {
	// Method defaults to POST.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// URL is a path joined to the service's base URL (/v1/accounts), or a
	// whole URL such as {{.Admin}}/admin/accounts. Redirects are not followed.
	URL     string            `yaml:"url" json:"url"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty" json:"body,omitempty"`
	// Expect lists the statuses that mean success; default any 2xx.
	Expect []int `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Capture saves values of the JSON answer into the account: NAME: PATH
	// (dot-separated, e.g. data.id or items.0.id). In a for_each: account
	// step the name ref becomes {{.Account.Ref}}, the service's own id for the
	// account, which request templates ({{.AccountRef}}) and ledger adapters
	// use, and any other name {{.Account.Vars.NAME}}. A once step's values
	// become {{.Vars.NAME}} for the steps after it (e.g. a ledger's id).
	Capture map[string]string `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Creates records the ledger entry the call made (a funding transfer, a seed payment), so that the
	// audit leaves it out of the payment invariants instead of counting it a phantom: FIELD: PATH, where
	// FIELD is the ledger's payments field that names the entry (key or id) and PATH the dot-separated
	// path of its value in the JSON answer, e.g. {key: data.reference}; in a batch step # is each
	// account's place, e.g. transfers.#.reference. Saved in created.json.
	Creates map[string]string `yaml:"creates,omitempty" json:"creates,omitempty"`
}

// CreatesFields are the payments fields a setup step's creates may name.
var CreatesFields = []string{"key", "id"}

// SQLStep runs statements, each a template, in one transaction per run of the step.
type SQLStep struct {
	// DSN defaults to the Postgres authquake started for a containers target;
	// a url target must give one: a postgres:// URL naming its host and user.
	// Nothing is taken from PGPASSWORD, PGHOST or any other libpq variable or
	// file; a host off this machine needs --allow-remote.
	DSN string `yaml:"dsn,omitempty" json:"dsn,omitempty"`
	// Statements run in order.
	Statements []string `yaml:"statements" json:"statements"`
}

func (s *Setup) defaults() {
	def(&s.Concurrency, 8)
	def(&s.Timeout, Duration(10*time.Second))
	def(&s.Retries.MaxAttempts, 5)
	def(&s.Retries.Backoff, Duration(500*time.Millisecond))
	def(&s.Retries.MaxBackoff, Duration(10*time.Second))
	for i := range s.Steps {
		st := &s.Steps[i]
		def(&st.Name, fmt.Sprintf("step-%d", i+1))
		if st.HTTP != nil {
			def(&st.HTTP.Method, "POST")
		}
	}
}

// setupFields is the hint for a template that does not render.
const setupFields = "fields: .Account.ID .Account.Index .Account.Limit .Account.Ref .Account.Vars.NAME .Vars.NAME .Accounts .Currency .Seed .Prefix .Count .LimitMin .LimitMax .Distribution .Service .Admin .AdminToken .Token .NotifyURL; env \"NAME\""

func (s *Scenario) validateSetup(v *validator) {
	st := s.Setup
	if st == nil {
		return
	}
	if st.Concurrency < 1 || st.Concurrency > 256 {
		v.errf("$.setup.concurrency", "e.g. concurrency: 8", "must be from 1 to 256, not %d", st.Concurrency)
	}
	if st.Timeout <= 0 {
		v.errf("$.setup.timeout", "e.g. timeout: 10s", "must be more than 0")
	}
	if r := st.Retries; r.MaxAttempts < 1 || r.MaxAttempts > 100 {
		v.errf("$.setup.retries.max_attempts", "e.g. max_attempts: 5", "must be from 1 to 100, not %d", r.MaxAttempts)
	}
	if r := st.Retries; r.Backoff <= 0 || r.MaxBackoff < r.Backoff {
		v.errf("$.setup.retries", "e.g. {backoff: 500ms, max_backoff: 10s}", "need 0 < backoff <= max_backoff")
	}
	names := map[string]bool{}
	for i, step := range st.Steps {
		p := fmt.Sprintf("$.setup.steps[%d]", i)
		if names[step.Name] {
			v.errf(p+".name", "give each step its own name", "%q is used twice", step.Name)
		}
		names[step.Name] = true
		if step.ForEach != "" && step.ForEach != ForEachAccount {
			v.errf(p+".for_each", "leave it out to run once, or for_each: account", "must be account, not %q", step.ForEach)
		}
		if (step.HTTP == nil) == (step.SQL == nil) {
			v.errf(p, "e.g. {name: open, for_each: account, http: {url: /v1/accounts, body: ...}}", "give exactly one of http and sql")
			continue
		}
		batch := step.Batch > 0
		if step.Batch < 0 || step.Batch > MaxBatch {
			v.errf(p+".batch", fmt.Sprintf("from 1 to %d accounts a call", MaxBatch), "must be from 1 to %d, not %d", MaxBatch, step.Batch)
		}
		if batch && step.ForEach != ForEachAccount {
			v.errf(p+".batch", "for_each: account, batch: 100", "a batch is of accounts: it needs for_each: account")
		}
		tmpl := func(path, text string) {
			if _, err := ParseSetupTemplate(path, text, batch || step.ForEach == ""); err != nil {
				v.errf(path, setupFields, "bad template: %v", firstLine(err.Error()))
			}
		}
		if h := step.HTTP; h != nil {
			hp := p + ".http"
			if h.URL == "" {
				v.errf(hp+".url", "a path such as /v1/accounts, or {{.Admin}}/admin/accounts", "is required")
			} else if !strings.HasPrefix(h.URL, "/") && !strings.HasPrefix(h.URL, "{{") && !strings.HasPrefix(h.URL, "http://") {
				v.errf(hp+".url", "a path such as /v1/accounts, or a whole http:// URL on this machine", "%q is neither a path nor an http URL", h.URL)
			}
			tmpl(hp+".url", h.URL)
			tmpl(hp+".body", h.Body)
			for k, t := range h.Headers {
				tmpl(hp+".headers."+k, t)
			}
			v.headerCount(hp+".headers", h.Headers)
			for j, c := range h.Expect {
				if c < 100 || c > 599 {
					v.errf(fmt.Sprintf("%s.expect[%d]", hp, j), "", "%d is not an HTTP status", c)
				}
			}
			if _, ref := h.Capture["ref"]; ref && step.ForEach != ForEachAccount {
				v.errf(hp+".capture.ref", "a once step's values go to {{.Vars.NAME}} for the steps after it: name it, e.g. ledger_id", "ref is an account's own id: only a for_each: account step captures it")
			}
			for name, path := range h.Capture {
				v.answerPath(hp, "capture", name, path, "e.g. data.id", batch, 1)
			}
			for field, path := range h.Creates {
				if !slices.Contains(CreatesFields, field) {
					v.errf(hp+".creates."+field, "key (the entry's idempotency key or reference) or id (its id), as ledger.payments.columns maps them", "unknown field %q", field)
					continue
				}
				v.answerPath(hp, "creates", field, path, "e.g. data.reference", batch, 0) // a batch's one entry has no #
			}
		}
		if q := step.SQL; q != nil {
			qp := p + ".sql"
			if len(q.Statements) == 0 {
				v.errf(qp+".statements", "e.g. statements: [\"insert into accounts(id, credit_limit) values ('{{.Account.ID}}', {{.Account.Limit}})\"]", "needs at least one statement")
			}
			for j, t := range q.Statements {
				tmpl(fmt.Sprintf("%s.statements[%d]", qp, j), t)
			}
			if q.DSN == "" && s.Target.Kind == TargetURL {
				v.errf(qp+".dsn", "e.g. dsn: postgres://user:pass@127.0.0.1:5432/app?sslmode=disable", "a url target has no Postgres of authquake's: give the database to use")
			}
			if q.DSN == "" && s.Target.Kind == TargetContainers && s.Target.Containers != nil && s.Target.Containers.Postgres == nil {
				v.errf(qp+".dsn", "add target.containers.postgres, or give a dsn", "this target starts no Postgres")
			}
		}
	}
}

// answerPath checks a path into a setup step's JSON answer: dot-separated,
// and in a batch step with # once for each account's place (or, when
// minPlaces is 0, not at all: one value for the whole batch).
func (v *validator) answerPath(hp, what, name, path, example string, batch bool, minPlaces int) {
	at := hp + "." + what + "." + name
	keys := SplitPath(path)
	places := 0
	for _, k := range keys {
		if k == "#" {
			places++
		}
	}
	switch {
	case keys == nil:
		v.errf(at, "a dot-separated path into the JSON answer, "+example, "%q is not a JSON path", path)
	case batch && (places > 1 || places < minPlaces):
		v.errf(at, "e.g. accounts.#.id: # is the account's place in the batch, from 0",
			"a batch step's %s names each account's place with # once, not %d times", what, places)
	case !batch && places > 0:
		v.errf(at, "# is an account's place in a batch: for_each: account, batch: N", "%q has # outside a batch step", path)
	}
}
