package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestGuardShedsOnQueueWait: with every worker busy, a request waits for
// one at most QueueWait and is then shed with 503 overloaded; a request that
// finds a worker within the wait is served.
func TestGuardShedsOnQueueWait(t *testing.T) {
	s := New(Config{MaxInFlight: 10, Workers: 1, QueueWait: 50 * time.Millisecond, Deadline: time.Minute}, nil)
	release, entered := make(chan struct{}), make(chan struct{}, 10)
	h := s.guard("test", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path == "/block" {
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	})
	serve := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", path, nil))
		return rec
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- serve("/block") }()
	<-entered // the only worker is busy

	shed := serve("/next")
	if shed.Code != http.StatusServiceUnavailable || !strings.Contains(shed.Body.String(), `"overloaded"`) || shed.Header().Get("Retry-After") == "" {
		t.Errorf("with the worker busy: %d %s %v, want 503 overloaded with Retry-After", shed.Code, shed.Body, shed.Header())
	}

	// A request that waits while the worker frees is served.
	waiting := make(chan *httptest.ResponseRecorder)
	s.cfg.QueueWait = time.Minute
	go func() { waiting <- serve("/next") }()
	close(release)
	if rec := <-done; rec.Code != http.StatusNoContent {
		t.Errorf("the first request: %d", rec.Code)
	}
	if rec := <-waiting; rec.Code != http.StatusNoContent {
		t.Errorf("a request waiting while the worker freed: %d %s", rec.Code, rec.Body)
	}
}

// TestGuardWorkersDefault: no Workers means MaxInFlight of them.
func TestGuardWorkersDefault(t *testing.T) {
	if s := New(Config{MaxInFlight: 7}, nil); cap(s.workers) != 7 {
		t.Errorf("%d workers, want MaxInFlight (7)", cap(s.workers))
	}
}
