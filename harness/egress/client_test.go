package egress

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// landing is a server on 127.0.0.2 that records what reaches it.
type landing struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string // "METHOD body"
}

func newLanding(t *testing.T) *landing {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	l := &landing{}
	l.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		l.hits = append(l.hits, r.Method+" "+string(b))
		l.mu.Unlock()
	})}}
	l.Start()
	t.Cleanup(l.Close)
	return l
}

func (l *landing) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.hits...)
}

// redirector answers every request but /self with code and a Location to to
// (or to its own /self when to is empty); /self answers 200.
func redirector(t *testing.T, code int, to string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/self" {
			return
		}
		loc := to
		if loc == "" {
			loc = srv.URL + "/self"
		}
		http.Redirect(w, r, loc, code)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientRedirects(t *testing.T) {
	only1 := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	cases := []struct {
		name    string
		guard   Guard
		opts    []Option
		method  string
		code    int
		self    bool     // redirect to the first server itself, not to 127.0.0.2
		wantErr []string // substrings of the error; none: success
		want    []string // what 127.0.0.2 received
	}{
		// Redirects are refused by default: the error names the Location.
		{name: "302 refused by default", method: "POST", code: 302,
			wantErr: []string{"redirect refused", "302", "Location http://127.0.0.2:"}},
		// Even a 307 back to the same loopback server is an error by default.
		{name: "loopback 307 refused by default", method: "POST", code: 307, self: true,
			wantErr: []string{"redirect refused", "307", "/self"}},
		// Following, a GET 302 to 127.0.0.2 hits the guard, which allows 127.0.0.1 only.
		{name: "follow: 302 to a refused address", guard: only1, opts: []Option{FollowRedirects()}, method: "GET", code: 302,
			wantErr: []string{"egress guard", "127.0.0.2", "allow-list 127.0.0.1/32"}},
		// Following, a POST 307 to 127.0.0.2 hits the guard as well.
		{name: "follow: 307 to a refused address", guard: only1, opts: []Option{FollowRedirects()}, method: "POST", code: 307,
			wantErr: []string{"egress guard", "127.0.0.2"}},
		// Following a 307 keeps the POST and its body.
		{name: "follow: 307 keeps POST", opts: []Option{FollowRedirects()}, method: "POST", code: 307,
			want: []string{"POST pay"}},
		// Following never lets a 302 turn a POST into a GET.
		{name: "follow: 302 would turn POST into GET", opts: []Option{FollowRedirects()}, method: "POST", code: 302,
			wantErr: []string{"redirect refused", "would turn POST into GET", "Location http://127.0.0.2:"}},
		// Following a 302 for a GET is fine: the method does not change.
		{name: "follow: GET 302", opts: []Option{FollowRedirects()}, method: "GET", code: 302,
			want: []string{"GET "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			second := newLanding(t)
			to := second.URL + "/landed"
			if c.self {
				to = ""
			}
			first := redirector(t, c.code, to)
			req, _ := http.NewRequest(c.method, first.URL+"/pay", strings.NewReader("pay"))
			resp, err := c.guard.Client(c.opts...).Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if len(c.wantErr) == 0 && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(c.wantErr) > 0 && err == nil {
				t.Fatalf("want an error with %q, got %d", c.wantErr, resp.StatusCode)
			}
			for _, s := range c.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if got := second.got(); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("127.0.0.2 received %q, want %q", got, c.want)
			}
		})
	}
}

func TestRedirectErrorIsFound(t *testing.T) {
	first := redirector(t, 303, "")
	_, err := Guard{}.Client().Get(first.URL)
	var re *RedirectError
	if !errors.As(err, &re) || re.Status != 303 || re.Location != first.URL+"/self" {
		t.Fatalf("want a *RedirectError 303 to %s/self, got %v", first.URL, err)
	}
}
