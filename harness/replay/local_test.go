package replay

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// A run split into shards replays as shards: Local runs them in this
// process against the shared url target and merges them, and the replay
// has the original's shard layout, payments and fault.
func TestShardedReplay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.Write([]byte(`{"status":"approved","code":"00"}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "url.yaml")
	os.WriteFile(file, fmt.Appendf(nil, `name: test/sharded
seed: 11
target: {kind: url, url: "%s"}
traffic: {phases: [{duration: 2s, shape: constant, rate: 50/s}]}
faults: [{name: slow, at: 500ms, duration: 1s, kind: latency, target: client, params: {latency: 20ms}}]
`, srv.URL), 0o644)
	orig, err := Local{}.Run(context.Background(), Trial{File: file, Out: filepath.Join(dir, "orig"), Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(orig.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Shards() != 2 || orig.Payments != 100 {
		t.Fatalf("original: %d shards, %d payments; want 2 and 100", r.Shards(), orig.Payments)
	}
	o, err := Replay(context.Background(), Local{}, r, Options{Out: filepath.Join(dir, "replay"), Times: 1})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := Open(o.Runs[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Shards() != 2 || rp.Meta.Sent != 100 || rp.Meta.KeyPrefix == r.Meta.KeyPrefix || rp.Meta.Seed != 11 {
		t.Errorf("replay: %d shards, %d sent, keys %s (original's %s), seed %d; want 2, 100, keys of its own, 11",
			rp.Shards(), rp.Meta.Sent, rp.Meta.KeyPrefix, r.Meta.KeyPrefix, rp.Meta.Seed)
	}
	// The replay schedules the fault at the original's actual instant; its
	// own injection is measured against its own base time, which the
	// shards settle apart, so it may read a few hundred microseconds early
	// (seen once under a full parallel go test).
	if len(rp.Timeline) != 1 || rp.Timeline[0].InjectS == nil || *rp.Timeline[0].InjectS < *r.Timeline[0].InjectS-0.005 {
		t.Errorf("replay timeline %+v: want the fault injected no earlier than the original's (%g s, 5 ms allowed)", rp.Timeline, *r.Timeline[0].InjectS)
	}
}
