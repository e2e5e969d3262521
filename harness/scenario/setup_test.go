package scenario

import (
	"strings"
	"testing"
)

func TestSetupValidation(t *testing.T) {
	head := "name: s\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	for _, tc := range []struct {
		name, setup, want string
	}{
		// Neither http nor sql: the step does nothing.
		{"empty step", "setup: {steps: [{name: a}]}", "s.yaml:4:17: setup.steps[0]: give exactly one of http and sql"},
		// for_each takes only account.
		{"for_each", "setup: {steps: [{name: a, for_each: merchant, http: {url: /x}}]}", "setup.steps[0].for_each: must be account"},
		// Captures go into accounts, so a once step cannot capture.
		{"capture once", "setup: {steps: [{http: {url: /x, capture: {ref: id}}}]}", "only a for_each: account step captures"},
		// A broken template is found before anything starts.
		{"template", "setup: {steps: [{http: {url: /x, body: '{{.Account.ID'}}]}", "setup.steps[0].http.body: bad template"},
		// A url target has no Postgres of authquake's.
		{"sql dsn", "setup: {steps: [{sql: {statements: [select 1]}}]}", "setup.steps[0].sql.dsn: a url target has no Postgres"},
		// Two steps with one name cannot be told apart in errors.
		{"names", "setup: {steps: [{name: a, http: {url: /x}}, {name: a, http: {url: /y}}]}", `"a" is used twice`},
		// A URL that is neither a path nor http.
		{"url", "setup: {steps: [{http: {url: ftp://x}}]}", "is neither a path nor an http URL"},
		// creates names the entry by key or id only.
		{"creates field", "setup: {steps: [{http: {url: /x, creates: {reference: data.ref}}}]}", `setup.steps[0].http.creates.reference: unknown field "reference"`},
		// creates reads a path of the answer.
		{"creates path", "setup: {steps: [{http: {url: /x, creates: {key: data..ref}}}]}", `"data..ref" is not a JSON path`},
		// # is a place in a batch only.
		{"creates place", "setup: {steps: [{for_each: account, http: {url: /x, creates: {key: data.#.ref}}}]}", `setup.steps[0].http.creates.key: "data.#.ref" has # outside a batch step`},
		// An unknown field is reported with the known ones.
		{"unknown", "setup: {steps: [{htp: {url: /x}}]}", "htp"},
		// A batch is of accounts, of a bounded size.
		{"batch once", "setup: {steps: [{batch: 10, http: {url: /x}}]}", "setup.steps[0].batch: a batch is of accounts: it needs for_each: account"},
		{"batch size", "setup: {steps: [{for_each: account, batch: 20000, http: {url: /x, capture: {ref: 'a.#.id'}}}]}", "setup.steps[0].batch: must be from 1 to 10000, not 20000"},
		// range over the accounts in a batch step (or a once step) only, never nested, never over anything else.
		{"range per account", "setup: {steps: [{for_each: account, http: {url: /x, body: '{{range .Accounts}}{{.ID}}{{end}}'}}]}", "setup.steps[0].http.body: bad template: range is not allowed"},
		{"range nested", "setup: {steps: [{for_each: account, batch: 5, http: {url: /x, body: '{{range .Accounts}}{{range $.Accounts}}x{{end}}{{end}}'}}]}", "range is allowed over .Accounts only, not nested"},
		{"range count", "setup: {steps: [{http: {url: /x, body: '{{range .Count}}x{{end}}'}}]}", "range is allowed over .Accounts only"},
		// A batch's capture names each account's place with #, once; # means nothing elsewhere.
		{"batch capture", "setup: {steps: [{for_each: account, batch: 5, http: {url: /x, capture: {ref: data.id}}}]}", "setup.steps[0].http.capture.ref: a batch step's capture names each account's place with # once, not 0 times"},
		{"place outside batch", "setup: {steps: [{for_each: account, http: {url: /x, capture: {ref: 'data.#.id'}}}]}", "has # outside a batch step"},
		// Retries are bounded.
		{"retries", "setup: {retries: {max_attempts: -1}, steps: [{http: {url: /x}}]}", "setup.retries.max_attempts: must be from 1 to 100, not -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("s.yaml", []byte(head+tc.setup+"\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	ok := head + "setup:\n  steps:\n    - {name: open, for_each: account, http: {url: /v1/accounts, body: '{{.Account.ID}}', capture: {ref: id}}}\n"
	s, _, err := Parse("s.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if s.Setup.Concurrency != 8 || s.Setup.Steps[0].HTTP.Method != "POST" {
		t.Errorf("defaults not applied: %+v", s.Setup)
	}
}
