package coord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxRefs is the most bytes of account ids GET /refs serves and a shard
// reads: about a million ids of the length services give.
const MaxRefs = 64 << 20

// SetRefs publishes the service's own account ids by account index, which
// the owner's setup captured ({{.AccountRef}} in request templates), for
// the shards that did not run it: GET /refs, behind the run's token.
func (s *Server) SetRefs(refs []string) error {
	b, err := json.Marshal(refs)
	if err != nil {
		return err
	}
	if len(b) > MaxRefs {
		return fmt.Errorf("coordinator: %d bytes of account ids: at most %d", len(b), MaxRefs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs = b
	return nil
}

// getRefs serves GET /refs: 404 when the owner captured none.
func (s *Server) getRefs(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	b := s.refs
	s.mu.Unlock()
	if b == nil {
		http.Error(w, "no account ids were captured by the owner's setup", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// Refs reads the account ids the owner published (Server.SetRefs); nil,
// without error, when it published none.
func (c *Client) Refs(ctx context.Context) ([]string, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/refs", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("coordinator %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if err := answer(resp, "coordinator "+c.base+"/refs"); err != nil {
		return nil, err
	}
	var refs []string
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxRefs)).Decode(&refs); err != nil {
		return nil, fmt.Errorf("coordinator %s/refs: %w", c.base, err)
	}
	return refs, nil
}

// WaitRefs asks for the refs until the owner's endpoint answers (a shard
// may start before the owner serves it), once every 250 ms, until ctx is
// done; the error then names the last reason it did not answer.
func (c *Client) WaitRefs(ctx context.Context) ([]string, error) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		refs, err := c.Refs(ctx)
		if err == nil {
			return refs, nil
		}
		if ctx.Err() == nil { // the reason, not the deadline's
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return nil, last
			}
			return nil, context.Cause(ctx)
		case <-tick.C:
		}
	}
}
