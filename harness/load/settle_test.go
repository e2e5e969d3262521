package load

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// queued answers every payment 202 with an id of its own, and tells its
// state only when asked (the test plays the webhook sender).
type queued struct {
	mu  sync.Mutex
	ids map[string]string // idempotency key -> id
}

func (q *queued) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	id := fmt.Sprintf("pay_%d", len(q.ids))
	q.ids[r.Header.Get("Idempotency-Key")] = id
	q.mu.Unlock()
	w.WriteHeader(202)
	fmt.Fprintf(w, `{"id":%q,"status":"QUEUED"}`, id)
}

// TestSettlementMatchesNotifications: notifications matched by the
// service's id, including one that came before its payment's answer;
// intermediate, duplicate and unknown ones; pending answers keep their id.
func TestSettlementMatchesNotifications(t *testing.T) {
	q := &queued{ids: map[string]string{}}
	srv := httptest.NewServer(q)
	defer srv.Close()
	s := scenarioOf(t, `name: t
traffic: {phases: [{duration: 200ms, shape: constant, rate: 50/s}]}
target:
  response: {rules: [{status: 202, outcome: pending}]}
  webhooks: {key: data.id, match: id, status: data.state, rules: [{equals: DONE, outcome: approved}, {in: [NO, REFUSED], outcome: declined}]}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	st := atk.Settlement()
	early := []byte(`{"data":{"id":"pay_0","state":"DONE"}}`) // before any answer: held until pay_0 is answered
	st.Notify(early, time.Now())
	atk.Run()
	q.mu.Lock()
	ids := q.ids
	q.mu.Unlock()
	now := time.Now()
	for key, id := range ids {
		if id == "pay_0" {
			continue
		}
		st.Notify([]byte(`{"data":{"id":"`+id+`","state":"WORKING"}}`), now) // intermediate
		st.Notify([]byte(`{"data":{"id":"`+id+`","state":"DONE"}}`), now)
		if key[len(key)-1] == '3' {
			st.Notify([]byte(`{"data":{"id":"`+id+`","state":"DONE"}}`), now) // told twice
		}
	}
	st.Notify([]byte(`{"data":{"id":"pay_999","state":"DONE"}}`), now)
	st.Notify([]byte(`not json`), now)
	stats := st.Stats()
	if n := int64(len(ids)); stats.Matched != 2*n-1+int64(twice(ids)) || stats.Unknown != 1 || stats.Unreadable != 1 {
		t.Errorf("stats %+v for %d payments, %d told twice", stats, n, twice(ids))
	}
	finals, pendingIDs := map[uint64]int{}, 0
	for _, a := range sink.as {
		switch {
		case a.Call == record.Notify && a.Outcome == record.Approved:
			finals[a.Seq]++
		case a.Call == "" || a.Call == record.Authorize:
			if a.AuthID != "" {
				pendingIDs++
			}
		}
	}
	if len(finals) != len(ids) || pendingIDs != len(ids) {
		t.Errorf("%d payments told approved, %d pending answers with their id; want %d and %d", len(finals), pendingIDs, len(ids), len(ids))
	}
	st.Wait(t.Context()) // every payment final: returns at once
}

func twice(ids map[string]string) int {
	n := 0
	for key, id := range ids {
		if id != "pay_0" && key[len(key)-1] == '3' {
			n++
		}
	}
	return n
}

// atOnce approves every other payment at once (201 with its id) and
// queues the others (202), as a service that answers what it can decide
// synchronously and notifies of everything.
type atOnce struct {
	mu  sync.Mutex
	ids []string // in the order answered
	at  map[string]bool
}

func (q *atOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	n := len(q.ids)
	id := fmt.Sprintf("pay_%d", n)
	q.ids = append(q.ids, id)
	q.at[id] = n%2 == 0
	q.mu.Unlock()
	if n%2 == 0 {
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"id":%q,"status":"DONE"}`, id)
		return
	}
	w.WriteHeader(202)
	fmt.Fprintf(w, `{"id":%q,"status":"QUEUED"}`, id)
}

// TestNotificationOfAPaymentApprovedAtOnceIsMatched: with match: id, a
// notification naming a payment whose answer was already final (approved
// at once, its id in the answer) is matched to it and recorded, even one
// that came before the answer; only an id no answer gave is unknown.
func TestNotificationOfAPaymentApprovedAtOnceIsMatched(t *testing.T) {
	q := &atOnce{at: map[string]bool{}}
	srv := httptest.NewServer(q)
	defer srv.Close()
	s := scenarioOf(t, `name: t
traffic: {phases: [{duration: 200ms, shape: constant, rate: 50/s}]}
target:
  response: {auth_id: id, rules: [{status: 202, outcome: pending}, {status: 201, outcome: approved}]}
  webhooks: {key: data.id, match: id, status: data.state, rules: [{equals: DONE, outcome: approved}]}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	st := atk.Settlement()
	st.Notify([]byte(`{"data":{"id":"pay_0","state":"DONE"}}`), time.Now()) // before pay_0's answer (approved at once)
	atk.Run()
	q.mu.Lock()
	ids := q.ids
	q.mu.Unlock()
	for _, id := range ids[1:] {
		st.Notify([]byte(`{"data":{"id":"`+id+`","state":"DONE"}}`), time.Now())
	}
	st.Notify([]byte(`{"data":{"id":"pay_999","state":"DONE"}}`), time.Now())
	stats := st.Stats()
	if stats.Matched != int64(len(ids)) || stats.Unknown != 1 {
		t.Errorf("matched %d of %d notifications, %d unknown; want all matched and 1 unknown (pay_999)", stats.Matched, len(ids), stats.Unknown)
	}
	notified, withID := map[uint64]bool{}, 0
	for _, a := range sink.as {
		if a.Call == record.Notify {
			notified[a.Seq] = a.AuthID != ""
		} else if a.Outcome == record.Approved && a.AuthID != "" {
			withID++
		}
	}
	if len(notified) != len(ids) || withID != (len(ids)+1)/2 {
		t.Errorf("%d payments notified, %d approvals with their id; want %d and %d", len(notified), withID, len(ids), (len(ids)+1)/2)
	}
	st.Wait(t.Context())
}
