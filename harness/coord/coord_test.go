package coord

import (
	"context"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// serve serves a coordinator of n shards with a token of its own.
func serve(t *testing.T, n int, onStop func(string, int)) (*Server, string) {
	t.Helper()
	token := NewToken()
	srv, err := Serve("127.0.0.1:0", Config{Token: token, Shards: n, OnStop: onStop})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, token
}

func TestAStopAnywhereReachesEveryShard(t *testing.T) {
	stopped := make(chan string, 1)
	srv, token := serve(t, 3, func(reason string, by int) { stopped <- reason })
	base := "http://" + srv.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	one, two := NewClient(base, 1, token, egress.Guard{}), NewClient(base, 2, token, egress.Guard{})

	// Shard 2 follows; shard 1's stop condition fires.
	heard := make(chan string, 1)
	go two.Follow(ctx, func(r string) { heard <- r })
	if err := one.Stop(ctx, "failure ratio 0.6 for 10s"); err != nil {
		t.Fatal(err)
	}
	if got := <-stopped; got != "failure ratio 0.6 for 10s" {
		t.Errorf("the owner heard %q", got)
	}
	if got := <-heard; got != "shard 1: failure ratio 0.6 for 10s" {
		t.Errorf("shard 2 heard %q", got)
	}
	// A second stop is not a new one.
	if srv.Stop("again", 0) {
		t.Error("a second stop counted as the first")
	}
	if _, _, ok := two.Clock(); !ok {
		t.Error("no clock estimate after a poll")
	}
	// A shard joins once; a replacement of it is refused.
	if err := one.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if err := NewClient(base, 1, token, egress.Guard{}).Join(ctx); err != ErrJoined {
		t.Errorf("a second shard 1 joined: %v", err)
	}
	// Shards say they are done; the owner waits for them.
	one.Done(ctx)
	two.Done(ctx)
	if n := srv.WaitDone(ctx, 2); n != 2 {
		t.Errorf("%d shards done, want 2", n)
	}
	if st := srv.State(); st.By != 1 || len(st.Done) != 2 {
		t.Errorf("state %+v", st)
	}
}

func TestTheClientDialsThroughTheGuard(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is not this machine: the zero guard refuses it.
	c := NewClient("http://192.0.2.1:9", 1, NewToken(), egress.Guard{})
	if _, err := c.Poll(context.Background()); err == nil {
		t.Fatal("a remote coordinator was dialled without --allow-remote")
	}
}

func TestServeNeedsATokenAndShards(t *testing.T) {
	for _, c := range []Config{{Token: "", Shards: 2}, {Token: "short", Shards: 2}, {Token: NewToken(), Shards: 0}} {
		if srv, err := Serve("127.0.0.1:0", c); err == nil {
			srv.Close()
			t.Errorf("Serve(%+v) served", c)
		}
	}
}
