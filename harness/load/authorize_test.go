package load

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// expiring holds a token until a time, then none.
type expiring struct {
	until   time.Time
	missing atomic.Int64
}

func (e *expiring) Name() string { return "Authorization" }
func (e *expiring) Header(now time.Time) ([]byte, bool) {
	return []byte("Bearer t0ken"), now.Before(e.until)
}
func (e *expiring) Missing() string { e.missing.Add(1); return "auth: no valid token" }

// TestNoTokenNoRequest: while the harness holds a valid token every request
// carries it; once it has none, attempts are recorded as not sent, never
// sent to draw 401s that would count as rejected payments.
func TestNoTokenNoRequest(t *testing.T) {
	var got, bare atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			bare.Add(1)
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(201)
	}))
	defer srv.Close()
	s := scenarioOf(t, "name: t\ntraffic: {phases: [{duration: 2s, shape: constant, rate: 50/s}]}\n")
	sink := &memSink{}
	auth := &expiring{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	auth.until = time.Now().Add(time.Second) // about half the run
	atk.Run()
	counts := map[record.Outcome]int{}
	for _, a := range sink.as {
		counts[a.Outcome]++
		if a.Outcome == record.NotSent && a.Error != "auth: no valid token" {
			t.Errorf("not sent without its reason: %+v", a)
		}
	}
	if counts[record.Approved] < 20 || counts[record.NotSent] < 20 || counts[record.Rejected] != 0 || bare.Load() != 0 {
		t.Errorf("outcomes %v, %d requests without the token: want approvals, then not sent, no 401", counts, bare.Load())
	}
	if int64(counts[record.NotSent]) != auth.missing.Load() || got.Load() != int64(counts[record.Approved]) {
		t.Errorf("%d not sent, %d counted missing; %d requests reached the service for %d approvals",
			counts[record.NotSent], auth.missing.Load(), got.Load(), counts[record.Approved])
	}
}
