package server

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSwitches: each mode does what the package says to the answers due
// while it is on, and every flip is logged in order.
func TestSwitches(t *testing.T) {
	s := New(time.Millisecond)
	srv := httptest.NewServer(s)
	defer srv.Close()
	if got := post(t, srv.URL+"/pay"); got != http.StatusCreated {
		t.Fatalf("healthy: %d", got)
	}
	post(t, srv.URL+"/switch/a/on?mode=fail")
	if got := post(t, srv.URL+"/pay"); got != http.StatusServiceUnavailable {
		t.Errorf("fail: %d, want 503", got)
	}
	post(t, srv.URL+"/switch/a/off")
	post(t, srv.URL+"/switch/b/on?mode=partial&share=0.5")
	failed := 0
	for range 10 {
		if post(t, srv.URL+"/pay") == http.StatusServiceUnavailable {
			failed++
		}
	}
	if failed != 5 {
		t.Errorf("partial 0.5: %d of 10 failed, want 5", failed)
	}
	post(t, srv.URL+"/switch/b/off")
	post(t, srv.URL+"/switch/c/on?mode=slow&extra=300ms")
	start := time.Now()
	post(t, srv.URL+"/pay")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("slow: answered after %s, want at least 300ms", d)
	}
	post(t, srv.URL+"/switch/c/off")
	flips := s.Flips()
	if len(flips) != 6 || flips[0].Name != "a" || !flips[0].On || flips[1].On || flips[4].Mode != Slow {
		t.Errorf("flips %+v", flips)
	}
}

// TestStallHoldsUntilReleased: no answer leaves while a stall is on; the
// held ones leave when it goes off, judged by what is on then.
func TestStallHoldsUntilReleased(t *testing.T) {
	s := New(0)
	srv := httptest.NewServer(s)
	defer srv.Close()
	post(t, srv.URL+"/switch/db/on?mode=stall")
	var wg sync.WaitGroup
	codes := make(chan int, 3)
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- post(t, srv.URL+"/pay") }()
	}
	select {
	case c := <-codes:
		t.Fatalf("an answer (%d) left during the stall", c)
	case <-time.After(200 * time.Millisecond):
	}
	post(t, srv.URL+"/switch/x/on?mode=fail") // on when the stall releases them
	post(t, srv.URL+"/switch/db/off")
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusServiceUnavailable {
			t.Errorf("released into a fail: %d, want 503", c)
		}
	}
}

// TestBadSwitch: an unknown mode or share is refused, and nothing flips.
func TestBadSwitch(t *testing.T) {
	s := New(0)
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, u := range []string{"/switch/a/on?mode=melt", "/switch/a/on?mode=partial&share=2", "/switch/a/on?mode=slow&extra=x", "/switch/a/flip"} {
		if got := post(t, srv.URL+u); got != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", u, got)
		}
	}
	if len(s.Flips()) != 0 {
		t.Errorf("flips %+v", s.Flips())
	}
}

// TestOracle: the oracle's answers for each rule, by hand.
func TestOracle(t *testing.T) {
	never := func(int) uint64 { return 0 }
	for _, tt := range []struct {
		name   string
		arrive float64
		ws     []Window
		want   Answer
	}{
		// Due at 10.5, inside the fail window: failed at once.
		{"fail", 10, []Window{{Mode: Fail, On: 10.2, Off: 12}}, Answer{Fail: true, Latency: 0.5}},
		// Due at 9.7, before the window: untouched.
		{"before the window", 9.2, []Window{{Mode: Fail, On: 10, Off: 12}}, Answer{Latency: 0.5}},
		// Held from 10.5 until 12, then answered.
		{"stall", 10, []Window{{Mode: Stall, On: 10, Off: 12}}, Answer{Latency: 2}},
		// Held past the client's 3 s timeout.
		{"stall past the timeout", 10, []Window{{Mode: Stall, On: 10, Off: 20}}, Answer{Fail: true, TimedOut: true, Latency: 3}},
		// Released into a fail.
		{"stall into fail", 10, []Window{{Mode: Stall, On: 10, Off: 12}, {Mode: Fail, On: 11, Off: 13}}, Answer{Fail: true, Latency: 2}},
		// Slow: the extra on top of the base.
		{"slow", 10, []Window{{Mode: Slow, On: 10, Off: 12, Extra: 1}}, Answer{Latency: 1.5}},
	} {
		if got := Oracle(0.5, tt.arrive, 3, tt.ws, never); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
