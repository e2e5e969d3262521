package coord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// Client is a shard's side: it polls the owner's state, posts stops and
// its end, and estimates its clock's offset from the owner's. Every
// request carries the run's token.
type Client struct {
	base   string
	shard  int
	token  string
	http   *http.Client
	upload *http.Client // no timeout of its own: Upload's ctx bounds it

	mu     sync.Mutex
	offset time.Duration // owner's clock minus ours, from the fastest poll
	rtt    time.Duration
	polls  int
}

// NewClient talks to the coordinator at base (http://host:port) as shard
// of the run whose token is token.
func NewClient(base string, shard int, token string, guard egress.Guard) *Client {
	return &Client{base: strings.TrimRight(base, "/"), shard: shard, token: token,
		http: guard.Client(egress.Timeout(2 * time.Second)), upload: guard.Client()}
}

// newRequest is a request to the coordinator with the run's token.
func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, err
}

// answer is nil for a 200, else an error with the status and what the
// coordinator said.
func answer(resp *http.Response, what string) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return fmt.Errorf("%s: %s: %s", what, resp.Status, strings.TrimSpace(string(msg)))
}

// Poll reads the state once and updates the clock estimate.
func (c *Client) Poll(ctx context.Context) (State, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/state", nil)
	if err != nil {
		return State{}, err
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return State{}, fmt.Errorf("coordinator %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if err := answer(resp, "coordinator "+c.base+"/state"); err != nil {
		return State{}, err
	}
	var st State
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return State{}, fmt.Errorf("coordinator %s: %w", c.base, err)
	}
	t1 := time.Now()
	rtt := t1.Sub(t0)
	mid := t0.Add(rtt / 2)
	c.mu.Lock()
	if c.polls == 0 || rtt < c.rtt { // the fastest round trip bounds the error best (NTP's rule)
		c.rtt, c.offset = rtt, time.Duration(st.NowUnixNano-mid.UnixNano())
	}
	c.polls++
	c.mu.Unlock()
	return st, nil
}

// Follow polls every second until ctx ends and calls onStop once when the
// run is stopped, with the owner's reason.
func (c *Client) Follow(ctx context.Context, onStop func(reason string)) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		st, err := c.Poll(ctx)
		if err == nil && st.Stopped {
			if st.By < 0 { // the launcher's stop (authquake swarm interrupted)
				onStop(st.Reason)
			} else {
				onStop(fmt.Sprintf("shard %d: %s", st.By, st.Reason))
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// WaitTarget polls until the owner publishes the target it started
// (Server.SetTarget) and returns its client link; an endpoint not up yet is
// polled again. It ends with ctx, or when the run is stopped.
func (c *Client) WaitTarget(ctx context.Context) (string, error) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		st, err := c.Poll(ctx)
		switch {
		case err == nil && st.Target != "":
			return st.Target, nil
		case err == nil && st.Stopped:
			return "", fmt.Errorf("the run was stopped before its target was up: %s", st.Reason)
		case err != nil && ctx.Err() == nil: // the reason, not the deadline's
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return "", fmt.Errorf("no target published by the owner: %w", last)
			}
			return "", errors.New("no target published by the owner: is shard 0 still starting it?")
		case <-tick.C:
		}
	}
}

// Clock is the estimated offset of the owner's clock from this shard's
// (positive: the owner is ahead), with the round trip it was measured over,
// and whether any poll succeeded.
func (c *Client) Clock() (offset, rtt time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.rtt, c.polls > 0
}

// Stop posts this shard's stop condition to the owner.
func (c *Client) Stop(ctx context.Context, reason string) error {
	return c.post(ctx, "/stop", map[string]any{"reason": reason, "shard": c.shard})
}

// ErrJoined is Join's answer when the shard already ran in this run.
var ErrJoined = errors.New("this shard has already joined the run")

// Join registers this shard with the coordinator before it sends anything.
func (c *Client) Join(ctx context.Context) error {
	err := c.post(ctx, "/join", map[string]any{"shard": c.shard})
	if err != nil && strings.Contains(err.Error(), "409 Conflict") {
		return ErrJoined
	}
	return err
}

// Done tells the owner that this shard has finished sending.
func (c *Client) Done(ctx context.Context) error {
	return c.post(ctx, "/done", map[string]any{"shard": c.shard})
}

func (c *Client) post(ctx context.Context, path string, body any) error {
	b, _ := json.Marshal(body)
	req, err := c.newRequest(ctx, http.MethodPost, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("coordinator %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	return answer(resp, "coordinator "+c.base+path)
}

// WaitDone polls until n shards have said they are done, or ctx ends; it
// returns how many did (the fault owner's wait before it reads the ledger,
// when the endpoint is served by someone else, e.g. authquake swarm).
func (c *Client) WaitDone(ctx context.Context, n int) int {
	got := 0
	for {
		if st, err := c.Poll(ctx); err == nil {
			got = len(st.Done)
		}
		if got >= n {
			return got
		}
		select {
		case <-ctx.Done():
			return got
		case <-time.After(500 * time.Millisecond):
		}
	}
}
