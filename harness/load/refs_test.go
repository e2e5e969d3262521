package load

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request templates address an account by the service's own id when setup
// captured one, and by authquake's id when it did not.
func TestAccountRefInTemplates(t *testing.T) {
	var mu sync.Mutex
	paths := map[string]string{} // path -> body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths[r.URL.Path] = string(b)
		mu.Unlock()
		w.WriteHeader(201)
	}))
	defer srv.Close()
	s := scenarioOf(t, `name: t
accounts: {count: 3}
traffic: {phases: [{duration: 500ms, shape: constant, rate: 60/s}]}
target:
  kind: url
  url: http://127.0.0.1:1
  request: {path: "/balances/{{.AccountRef}}/holds", body: '{"ext":"{{.AccountID}}"}'}
`)
	atk, err := New(Options{Scenario: s, Seed: 3, Base: srv.URL, Sinks: []Sink{&memSink{}}, Refs: []string{"bal_a", "", "bal_c"}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	want := map[string]string{"/balances/bal_a/holds": `{"ext":"acct-000001"}`,
		"/balances/acct-000002/holds": `{"ext":"acct-000002"}`, "/balances/bal_c/holds": `{"ext":"acct-000003"}`}
	for p, body := range want {
		if paths[p] != body {
			t.Errorf("%s: body %q, want %q (paths seen: %v)", p, paths[p], body, keys(paths))
		}
	}
	if len(paths) != 3 {
		t.Errorf("paths %v, want exactly the three accounts", keys(paths))
	}
}

func keys(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, " ")
}
