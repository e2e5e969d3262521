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
