// Package auth keeps a bearer token for the load: obtained once before
// setup, then obtained again before it expires by a goroutine of its own,
// never on a request's path. A request reads the current token with one
// atomic load. A refresh that fails is retried with backoff and counted;
// while no valid token is held, the load does not send (an attempt is
// recorded as not sent, not as a 401 from the service).
//
//	Start ──obtain──> token ──sleep until expiry - refresh_before──> obtain ──ok──> token ...
//	                                                                   └─fail─> count, retry (250ms, 500ms, ... 5s)
package auth

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// Source holds the current token and refreshes it.
type Source struct {
	cfg     *scenario.Auth
	call    *call
	log     io.Writer
	cur     atomic.Pointer[token]
	missing atomic.Int64
	mu      sync.Mutex
	stats   rundir.AuthStats // what run.json says of the token
	cancel  context.CancelFunc
	done    chan struct{}
}

type token struct {
	value    string
	header   []byte // prefix + value
	expires  time.Time
	lifetime time.Duration // 0: never expires
}

// Options are where the token is obtained.
type Options struct {
	// Base is the service's base URL, for a url that is a path.
	Base string
	// Client sends the call: the harness's guarded client.
	Client Doer
	// Log receives a line per failed refresh.
	Log io.Writer
}

// Start obtains the first token (an error stops the run before setup) and
// starts refreshing it.
func Start(ctx context.Context, cfg *scenario.Auth, o Options) (*Source, error) {
	c, err := newCall(cfg, o)
	if err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := &Source{cfg: cfg, call: c, log: o.Log, done: make(chan struct{})}
	t, err := c.obtain(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: the first token: %w", err)
	}
	s.cur.Store(t)
	s.stats.Tokens = 1
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go s.refresh(ctx)
	return s, nil
}

// Name is the header the token goes in.
func (s *Source) Name() string { return s.cfg.Header }

// Header returns the header value ("Bearer TOKEN") valid at now, or false
// when the token has expired and no refresh has succeeded. It does not
// allocate.
func (s *Source) Header(now time.Time) ([]byte, bool) {
	t := s.cur.Load()
	if t.lifetime > 0 && !now.Before(t.expires) {
		return nil, false
	}
	return t.header, true
}

// Token is the current token, for setup templates ({{.Token}}).
func (s *Source) Token() string { return s.cur.Load().value }

// Missing counts an attempt not sent for want of a valid token, and says why.
func (s *Source) Missing() string {
	s.missing.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return "auth: no valid token (the token expired; the last refresh failed: " + s.stats.LastError + ")"
}

// Close stops refreshing and returns the stats.
func (s *Source) Close() rundir.AuthStats {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.WithoutToken = s.missing.Load()
	return st
}

// refresh obtains each next token before the current one expires,
// retrying a failed call with backoff until one succeeds or the run ends.
func (s *Source) refresh(ctx context.Context) {
	defer close(s.done)
	for {
		t := s.cur.Load()
		if t.lifetime == 0 {
			<-ctx.Done()
			return
		}
		if !sleep(ctx, time.Until(t.expires.Add(-s.before(t.lifetime)))) {
			return
		}
		backoff := 250 * time.Millisecond
		for {
			next, err := s.call.obtain(ctx)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				s.cur.Store(next)
				s.mu.Lock()
				s.stats.Tokens++
				s.mu.Unlock()
				break
			}
			s.mu.Lock()
			s.stats.FailedRefreshes++
			s.stats.LastError = secret.String(err.Error())
			n := s.stats.FailedRefreshes
			s.mu.Unlock()
			fmt.Fprintf(s.log, "auth: refresh failed (%d so far): %s; the token expires in %s\n", n, secret.String(err.Error()),
				max(0, time.Until(t.expires)).Round(time.Millisecond))
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// before is how long before expiry the next token is obtained.
func (s *Source) before(lifetime time.Duration) time.Duration {
	if b := s.cfg.RefreshBefore.D(); b > 0 && b < lifetime {
		return b
	}
	return lifetime / 3
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// lifetime reads expires_in: seconds, as a number or a string.
func lifetime(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || f > 1e9 {
		return 0, fmt.Errorf("expires_in %q is not a number of seconds", v)
	}
	return time.Duration(f * float64(time.Second)), nil
}
