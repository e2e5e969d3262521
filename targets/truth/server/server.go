// Package server is the truth service: an authorisation "service" whose
// behaviour and switch instants are known exactly, so that every number
// authquake reports about time can be checked against it.
//
// Every payment is answered Base after it arrives: that instant is when its
// answer is due. Named switches, turned on and off over HTTP, change the
// answers due while they are on:
//
//	fail     answered 503 at once
//	partial  one in every 1/share answered 503, the others as usual
//	slow     answered Extra later
//	stall    held until no stall is on, then judged again (no answer leaves)
//	defer    (asynchronous service) decisions due while it is on are made
//	         when it goes off; answers are not touched
//
// With Decide set the service is asynchronous, as queued ledgers are: a
// payment it would approve is answered 202 {"status":"pending","id":ID},
// and its decision, approved, is due Decide after its arrival (later if a
// defer switch is on then, and, with Drain, no sooner than the decision
// before it plus 1/Drain); GET /payments/ID tells its state.
//
// Several switches may be on at once: a stall holds first, then a fail or a
// partial decides, then a slow delays. Each switch records the instants it
// went on and off, on the service's own clock.
package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mode is what a switch does to the answers due while it is on.
type Mode string

// The modes.
const (
	Fail    Mode = "fail"
	Partial Mode = "partial"
	Slow    Mode = "slow"
	Stall   Mode = "stall"
	Defer   Mode = "defer"
)

// Flip is one switch going on or off.
type Flip struct {
	Name string
	Mode Mode
	On   bool
	At   time.Time
}

type sw struct {
	mode  Mode
	extra time.Duration
	share float64
	seen  uint64 // answers judged while on (partial)
}

// Server is the truth service. The zero value answers at once; set Base
// before serving.
type Server struct {
	// Base is how long after its arrival every answer is due.
	Base time.Duration
	// Decide, when set, makes the service asynchronous: each approval is
	// answered pending and decided this long after the payment's arrival.
	Decide time.Duration
	// Drain, when set with Decide, is how many decisions a second the
	// service makes: one worker takes them in the order the payments were
	// answered, so a backlog a defer switch held drains at this rate after
	// it goes off (0: all at once). A defer switch holds a decision due
	// while it is on; one that goes on while the backlog drains does not
	// pause the decisions due before it.
	Drain float64

	mu      sync.Mutex
	on      map[string]*sw
	flips   []Flip
	answers int           // answers written
	late    int           // of those, written more than Tolerance after their rules said
	changed chan struct{} // closed and replaced at every flip: held answers look again
	due     []time.Time   // asynchronous: when each pending payment's decision is due, by id
	made    []time.Time   // with Drain: the decisions made by now, a prefix of due
	now     func() time.Time
}

// Tolerance is how late an answer may leave, against its rules, before the
// service no longer counts as telling the truth: a starved machine fires
// timers late.
const Tolerance = 100 * time.Millisecond

// New returns a truth service answering base after each arrival.
func New(base time.Duration) *Server {
	return &Server{Base: base, on: map[string]*sw{}, changed: make(chan struct{}), now: time.Now}
}

// Fidelity says how many answers were written, and how many of them more
// than Tolerance after the instant the rules gave them: when more than a
// few were late, the machine did not let the service keep its rules, and
// what was measured against it is not measured against the truth.
func (s *Server) Fidelity() (answers, late int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers, s.late
}

// Flips returns every switch flip so far, in order.
func (s *Server) Flips() []Flip {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Flip(nil), s.flips...)
}

// ServeHTTP serves the switches under /switch/NAME/{on,off} and answers
// every other request as a payment.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/switch/"); ok {
		s.serveSwitch(w, r, rest)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/payments/"); ok && r.Method == http.MethodGet {
		s.serveState(w, id)
		return
	}
	io.Copy(io.Discard, r.Body)
	arrived := time.Now()
	due := arrived.Add(s.Base)
	select {
	case <-time.After(s.Base):
	case <-r.Context().Done():
		return
	}
	lag := time.Since(due)
	fail, extra, released := s.judge(r)
	if r.Context().Err() != nil {
		return
	}
	if !released.IsZero() {
		lag = max(lag, time.Since(released))
	}
	if extra > 0 {
		at := time.Now().Add(extra)
		select {
		case <-time.After(extra):
		case <-r.Context().Done():
			return
		}
		lag = max(lag, time.Since(at))
	}
	s.mu.Lock()
	s.answers++
	if lag > Tolerance {
		s.late++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fail {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","code":"96","reason":"switched to fail"}`))
		return
	}
	if s.Decide > 0 {
		s.mu.Lock()
		id := len(s.due)
		s.due = append(s.due, arrived.Add(s.Decide))
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"status":"pending","id":"p%d"}`, id)
		return
	}
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"status":"approved","code":"00"}`))
}

// judge decides an answer that is due now: held while a stall is on, then
// failed or delayed by what is on when it is released (released: when the
// last stall holding it went off).
func (s *Server) judge(r *http.Request) (fail bool, extra time.Duration, released time.Time) {
	for held := false; ; held = true {
		s.mu.Lock()
		stalled := false
		for _, x := range s.on {
			stalled = stalled || x.mode == Stall
		}
		if !stalled {
			if held {
				released = s.flips[len(s.flips)-1].At
			}
			break
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-r.Context().Done():
			return false, 0, time.Time{}
		}
	}
	defer s.mu.Unlock()
	for _, x := range s.on {
		switch x.mode {
		case Fail:
			fail = true
		case Partial:
			x.seen++
			fail = fail || uint64(float64(x.seen)*x.share) > uint64(float64(x.seen-1)*x.share)
		case Slow:
			extra = max(extra, x.extra)
		}
	}
	if fail {
		extra = 0
	}
	return fail, extra, released
}

// serveSwitch turns a switch on (POST /switch/NAME/on?mode=M&extra=D&share=F)
// or off (POST /switch/NAME/off).
func (s *Server) serveSwitch(w http.ResponseWriter, r *http.Request, rest string) {
	name, verb, _ := strings.Cut(rest, "/")
	q := r.URL.Query()
	x := &sw{mode: Mode(q.Get("mode"))}
	var err error
	switch {
	case name == "" || verb != "on" && verb != "off":
		err = fmt.Errorf("POST /switch/NAME/on?mode=... or /switch/NAME/off")
	case verb == "off":
	case x.mode == Slow:
		x.extra, err = time.ParseDuration(q.Get("extra"))
	case x.mode == Partial:
		x.share, err = strconv.ParseFloat(q.Get("share"), 64)
		if err == nil && !(x.share > 0 && x.share <= 1) {
			err = fmt.Errorf("share %g: from 0 to 1", x.share)
		}
	case x.mode != Fail && x.mode != Stall && x.mode != Defer:
		err = fmt.Errorf("mode %q: fail, partial, slow, stall or defer", x.mode)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f := Flip{Name: name, On: verb == "on", At: s.now()}
	if f.On {
		s.on[name], f.Mode = x, x.mode
	} else if old := s.on[name]; old != nil {
		delete(s.on, name)
		f.Mode = old.mode
	}
	s.flips = append(s.flips, f)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
