package run

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// gateway is a payment API as gateways are: OAuth2 client-credentials
// tokens that live two seconds, each request signed with HMAC-SHA256 over
// method, path, timestamp, nonce and body, checked byte for byte. Every
// tenth payment it declines with a reason that echoes the caller's token
// (so that the token lands in the attempts file unless it is redacted).
type gateway struct {
	clientSecret, hmacKey, apiKey string
	mu                            sync.Mutex
	issued                        map[string]time.Time
	n                             int
	hello                         bool
}

func (g *gateway) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.PostForm.Get("client_secret") != g.clientSecret {
		w.WriteHeader(401)
		return
	}
	g.mu.Lock()
	g.n++
	tok := fmt.Sprintf("gw-token-%d-%d", g.n, time.Now().UnixNano())
	g.issued[tok] = time.Now()
	g.mu.Unlock()
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":2}`, tok)
}

func (g *gateway) authorized(r *http.Request) (string, bool) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.issued[tok]
	return tok, ok && time.Since(at) < 2*time.Second
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/oauth/token":
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		g.token(w, r)
		return
	case "/v1/hello": // setup, with the token and a key of its own
		_, ok := g.authorized(r)
		g.mu.Lock()
		g.hello = ok && r.Header.Get("X-Api-Key") == g.apiKey
		g.mu.Unlock()
		w.WriteHeader(200)
		return
	}
	tok, ok := g.authorized(r)
	m := hmac.New(sha256.New, []byte(g.hmacKey))
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Timestamp"), r.Header.Get("X-Nonce"), body)
	if !ok || !hmac.Equal([]byte(r.Header.Get("X-Signature")), []byte(hex.EncodeToString(m.Sum(nil)))) {
		w.WriteHeader(401)
		return
	}
	if strings.HasSuffix(r.Header.Get("Idempotency-Key"), "0") {
		w.WriteHeader(402)
		fmt.Fprintf(w, `{"status":"declined","code":"51","reason":"declined for %s"}`, tok)
		return
	}
	w.WriteHeader(201)
	fmt.Fprint(w, `{"status":"approved","code":"00"}`)
}

// TestSignedRunWithExpiringTokens: against a gateway whose tokens expire
// every two seconds and which checks every request's signature, a run of
// five seconds is approved throughout (the token refreshed off the
// requests' path); and no secret, from the environment or written in the
// scenario, nor any token the gateway issued, is anywhere in the run
// directory, gzip files read through.
func TestSignedRunWithExpiringTokens(t *testing.T) {
	g := &gateway{clientSecret: "cl1ent-s3cret-value", hmacKey: "hm4c-key-of-the-run", apiKey: "ap1-key-for-setup", issued: map[string]time.Time{}}
	t.Setenv("AQ_RUN_CLIENT_SECRET", g.clientSecret)
	t.Setenv("AQ_RUN_HMAC", g.hmacKey)
	t.Setenv("AQ_RUN_API_KEY", g.apiKey)
	srv := httptest.NewServer(g)
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "signed.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/signed
target:
  kind: url
  url: "%s"
  auth: {url: /oauth/token, client_id: authquake, client_secret_env: AQ_RUN_CLIENT_SECRET}
  request:
    headers: {Content-Type: application/json, Idempotency-Key: "{{.IdempotencyKey}}", X-Static-Token: static-t0ken-in-the-file}
    sign: {algorithm: hmac-sha256, key: '{{env "AQ_RUN_HMAC"}}', timestamp_header: X-Timestamp, nonce_header: X-Nonce}
  response:
    rules:
      - {status: 201, outcome: approved}
      - {status: 402, outcome: declined}
accounts: {count: 5}
setup:
  steps:
    - {name: hello, http: {url: /v1/hello, headers: {Authorization: "Bearer {{.Token}}", X-Api-Key: '{{env "AQ_RUN_API_KEY"}}'}, expect: [200]}}
traffic: {phases: [{duration: 5s, shape: constant, rate: 20/s}]}
`, srv.URL)), 0o644)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[record.Outcome]int{}
	record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error { counts[a.Outcome]++; return nil })
	if counts[record.Approved]+counts[record.Declined] != 100 || counts[record.Declined] == 0 {
		t.Errorf("outcomes %v: want 100 approved or declined, none refused", counts)
	}
	if a := res.Meta.Auth; a == nil || a.Tokens < 3 || a.FailedRefreshes != 0 || a.WithoutToken != 0 {
		t.Errorf("run.json auth %+v: want 3 tokens or more, no failure", a)
	}
	if !g.hello {
		t.Error("setup's {{.Token}} and {{env}} did not reach the service")
	}
	secrets := []string{g.clientSecret, g.hmacKey, g.apiKey, "static-t0ken-in-the-file"}
	for tok := range g.issued {
		secrets = append(secrets, tok)
	}
	redacted := 0
	filepath.WalkDir(res.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text := readAll(t, p)
		redacted += strings.Count(text, "REDACTED")
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the secret %q", filepath.Base(p), s)
			}
		}
		return nil
	})
	if redacted < counts[record.Declined]+1 { // each decline's reason, and the scenario's static token
		t.Errorf("%d redactions in the run directory, want one per decline (%d) and the scenario's own", redacted, counts[record.Declined])
	}
	if _, _, err := scenario.Load(filepath.Join(res.Dir, rundir.ScenarioFile)); err != nil {
		t.Errorf("the redacted scenario.yaml does not load: %v", err)
	}
}

// readAll reads a file, through gzip for .gz.
func readAll(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(b)
}
