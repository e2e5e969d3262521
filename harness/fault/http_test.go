package fault

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHTTPFaultGuarded builds http faults against local servers: a redirect
// is an error naming its Location (the POST never silently becomes a GET
// elsewhere), a plain 2xx passes, and a URL off this machine is refused when
// the fault is built, before anything is sent.
func TestHTTPFaultGuarded(t *testing.T) {
	var reached atomic.Int32 // requests that reached /ok
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "http://127.0.0.2:9/landed", http.StatusFound)
		case "/again":
			http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
		case "/ok":
			reached.Add(1)
			if b, _ := io.ReadAll(r.Body); r.Method != "POST" || string(b) != "on" {
				w.WriteHeader(400)
			}
		}
	}))
	defer srv.Close()
	kind, ok := Lookup("http")
	if !ok {
		t.Fatal("kind http is not registered")
	}
	cases := []struct {
		name      string
		url       string
		buildErr  string // substring of the Build error
		injectErr string // substring of the Inject error; "" for success
		reached   int32  // requests that reached /ok
	}{
		// A 302 to another host fails with the Location in the error.
		{name: "302 elsewhere", url: srv.URL + "/moved", injectErr: "Location http://127.0.0.2:9/landed"},
		// Even a 307 back to the same server is not followed.
		{name: "307 to itself", url: srv.URL + "/again", injectErr: "Location " + srv.URL + "/ok"},
		// A plain answer works as before.
		{name: "direct", url: srv.URL + "/ok", reached: 1},
		// A URL off this machine is refused at build time, with the fix.
		{name: "remote without --allow-remote", url: "http://192.0.2.1/switch", buildErr: "--allow-remote"},
		// A host name is refused too: only loopback literals and localhost pass the string check.
		{name: "host name", url: "http://payments.example/switch", buildErr: "not a loopback address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reached.Store(0)
			f, err := kind.Build(Spec{Kind: "http", Params: map[string]any{"inject": map[string]any{"url": c.url, "body": "on"}}},
				Env{})
			if c.buildErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.buildErr) {
					t.Fatalf("Build: got %v, want an error with %q", err, c.buildErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = f.Inject(context.Background())
			if c.injectErr == "" && err != nil {
				t.Fatalf("Inject: %v", err)
			}
			if c.injectErr != "" && (err == nil || !strings.Contains(err.Error(), c.injectErr)) {
				t.Fatalf("Inject: got %v, want an error with %q", err, c.injectErr)
			}
			if n := reached.Load(); n != c.reached {
				t.Errorf("/ok reached %d times, want %d", n, c.reached)
			}
		})
	}
}
