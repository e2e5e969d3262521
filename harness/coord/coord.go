// Package coord is how the shards of one run learn of a stop: the fault
// owner (shard 0) serves a tiny HTTP endpoint, every other shard polls it
// once a second, posts its own stop conditions to it and says when it is
// done. The polls also measure each shard's clock against the owner's.
//
//	shard 1 ──GET /state (1/s)──▶ ┌────────────┐
//	shard 1 ──POST /stop────────▶ │  shard 0   │ stopped? reason, by whom,
//	shard 2 ──POST /done────────▶ │ coordinator│ shards done, owner's clock
//	shard 2 ──PUT /results/NAME─▶ │            │ (Collect: run directories)
//	                              └────────────┘
//
// A stop anywhere reaches every shard within a poll (one second) plus one
// round trip. When the endpoint is authquake swarm's, it also collects the
// shards' run directories (Collect, Client.Upload): a tar.gz streamed per
// shard, so that no node needs a filesystem the others share. The endpoint binds 127.0.0.1 unless the run allows remote
// addresses (a Swarm overlay network, a Kubernetes pod network), and every
// client dials through the egress guard.
package coord

import (
	"context"
	"encoding/json"
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
}

// Server is the fault owner's endpoint.
type Server struct {
	mu     sync.Mutex
	state  State
	done   map[int]bool
	joined map[int]bool
	onStop func(reason string, by int)
	srv    *http.Server
	ln     net.Listener
	change chan struct{}

	collect   string     // where uploads go (Collect); "" refuses them
	maxUpload int64      // bytes per upload
	uploadMu  sync.Mutex // serialises replacing a shard's directory
}

// Serve listens on addr (host:port) and serves until Close. onStop is called
// once, when another shard posts a stop.
func Serve(addr string, onStop func(reason string, by int)) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listen %s: %w", addr, err)
	}
	s := &Server{done: map[int]bool{}, joined: map[int]bool{}, onStop: onStop, ln: ln, change: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		st := s.State()
		st.NowUnixNano = time.Now().UnixNano()
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /stop", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Reason string `json:"reason"`
			Shard  int    `json:"shard"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if s.Stop(m.Reason, m.Shard) && s.onStop != nil {
			s.onStop(m.Reason, m.Shard)
		}
	})
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Shard int `json:"shard"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !s.Join(m.Shard) {
			http.Error(w, fmt.Sprintf("shard %d has already joined this run", m.Shard), http.StatusConflict)
		}
	})
	mux.HandleFunc("POST /done", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Shard int `json:"shard"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.done[m.Shard] = true
		s.mu.Unlock()
		select {
		case s.change <- struct{}{}:
		default:
		}
	})
	mux.HandleFunc("PUT /results/{name}", s.putResults)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
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
