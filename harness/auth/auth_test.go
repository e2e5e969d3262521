package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// tokenServer issues OAuth2 client-credentials tokens that expire after
// life, and says whether a token is valid now. From the fail-th call on it
// answers 500, when fail > 0.
type tokenServer struct {
	*httptest.Server
	life   time.Duration
	fail   int64
	calls  atomic.Int64
	mu     sync.Mutex
	issued map[string]time.Time
}

func newTokenServer(t *testing.T, secret string, life time.Duration, fail int64) *tokenServer {
	ts := &tokenServer{life: life, fail: fail, issued: map[string]time.Time{}}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.calls.Add(1)
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_secret") != secret {
			w.WriteHeader(401)
			return
		}
		if ts.fail > 0 && n >= ts.fail {
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"server_error"}`)
			return
		}
		tok := fmt.Sprintf("tok-%d-%d", n, time.Now().UnixNano())
		ts.mu.Lock()
		ts.issued[tok] = time.Now()
		ts.mu.Unlock()
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":%g}`, tok, life.Seconds())
	}))
	t.Cleanup(ts.Close)
	return ts
}

// valid says whether the server takes the header now.
func (ts *tokenServer) valid(header string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	at, ok := ts.issued[strings.TrimPrefix(header, "Bearer ")]
	return ok && time.Since(at) < ts.life
}

func cfg(u string) *scenario.Auth {
	return &scenario.Auth{URL: u, Method: "POST", ClientID: "authquake", ClientSecretEnv: "AQ_AUTH_SECRET",
		Token: "access_token", ExpiresIn: "expires_in", Header: "Authorization", Scheme: "Bearer"}
}

// TestTokenKeptFresh: tokens that expire every 1.5 s are replaced before
// they do, by the source's own goroutine: a reader never holds one the
// server refuses.
func TestTokenKeptFresh(t *testing.T) {
	t.Setenv("AQ_AUTH_SECRET", "client-s3cret")
	ts := newTokenServer(t, "client-s3cret", 1500*time.Millisecond, 0)
	src, err := Start(context.Background(), cfg(ts.URL+"/oauth/token"), Options{Client: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	checks := 0
	for time.Now().Before(deadline) {
		h, ok := src.Header(time.Now())
		if !ok || !ts.valid(string(h)) {
			t.Fatalf("after %d checks: header %q (ok %v) refused by the server", checks, h, ok)
		}
		checks++
		time.Sleep(20 * time.Millisecond)
	}
	st := src.Close()
	if st.Tokens < 3 || st.FailedRefreshes != 0 || st.WithoutToken != 0 {
		t.Errorf("stats %+v: want 3 tokens or more in 5 s of 1.5 s tokens, no failure", st)
	}
}

// TestFailedRefreshCounted: once the token server fails, each refresh is
// counted with its error; when the token expires the source says so
// (Header false), and each attempt not sent is counted.
func TestFailedRefreshCounted(t *testing.T) {
	t.Setenv("AQ_AUTH_SECRET", "client-s3cret")
	ts := newTokenServer(t, "client-s3cret", time.Second, 2)
	src, err := Start(context.Background(), cfg(ts.URL+"/oauth/token"), Options{Client: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := src.Header(time.Now()); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the token never expired although every refresh failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	why := src.Missing()
	src.Missing()
	st := src.Close()
	if st.Tokens != 1 || st.FailedRefreshes < 1 || st.WithoutToken != 2 || !strings.Contains(st.LastError, "answered 500") {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(why, "no valid token") || !strings.Contains(why, "answered 500") {
		t.Errorf("why: %q", why)
	}
}

// TestFirstTokenRefused: a first call that fails stops everything, with the
// answer in the error and the secret not in it.
func TestFirstTokenRefused(t *testing.T) {
	t.Setenv("AQ_AUTH_SECRET", "wrong-s3cret")
	ts := newTokenServer(t, "client-s3cret", time.Second, 0)
	_, err := Start(context.Background(), cfg(ts.URL+"/oauth/token"), Options{Client: http.DefaultClient})
	if err == nil || !strings.Contains(err.Error(), "answered 401") || strings.Contains(err.Error(), "wrong-s3cret") {
		t.Errorf("error %v", err)
	}
}
