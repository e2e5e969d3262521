package load

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
)

// TestLoadDialsThroughTheGuard sends load to a server on 127.0.0.2: the zero
// guard lets it through, a guard that allows 127.0.0.1 only turns every
// attempt into a conn_error naming the guard, and the server sees nothing.
func TestLoadDialsThroughTheGuard(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var got atomic.Int32
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(201)
	})}}
	srv.Start()
	defer srv.Close()
	s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 500ms, shape: constant, rate: 20/s}]}
requests: {client: {timeout: 1s}}
`)
	cases := []struct {
		name    string
		guard   egress.Guard
		outcome record.Outcome
		errHas  string // substring of every attempt's error
		reached bool   // the server received the payments
	}{
		// The zero guard allows all of loopback: the load is sent as before.
		{name: "loopback allowed", outcome: record.Approved, reached: true},
		// Refused in the dialer: recorded as data, never silently sent.
		{name: "outside the allow-list", guard: egress.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			outcome: record.ConnError, errHas: "egress guard: refusing to connect to 127.0.0.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got.Store(0)
			sink := &memSink{}
			atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}, Guard: c.guard})
			if err != nil {
				t.Fatal(err)
			}
			atk.Run()
			if len(sink.as) != 10 {
				t.Fatalf("%d attempts, want 10", len(sink.as))
			}
			for _, a := range sink.as {
				if a.Outcome != c.outcome || !strings.Contains(a.Error, c.errHas) {
					t.Fatalf("attempt %+v: want outcome %s with error %q", a, c.outcome, c.errHas)
				}
			}
			if n := got.Load(); (n > 0) != c.reached {
				t.Errorf("server received %d payments, want reached=%v", n, c.reached)
			}
		})
	}
}
