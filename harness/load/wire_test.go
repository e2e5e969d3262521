package load

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// attackOnce runs a short attack of n payments at base and returns every
// attempt recorded.
func attackOnce(t *testing.T, base string, n int, timeout string) []record.Attempt {
	t.Helper()
	s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 1s, shape: constant, rate: `+strconv.Itoa(n)+`/s}]}
requests: {client: {timeout: `+timeout+`}}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: base, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	if len(sink.as) != n {
		t.Fatalf("%d attempts recorded, want %d", len(sink.as), n)
	}
	return sink.as
}

// listenerThat accepts connections and hands each to serve.
func listenerThat(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestWireFailures: every way a service can fail to answer is recorded as
// the outcome a fault report needs, with a short error.
func TestWireFailures(t *testing.T) {
	cases := []struct {
		name    string
		base    string
		outcome record.Outcome
		err     string
	}{
		{"closes without answering", listenerThat(t, func(c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			c.Close()
		}), record.ConnError, "EOF"},
		{"never answers", listenerThat(t, func(c net.Conn) {
			time.Sleep(2 * time.Second)
			c.Close()
		}), record.Timeout, "timeout"},
		{"answers half a header", listenerThat(t, func(c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			c.Write([]byte("HTTP/1.1 201 Created\r\nContent-Len"))
			c.Close()
		}), record.ConnError, ""},
	}
	// A port nobody listens on, taken last so that no listener above gets it.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	cases = append(cases, struct {
		name    string
		base    string
		outcome record.Outcome
		err     string
	}{"nothing listens", closed, record.ConnError, "connection refused"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, a := range attackOnce(t, c.base, 4, "300ms") {
				if a.Outcome != c.outcome || !strings.Contains(a.Error, c.err) || a.Error == "" {
					t.Fatalf("attempt %d: %s %q, want %s with %q", a.Seq, a.Outcome, a.Error, c.outcome, c.err)
				}
				if c.outcome == record.Timeout && (a.Latency < 300*time.Millisecond || a.Latency > 2*time.Second) {
					t.Errorf("timed out after %s, want the client timeout of 300ms", a.Latency)
				}
			}
		})
	}
}

// TestWireClosesIdleConnectionsFirst: a service that closes idle keep-alive
// connections after 1.5 s costs no payment sent 2 s after the last one: the
// client closed that connection after idleFor (1 s) and dials a new one.
// (With a longer idleFor the second payment meets the closed connection and
// fails with EOF: it is never sent again behind the record's back.)
func TestWireClosesIdleConnectionsFirst(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(201)
		w.Write([]byte(`{"id":"a1","status":"approved"}`))
	}))
	srv.Config.IdleTimeout = 1500 * time.Millisecond
	srv.Start()
	defer srv.Close()
	s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 4s, shape: constant, rate: 0.5/s}]}
requests: {client: {timeout: 1s}}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	if len(sink.as) != 2 {
		t.Fatalf("%d attempts, want 2", len(sink.as))
	}
	for _, a := range sink.as {
		if a.Outcome != record.Approved || a.Status != 201 || a.RetryAfter != "7" {
			t.Fatalf("attempt %d: %s %d %q retry-after %q, want approved 201", a.Seq, a.Outcome, a.Status, a.Error, a.RetryAfter)
		}
	}
	if n := got.Load(); n != 2 {
		t.Errorf("service saw %d payments, want 2", n)
	}
}

// TestWireNeverResends: a service that reads a payment and closes the
// connection without an answer gets it once; the attempt is an EOF
// conn_error, never a quiet second try.
func TestWireNeverResends(t *testing.T) {
	var got atomic.Int32
	base := listenerThat(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		got.Add(1)
		c.Close()
	})
	as := attackOnce(t, base, 3, "1s")
	for _, a := range as {
		if a.Outcome != record.ConnError || a.Error != "EOF" {
			t.Fatalf("attempt %d: %s %q, want conn_error EOF", a.Seq, a.Outcome, a.Error)
		}
	}
	if n := got.Load(); n != 3 {
		t.Errorf("service read %d payments, want 3: one per attempt", n)
	}
}

// TestWireSendsTheRequestAsRendered: method, path, headers and body reach
// the service as the templates say, with no Content-Type added.
func TestWireSendsTheRequestAsRendered(t *testing.T) {
	seen := make(chan *http.Request, 1)
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		r.Body.Read(b)
		body.Store(string(b))
		select {
		case seen <- r:
		default:
		}
		w.WriteHeader(201)
	}))
	defer srv.Close()
	s := scenarioOf(t, `name: t
seed: 1
target:
  request:
    method: PUT
    path: /pay/{{.AccountID}}
    headers: {X-Key: "{{.IdempotencyKey}}"}
    body: 'amount={{.AmountMinor}}'
traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	r := <-seen
	a := sink.as[0]
	if r.Method != "PUT" || r.URL.Path != "/pay/"+a.Account || r.Header.Get("X-Key") != a.Key ||
		r.Header.Get("Content-Type") != "" || body.Load() != "amount="+strconv.FormatInt(a.Amount, 10) {
		t.Fatalf("service saw %s %s key %q type %q body %q; attempt %+v", r.Method, r.URL.Path, r.Header.Get("X-Key"),
			r.Header.Get("Content-Type"), body.Load(), a)
	}
}

// TestWireCapsConnections: with max_connections, requests wait for one of
// the capped connections (within their timeout) and none is refused.
func TestWireCapsConnections(t *testing.T) {
	var open, peak atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond) // 4 at once at 10/s without the cap
		w.WriteHeader(201)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			n := open.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 1s, shape: constant, rate: 10/s}]}
requests: {client: {timeout: 5s, max_connections: 2}}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	for _, a := range sink.as {
		if a.Outcome != record.Approved {
			t.Fatalf("attempt %d: %s %q, want approved", a.Seq, a.Outcome, a.Error)
		}
	}
	if p := peak.Load(); p < 1 || p > 2 {
		t.Errorf("the service saw %d connections at once, want at most max_connections (2)", p)
	}
}
