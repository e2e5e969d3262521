// Package coord is how the shards of one run learn of a stop: the fault
// owner (shard 0) serves a tiny HTTP endpoint, every other shard polls it
// once a second, posts its own stop conditions to it and says when it is
// done. The polls also measure each shard's clock against the owner's.
//
//	shard 1 ──GET /state (1/s)──▶ ┌────────────┐
//	shard 1 ──POST /stop────────▶ │  shard 0   │ stopped? reason, by whom,
//	shard 2 ──POST /done────────▶ │ coordinator│ shards done, owner's clock
//	shard 2 ──PUT /results/2────▶ │            │ (Collect: run directories)
//	                              └────────────┘
//	every request: Authorization: Bearer <the run's token>
//
// A stop anywhere reaches every shard within a poll (one second) plus one
// round trip. When the endpoint is authquake swarm's, it also collects the
// shards' run directories (Collect, Client.Upload): a tar.gz streamed per
// shard, so that no node needs a filesystem the others share.
//
// The endpoint answers only who holds the run's token (a random one per
// run, made by its owner: NewToken), checks every shard number against the
// run's N, reads at most MaxBody of a request and uploads within a budget
// of the whole run (Budget), and drops a client that is slow to send. It
// binds 127.0.0.1 unless the run allows remote addresses (a Swarm overlay
// network, a Kubernetes pod network), and every client dials through the
// egress guard.
package coord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// State is what the coordinator answers to GET /state.
type State struct {
	Stopped bool   `json:"stopped"`
	Reason  string `json:"reason,omitempty"`
	// By is the shard whose stop condition fired.
	By int `json:"by"`
	// Done lists the shards that have finished sending.
	Done []int `json:"done"`
	// NowUnixNano is the owner's clock when it answered.
	NowUnixNano int64 `json:"now_unix_nano"`
	// Target is the client link of the target the owner started for the
	// shards to share (SetTarget), once it is up.
	Target string `json:"target,omitempty"`
}

// Config is what a coordinator must know of its run.
type Config struct {
	// Token is the run's secret (NewToken): every request must carry it.
	Token string
	// Shards is the run's N: shard numbers are 0 to N-1.
	Shards int
	// OnStop is called once, when a shard posts a stop.
	OnStop func(reason string, by int)
}

// Server is the fault owner's endpoint.
type Server struct {
	cfg    Config
	mu     sync.Mutex
	state  State
	done   map[int]bool
	joined map[int]bool
	srv    *http.Server
	ln     net.Listener
	change chan struct{}

	collect *collector // nil: uploads refused (Collect)
	refs    []byte     // the owner's captured account ids, JSON (SetRefs)
}

// Server timeouts: the headers must come within readHeaderTimeout, and the
// whole request, an upload included, within readTimeout (a shard's final
// upload has UploadTimeout); an idle keep-alive connection is closed after
// idleTimeout. Variables for tests.
var (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = UploadTimeout + time.Minute
	idleTimeout       = 2 * time.Minute
)

// Serve listens on addr (host:port) and serves until Close.
func Serve(addr string, c Config) (*Server, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listen %s: %w", addr, err)
	}
	return ServeOn(ln, c)
}

func (c Config) check() error {
	if err := CheckToken(c.Token); err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	if c.Shards < 1 {
		return fmt.Errorf("coordinator: a run of %d shards", c.Shards)
	}
	return nil
}

// ServeOn serves on ln, a listener taken earlier (a shard 0 holds its port
// before it starts the target, whose containers publish ports too), until
// Close, which closes ln.
func ServeOn(ln net.Listener, c Config) (*Server, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	s := &Server{cfg: c, done: map[int]bool{}, joined: map[int]bool{}, ln: ln, change: make(chan struct{}, 1)}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: readTimeout + time.Minute, IdleTimeout: idleTimeout, MaxHeaderBytes: 16 << 10}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Join registers a shard; it reports false when that shard had already
// joined (an engine's replacement of a lost task must not run it twice).
func (s *Server) Join(shard int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.joined[shard] {
		return false
	}
	s.joined[shard] = true
	return true
}

// Stop records a stop; it reports whether this call was the first.
func (s *Server) Stop(reason string, by int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Stopped {
		return false
	}
	s.state.Stopped, s.state.Reason, s.state.By = true, reason, by
	return true
}

// SetTarget publishes the client link of the target the owner started,
// for the other shards (Client.WaitTarget): only to requests with the
// run's token, as every route.
func (s *Server) SetTarget(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Target = url
}

// markDone records that a shard has finished sending.
func (s *Server) markDone(shard int) {
	s.mu.Lock()
	s.done[shard] = true
	s.mu.Unlock()
	select {
	case s.change <- struct{}{}:
	default:
	}
}

// State returns the current state (without the clock).
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.Done = make([]int, 0, len(s.done))
	for k := range s.done {
		st.Done = append(st.Done, k)
	}
	sort.Ints(st.Done)
	return st
}

// WaitDone waits until n shards have said they are done, or ctx ends; it
// returns how many did.
func (s *Server) WaitDone(ctx context.Context, n int) int {
	for {
		got := len(s.State().Done)
		if got >= n {
			return got
		}
		select {
		case <-ctx.Done():
			return got
		case <-s.change:
		case <-time.After(time.Second):
		}
	}
}

// Close stops serving.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
