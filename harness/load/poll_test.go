package load

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/authquake/authquake/harness/record"
)

// listing queues every payment (202 with its id) and answers its status
// as a search does, a JSON list: empty for the first two polls of each
// payment (the worker has not written it yet), then the one entry, whose
// state is REFUSED for every third payment.
type listing struct {
	mu    sync.Mutex
	n     int
	polls map[string]int
}

func (l *listing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Method == http.MethodPost {
		w.WriteHeader(202)
		fmt.Fprintf(w, `{"id":"p_%d","status":"QUEUED"}`, l.n)
		l.n++
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/p/")
	l.polls[id]++
	var n int
	fmt.Sscanf(id, "p_%d", &n)
	switch {
	case l.polls[id] <= 2:
		fmt.Fprint(w, `[]`)
	case n%3 == 0:
		fmt.Fprint(w, `[{"status":"REFUSED"}]`)
	default:
		fmt.Fprint(w, `[{"status":"DONE"}]`)
	}
}

// TestPollWithoutAStateIsNotFinal: a 200 whose body has no state at
// target.status.status (an empty search result) tells nothing: the payment
// is still pending and polled again. It was classified by the payment's
// response rules, where a 200 is an approval, and so taken as approved
// (Blnk: 22 payments it rejected read as lost approvals).
func TestPollWithoutAStateIsNotFinal(t *testing.T) {
	l := &listing{polls: map[string]int{}}
	srv := httptest.NewServer(l)
	defer srv.Close()
	s := scenarioOf(t, `name: t
traffic: {phases: [{duration: 200ms, shape: constant, rate: 50/s}]}
target:
  response: {auth_id: id, rules: [{status: 202, outcome: pending}]}
  status: {path: '/p/{{.AuthID}}', every: 20ms, status: 0.status, rules: [{equals: DONE, outcome: approved}, {equals: REFUSED, outcome: declined}]}
  settle: 5s
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	atk.Settlement().Wait(t.Context())
	finals, early := map[uint64]record.Outcome{}, 0
	for _, a := range sink.as {
		if a.Call != record.Status {
			continue
		}
		if a.Attempt <= 2 && (a.Outcome != record.Pending || a.Final) {
			early++
		}
		if a.Final {
			finals[a.Seq] = a.Outcome
		}
	}
	if early > 0 {
		t.Errorf("%d polls answered an empty list were taken as a state", early)
	}
	declined := 0
	for _, o := range finals {
		if o == record.Declined {
			declined++
		} else if o != record.Approved {
			t.Errorf("final state %s", o)
		}
	}
	if len(finals) != l.n || declined != (l.n+2)/3 {
		t.Errorf("%d payments final, %d declined; want %d and %d", len(finals), declined, l.n, (l.n+2)/3)
	}
}
