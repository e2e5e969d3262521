package coord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// TestTheOwnersTargetReachesShardsWithTheToken: a shard waits until the
// owner publishes its target's client link, and gets it; a client without
// the run's token never does; a run stopped first ends the wait.
func TestTheOwnersTargetReachesShardsWithTheToken(t *testing.T) {
	srv, token := serve(t, 3, nil)
	base := "http://" + srv.Addr()
	time.AfterFunc(300*time.Millisecond, func() { srv.SetTarget("http://127.0.0.1:40123") })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := NewClient(base, 1, token, egress.Guard{}).WaitTarget(ctx); err != nil || got != "http://127.0.0.1:40123" {
		t.Errorf("with the token: %q, %v", got, err)
	}

	short, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if got, err := NewClient(base, 1, NewToken(), egress.Guard{}).WaitTarget(short); err == nil || got != "" || !strings.Contains(err.Error(), "401") {
		t.Errorf("another token got %q, %v", got, err)
	}

	stopped, token2 := serve(t, 3, nil)
	stopped.Stop("interrupted", -1)
	if _, err := NewClient("http://"+stopped.Addr(), 1, token2, egress.Guard{}).WaitTarget(ctx); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("a stopped run: %v", err)
	}
}

// TestTheOwnersRefsReachShardsWithTheToken: the account ids the owner's
// setup captured reach a shard with the token, none is nil, and another
// token gets nothing.
func TestTheOwnersRefsReachShardsWithTheToken(t *testing.T) {
	srv, token := serve(t, 2, nil)
	base := "http://" + srv.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := NewClient(base, 1, token, egress.Guard{})
	if refs, err := c.Refs(ctx); refs != nil || err != nil {
		t.Errorf("none published: %v, %v", refs, err)
	}
	if err := srv.SetRefs([]string{"acct_1", "", "acct_3"}); err != nil {
		t.Fatal(err)
	}
	if refs, err := c.Refs(ctx); err != nil || strings.Join(refs, ",") != "acct_1,,acct_3" {
		t.Errorf("published: %q, %v", refs, err)
	}
	if refs, err := NewClient(base, 1, NewToken(), egress.Guard{}).Refs(ctx); err == nil || refs != nil {
		t.Errorf("another token got %q, %v", refs, err)
	}
}
