package run

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/traffic"
)

// TestShardZeroMakesATokenWhenGivenNone: a shard 0 that serves the
// endpoint without a token makes one, prints it for the other shards, and
// answers only who sends it.
func TestShardZeroMakesATokenWhenGivenNone(t *testing.T) {
	var log bytes.Buffer
	sh := traffic.Shard{Index: 0, Count: 2}
	o := Options{Log: &log, Shard: ShardOptions{Shard: sh, Listen: "127.0.0.1:0"}}
	l, err := link(o, &rundir.ShardInfo{Shard: sh}, func(string, string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	m := regexp.MustCompile(coord.TokenEnv + `=([0-9a-f]{64})`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no token printed for the other shards: %q", log.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base := "http://" + l.server.Addr()
	if err := coord.NewClient(base, 1, coord.NewToken(), egress.Guard{}).Join(ctx); err == nil {
		t.Error("a client with another token joined")
	}
	if err := coord.NewClient(base, 1, m[1], egress.Guard{}).Join(ctx); err != nil {
		t.Errorf("shard 1 with the printed token: %v", err)
	}
}

// TestShardZeroHoldsItsPortBeforeTheTarget: shard 0 takes its endpoint's
// port before it starts the target (whose containers publish ports from
// the same range): a port already taken fails the run at once, exit 5,
// with no run directory and no target started (here authsim, which would
// need Docker first).
func TestShardZeroHoldsItsPortBeforeTheTarget(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte("name: t\ntarget: {kind: authsim}\ntraffic: {phases: [{duration: 2s, shape: constant, rate: 10/s}]}\n"), 0o644)
	t.Setenv(coord.TokenEnv, coord.NewToken())
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir, Shard: ShardOptions{Shard: traffic.Shard{Index: 0, Count: 2},
		Listen: held.Addr().String(), Token: os.Getenv(coord.TokenEnv), StartAt: time.Now().Add(time.Minute)}})
	if exitcode.Of(err) != exitcode.Environment || !strings.Contains(fmt.Sprint(err), held.Addr().String()) || res != nil {
		t.Fatalf("result %v, error %v (exit %d): want exit 5 naming the port, before any run directory", res, err, exitcode.Of(err))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the output directory, want only the scenario", len(ents))
	}
}
