package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestDecided: a decision due while no defer switch is on is made when due;
// one due while any is on waits for the last of them to go off; one due
// while a switch is still on is not made yet.
func TestDecided(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	flips := []Flip{
		{Name: "a", Mode: Defer, On: true, At: at(2)},
		{Name: "x", Mode: Fail, On: true, At: at(2.5)},
		{Name: "b", Mode: Defer, On: true, At: at(3)},
		{Name: "a", Mode: Defer, On: false, At: at(4)},
		{Name: "b", Mode: Defer, On: false, At: at(5)},
		{Name: "c", Mode: Defer, On: true, At: at(8)},
	}
	for _, c := range []struct {
		due, want float64
		made      bool
	}{
		{1, 1, true},   // before any defer
		{2, 5, true},   // on at the instant it is due: held until both are off
		{3.5, 5, true}, // a and b on
		{4.5, 5, true}, // b alone
		{5, 5, true},   // released that instant
		{6, 6, true},   // between
		{9, 9, false},  // c never went off
	} {
		got, made := decided(at(c.due), flips)
		if made != c.made || made && !got.Equal(at(c.want)) {
			t.Errorf("due %gs: decided %v (made %v), want %gs (made %v)", c.due, got.Sub(t0).Seconds(), made, c.want, c.made)
		}
	}
}

// TestAsync: an asynchronous truth service answers 202 pending with an id,
// tells pending until the decision is due, then approved; a defer switch
// holds the decision until it goes off.
func TestAsync(t *testing.T) {
	s := New(time.Millisecond)
	s.Decide = 150 * time.Millisecond
	srv := httptest.NewServer(s)
	defer srv.Close()
	pay := func() string {
		resp, err := http.Post(srv.URL+"/pay", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b struct{ Status, ID string }
		json.NewDecoder(resp.Body).Decode(&b)
		if resp.StatusCode != http.StatusAccepted || b.Status != "pending" || b.ID == "" {
			t.Fatalf("pay: %d %+v, want 202 pending with an id", resp.StatusCode, b)
		}
		return b.ID
	}
	state := func(id string) string {
		resp, err := http.Get(srv.URL + "/payments/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b struct{ Status string }
		json.NewDecoder(resp.Body).Decode(&b)
		return b.Status
	}
	id := pay()
	if got := state(id); got != "pending" {
		t.Errorf("at once: %s, want pending", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for state(id) != "approved" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := state(id); got != "approved" {
		t.Errorf("after Decide: %s, want approved", got)
	}
	post(t, srv.URL+"/switch/q/on?mode=defer")
	held := pay()
	time.Sleep(300 * time.Millisecond) // past its due time: still held
	if got := state(held); got != "pending" {
		t.Errorf("held by defer: %s, want pending", got)
	}
	post(t, srv.URL+"/switch/q/off")
	if got := state(held); got != "approved" {
		t.Errorf("after the defer went off: %s, want approved", got)
	}
	if got := state("p999"); got != "unknown" {
		t.Errorf("unknown id: %s", got)
	}
}

// TestDrain: with Drain one worker makes the decisions in order, no sooner
// than 1/Drain apart: a backlog a defer switch held drains at that rate
// after it goes off, and a decision due later waits its turn behind it.
// Decisions already made are kept as made, whatever flips come after.
func TestDrain(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	now := at(0)
	s := &Server{Drain: 10, now: func() time.Time { return now }}
	for _, d := range []float64{1, 1.5, 2, 2.05, 2.1, 3, 5} {
		s.due = append(s.due, at(d))
	}
	s.flips = []Flip{{Name: "q", Mode: Defer, On: true, At: at(1.8)}, {Name: "q", Mode: Defer, On: false, At: at(2.5)}}
	now = at(10)
	for n, want := range []float64{1, 1.5, 2.5, 2.6, 2.7, 3, 5} {
		got, ok := s.decision(n)
		if !ok || !got.Equal(at(want)) {
			t.Errorf("decision %d: %v s (made %v), want %g s", n, got.Sub(t0).Seconds(), ok, want)
		}
	}
	s.flips = append(s.flips, Flip{Name: "r", Mode: Defer, On: true, At: at(11)})
	s.due = append(s.due, at(12))
	if got, ok := s.decision(2); !ok || !got.Equal(at(2.5)) {
		t.Errorf("decision 2 after a later flip: %v, want kept at 2.5 s", got.Sub(t0).Seconds())
	}
	if _, ok := s.decision(7); ok {
		t.Error("a decision due while a defer switch is on was made")
	}
}
