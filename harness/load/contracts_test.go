package load

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/authquake/authquake/harness/record"
)

// committer captures an authorisation at its first capture call but loses
// the answer (503), so the client retries and hears 409 "already captured";
// its authorisations answer approvals with a status word the capture
// answers do not use.
type committer struct {
	mu       sync.Mutex
	captured map[string]int
}

func (c *committer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/authorizations" {
		w.WriteHeader(201)
		w.Write([]byte(`{"id":"auth-` + r.Header.Get("Idempotency-Key") + `","status":"approved"}`))
		return
	}
	id := strings.Split(r.URL.Path, "/")[3]
	c.mu.Lock()
	c.captured[id]++
	n := c.captured[id]
	c.mu.Unlock()
	switch n {
	case 1:
		w.WriteHeader(503) // committed, answer lost
	default:
		w.WriteHeader(409)
		w.Write([]byte(`{"status":"FAILED","code":"already_captured"}`))
	}
}

// TestFollowUpContract: a capture classified by its own rules and
// duplicate contract: the retry's 409 "already captured" is a duplicate, and
// done; under the authorisation's rules it would have been rejected.
func TestFollowUpContract(t *testing.T) {
	srv := httptest.NewServer(&committer{captured: map[string]int{}})
	defer srv.Close()
	s := scenarioOf(t, `name: t
traffic: {phases: [{duration: 1s, shape: constant, rate: 20/s}]}
requests:
  client: {retries: {max_attempts: 2, backoff: 10ms, on: ["503"]}}
  flow: {capture: {share: 1, after: 50ms}}
target:
  response:
    auth_id: id
    rules: [{status: 201, json: {path: status, equals: approved}, outcome: approved}]
  capture:
    response:
      duplicate_key: reject
      rules:
        - {status: 200, outcome: approved}
        - {status: 409, json: {path: code, equals: already_captured}, outcome: duplicate}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	done, captures := 0, 0
	for _, a := range sink.as {
		if a.Call != record.Capture || !a.Final {
			continue
		}
		captures++
		if a.Outcome != record.Duplicate || a.Attempt != 2 || a.Code != "already_captured" {
			t.Errorf("capture of %d: %s at attempt %d (code %q), want duplicate at attempt 2", a.Seq, a.Outcome, a.Attempt, a.Code)
		}
		if a.Done() {
			done++
		}
	}
	if captures != 20 || done != 20 {
		t.Errorf("%d captures, %d done; want 20 and 20", captures, done)
	}
}
