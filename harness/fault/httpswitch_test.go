package fault

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTPFaultTemplates builds http faults whose calls name the target's
// admin endpoint: rendered at build time, checked with a placeholder before.
func TestHTTPFaultTemplates(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	kind, _ := Lookup("http")
	call := map[string]any{"method": "PUT", "url": "{{.Admin}}/admin/risk", "body": `{"strictness":0}`,
		"headers": map[string]any{"Authorization": "Bearer {{.AdminToken}}"}}
	cases := []struct {
		name   string
		params map[string]any
		env    Env
		check  string // substring of Check's error; "" none
		build  string // substring of Build's error; "" none
		want   string // the request the server saw
	}{
		// {{.Admin}} and {{.AdminToken}} are filled from the running target.
		{name: "admin endpoint", params: map[string]any{"inject": call}, env: Env{Admin: srv.URL, AdminToken: "tok"},
			want: "PUT /admin/risk Bearer tok"},
		// A target with no admin port: the error says how to publish one.
		{name: "no admin port", params: map[string]any{"inject": call}, build: "admin_port"},
		// A misspelt field is caught before the run, with the fields there are.
		{name: "misspelt field", params: map[string]any{"inject": map[string]any{"url": "{{.Admn}}/x"}},
			check: "fields: .Admin .AdminToken", build: "fields: .Admin .AdminToken"},
		// A declaration must say what the switch does.
		{name: "freeze and limit", params: map[string]any{"inject": call, "accounts": map[string]any{"ids": []any{"a"}, "freeze": true, "limit": 5}},
			check: "exactly one of freeze", build: "exactly one of freeze"},
		// And to which accounts.
		{name: "no ids", params: map[string]any{"inject": call, "accounts": map[string]any{"freeze": true}},
			check: "accounts.ids", build: "accounts.ids"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got = nil
			s := Spec{Kind: "http", Params: c.params}
			if err := JoinParams(kind.Check(s)); !matches(err, c.check) {
				t.Errorf("Check: %v, want %q", err, c.check)
			}
			f, err := kind.Build(s, c.env)
			if !matches(err, c.build) {
				t.Fatalf("Build: %v, want %q", err, c.build)
			}
			if err != nil {
				return
			}
			if err := f.Inject(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != c.want {
				t.Errorf("server saw %q, want %q", got, c.want)
			}
		})
	}
}

func matches(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}

// TestHTTPFaultDetails: a declared freeze is reported as LimitChanges
// (credit_limit's shape), without a limit before; no declaration, no details.
func TestHTTPFaultDetails(t *testing.T) {
	kind, _ := Lookup("http")
	inject := map[string]any{"url": "http://127.0.0.1:9/freeze"}
	f, err := kind.Build(Spec{Kind: "http", Params: map[string]any{"inject": inject,
		"accounts": map[string]any{"ids": []any{"acct-000001", "acct-000002"}, "freeze": true}}}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(f.(Detailer).Details())
	want := `{"accounts":[{"id":"acct-000001","limit_after":0,"frozen_before":false,"frozen_after":true},` +
		`{"id":"acct-000002","limit_after":0,"frozen_before":false,"frozen_after":true}],"field":"frozen","declared":true}`
	if string(b) != want {
		t.Errorf("details %s\nwant    %s", b, want)
	}
	plain, _ := kind.Build(Spec{Kind: "http", Params: map[string]any{"inject": inject}}, Env{})
	if d := plain.(Detailer).Details(); d != nil {
		t.Errorf("details without a declaration: %v", d)
	}
}
