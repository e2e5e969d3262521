package topology

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// fakeTarget is a running (or stopped) container whose port is published at
// addr; the methods httpReady does not call are left nil.
type fakeTarget struct {
	wait.StrategyTarget
	addr  string
	state container.State
}

func (f fakeTarget) Host(context.Context) (string, error) {
	h, _, err := net.SplitHostPort(f.addr)
	return h, err
}

func (f fakeTarget) MappedPort(context.Context, string) (mnet.Port, error) {
	_, p, _ := net.SplitHostPort(f.addr)
	return mnet.ParsePort(p + "/tcp")
}

func (f fakeTarget) State(context.Context) (*container.State, error) { return &f.state, nil }

func TestHTTPReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
		case "/moved":
			http.Redirect(w, r, "http://127.0.0.2:9/elsewhere", http.StatusFound)
		default:
			w.WriteHeader(503)
		}
	}))
	defer srv.Close()
	running := container.State{Running: true, Status: container.StateRunning}
	cases := []struct {
		name  string
		ready httpReady
		state container.State
		err   []string // substrings of the error; none: ready
	}{
		// A 2xx on the ready path is ready.
		{name: "200", ready: httpReady{path: "/ok"}, state: running},
		// Without a ready path any answer is, a 503 included.
		{name: "any answer", ready: httpReady{path: "/down", anyAnswer: true}, state: running},
		// A redirect is an answer too, but it is never followed.
		{name: "redirect as an answer", ready: httpReady{path: "/moved", anyAnswer: true}, state: running},
		// On a ready path a redirect is not ready, and the error names its Location.
		{name: "redirect on the ready path", ready: httpReady{path: "/moved"}, state: running,
			err: []string{"deadline exceeded", "Location http://127.0.0.2:9/elsewhere"}},
		// A 503 on the ready path is not ready.
		{name: "503", ready: httpReady{path: "down"}, state: running, err: []string{"/down: 503"}},
		// A container that exited is never ready: said at once, not at the deadline.
		{name: "exited", ready: httpReady{path: "/ok"}, state: container.State{Status: container.StateExited, ExitCode: 3},
			err: []string{"exited with code 3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			c.ready.port = "8080/tcp"
			err := c.ready.WaitUntilReady(ctx, fakeTarget{addr: srv.Listener.Addr().String(), state: c.state})
			if len(c.err) == 0 && err != nil {
				t.Fatalf("not ready: %v", err)
			}
			if len(c.err) > 0 && err == nil {
				t.Fatalf("ready, want an error with %q", c.err)
			}
			for _, s := range c.err {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}
