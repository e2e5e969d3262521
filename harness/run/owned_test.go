package run

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// TestShareTargetKeepsHowToSpeakToTheService: a shard of a run whose
// target shard 0 starts gets a url target at the published link, with the
// request and response rules as written, and no setup or metrics.
func TestShareTargetKeepsHowToSpeakToTheService(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, []byte(`name: t/owned
target:
  kind: authsim
  request: {path: /v2/auth, headers: {X-Key: "{{.IdempotencyKey}}"}}
  response: {rules: [{status: 503, outcome: shed}]}
  settle: 5s
traffic: {phases: [{duration: 1s, shape: constant, rate: 10/s}]}
`), 0o644)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !startsShared(s, ShardOptions{Shard: traffic.Shard{Index: 1, Count: 3}}) || startsShared(s, ShardOptions{}) {
		t.Fatal("an authsim target is started by shard 0 for a sharded run only")
	}
	s.Setup = &scenario.Setup{}
	shareTarget(s, "http://127.0.0.1:40123")
	tg := s.Target
	if tg.Kind != scenario.TargetURL || tg.URL != "http://127.0.0.1:40123" || tg.Authsim != nil || tg.Metrics != nil || s.Setup != nil {
		t.Errorf("target %+v, setup %v", tg, s.Setup)
	}
	if tg.Request.Path != "/v2/auth" || tg.Request.Headers["X-Key"] != "{{.IdempotencyKey}}" || len(tg.Response.Rules) != 1 || tg.Settle.D() != 5*time.Second {
		t.Errorf("how to speak to the service was lost: %+v", tg)
	}
}

// TestCheckShardOfAnOwnedTarget: shard 0 starts such a target and serves
// the endpoint it publishes it on, so it cannot follow another's; the
// other shards follow shard 0's.
func TestCheckShardOfAnOwnedTarget(t *testing.T) {
	s := &scenario.Scenario{Target: scenario.Target{Kind: scenario.TargetAuthsim}}
	at := time.Now()
	tests := []struct {
		name string
		o    ShardOptions
		code int
	}{
		// Shard 0 serving: it starts the target.
		{"shard 0 serves", ShardOptions{Shard: traffic.Shard{Index: 0, Count: 3}, StartAt: at}, exitcode.Pass},
		// Shard 0 following another endpoint: no one would publish the target.
		{"shard 0 follows", ShardOptions{Shard: traffic.Shard{Index: 0, Count: 3}, StartAt: at, Coordinator: "http://127.0.0.1:1", Token: "t"}, exitcode.Invalid},
		// Shard 2 follows shard 0's endpoint.
		{"shard 2", ShardOptions{Shard: traffic.Shard{Index: 2, Count: 3}, StartAt: at, Coordinator: "http://127.0.0.1:1", Token: "t"}, exitcode.Pass},
	}
	for _, tt := range tests {
		if got := exitcode.Of(checkShard(s, tt.o)); got != tt.code {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.code)
		}
	}
}

// TestFetchRefsFromTheOwner: a shard that ran no setup takes the account
// ids the owner published; one whose setup captured its own keeps them.
func TestFetchRefsFromTheOwner(t *testing.T) {
	token := coord.NewToken()
	srv, err := coord.Serve("127.0.0.1:0", coord.Config{Token: token, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetRefs([]string{"r0", "r1"})
	o := Options{Shard: ShardOptions{Shard: traffic.Shard{Index: 1, Count: 2}, Coordinator: "http://" + srv.Addr(), Token: token}}
	if err := fetchRefs(context.Background(), &o); err != nil || strings.Join(o.refs, ",") != "r0,r1" {
		t.Errorf("refs %q, %v", o.refs, err)
	}
	o.refs = []string{"own"}
	if err := fetchRefs(context.Background(), &o); err != nil || strings.Join(o.refs, ",") != "own" {
		t.Errorf("a shard's own refs replaced: %q, %v", o.refs, err)
	}
}

// A shard asks for the refs before shard 0 serves its endpoint (shards
// start on their own, shard 0 perhaps last): it asks again until it
// answers. A run's shards in one process (replay) failed on this: the
// second shard's one request was refused and it ended with no attempts.
func TestFetchRefsWaitsForTheOwner(t *testing.T) {
	token := coord.NewToken()
	addr := freePort(t)
	o := Options{Shard: ShardOptions{Shard: traffic.Shard{Index: 1, Count: 2}, Coordinator: "http://" + addr, Token: token,
		StartAt: time.Now().Add(3 * time.Second)}}
	done := make(chan error, 1)
	go func() { done <- fetchRefs(context.Background(), &o) }()
	time.Sleep(500 * time.Millisecond) // the owner is late
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	owner := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/refs" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`["r0","r1"]`))
	})}
	go owner.Serve(l)
	defer owner.Close()
	if err := <-done; err != nil || strings.Join(o.refs, ",") != "r0,r1" {
		t.Errorf("refs %q, %v; want r0,r1 once the owner served them", o.refs, err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
