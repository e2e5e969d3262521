package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveState answers GET /payments/ID of an asynchronous service: pending
// until the payment's decision is made, then approved.
func (s *Server) serveState(w http.ResponseWriter, id string) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "p"))
	s.mu.Lock()
	if err != nil || n < 0 || n >= len(s.due) {
		s.mu.Unlock()
		http.Error(w, `{"status":"unknown"}`, http.StatusNotFound)
		return
	}
	at, made := s.decision(n)
	s.mu.Unlock()
	state := "pending"
	if made && !s.now().Before(at) {
		state = "approved"
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":%q,"id":"p%d"}`, state, n)
}

// decision is when decision n is made, and false while that is not known
// yet (a defer switch holds it or one before it). With Drain, the worker
// makes it no sooner than the one before plus 1/Drain; the decisions made
// by now are kept, since no later flip changes them. s.mu is held.
func (s *Server) decision(n int) (time.Time, bool) {
	if s.Drain <= 0 {
		return decided(s.due[n], s.flips)
	}
	if n < len(s.made) {
		return s.made[n], true
	}
	gap := time.Duration(float64(time.Second) / s.Drain)
	now, prev := s.now(), time.Time{}
	if len(s.made) > 0 {
		prev = s.made[len(s.made)-1]
	}
	for i := len(s.made); i <= n; i++ {
		at, ok := decided(s.due[i], s.flips)
		if !ok {
			return time.Time{}, false
		}
		if i > 0 {
			at = later(at, prev.Add(gap))
		}
		if prev = at; i == len(s.made) && !at.After(now) {
			s.made = append(s.made, at)
		}
	}
	return prev, true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// DecidedAt is when a decision due at due is made, by the switches as they
// flipped so far: at due, or, when a defer switch is on at that instant,
// when no defer switch is on any more; false while one still is.
func (s *Server) DecidedAt(due time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return decided(due, s.flips)
}

// decided replays the flips: the decision is made at the first instant at
// or after due when no defer switch is on.
func decided(due time.Time, flips []Flip) (time.Time, bool) {
	on := map[string]bool{}
	at := due
	for _, f := range flips {
		if f.At.After(at) && len(on) == 0 {
			break // nothing holds the decision when it is due
		}
		if f.Mode != Defer {
			continue
		}
		if f.On {
			on[f.Name] = true
			continue
		}
		delete(on, f.Name)
		if len(on) == 0 && f.At.After(at) {
			at = f.At // released
			break
		}
	}
	return at, len(on) == 0
}
