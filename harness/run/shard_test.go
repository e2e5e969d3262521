package run

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
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
