package load

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/traffic"
)

// flowService authorises with an id (auth-KEY), captures and voids by id,
// reverses by idempotency key, and answers every authorisation whose
// account ends in 3 too slowly for the client (a timeout, so a reversal).
type flowService struct {
	mu    sync.Mutex
	calls map[string][]string // capture, void, reverse: ids or keys, in arrival order
	slow  time.Duration
}

func (f *flowService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AccountID   string `json:"account_id"`
		AmountMinor int64  `json:"amount_minor"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	key := r.Header.Get("Idempotency-Key")
	add := func(call, what string) {
		f.mu.Lock()
		f.calls[call] = append(f.calls[call], what)
		f.mu.Unlock()
	}
	switch {
	case r.URL.Path == "/v1/authorizations":
		if strings.HasSuffix(body.AccountID, "3") {
			select {
			case <-time.After(f.slow):
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(201)
		w.Write([]byte(`{"data":{"id":"auth-` + key + `","status":"approved"}}`))
	case strings.HasSuffix(r.URL.Path, "/capture"):
		add("capture", strings.Split(r.URL.Path, "/")[3]+" "+itoa(body.AmountMinor))
	case strings.HasSuffix(r.URL.Path, "/void"):
		add("void", strings.Split(r.URL.Path, "/")[3])
	case r.URL.Path == "/v1/reversals":
		add("reverse", key)
	default:
		w.WriteHeader(404)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

const flowScenario = `name: t
traffic: {phases: [{duration: 1s, shape: constant, rate: 40/s}]}
accounts: {count: 50}
requests:
  client: {timeout: 500ms} # well above a busy machine's answers, well below the slow ones (1 s)
  flow:
    capture: {share: 0.5, after: 300ms}
    void: {share: 0.3, after: 200ms}
    reverse_on_no_answer: {after: 400ms}
target:
  reverse: {path: /v1/reversals, body: '{"idempotency_key":"{{.IdempotencyKey}}"}'}
  response: {auth_id: data.id}
`

// expectedCalls is what the seed says each payment's flow does: a capture
// (with its amount) or a void for the approvals the draw picks, a reversal
// for every payment the service answers too slowly.
func expectedCalls(t *testing.T, seed uint64, n uint64) map[string][]string {
	s := scenarioOf(t, flowScenario)
	st := traffic.NewStream(s, seed)
	want := map[string][]string{}
	for seq := range n {
		p := st.Payment(seq)
		u := draw(seed, seq)
		switch {
		case strings.HasSuffix(p.AccountID, "3"):
			want["reverse"] = append(want["reverse"], p.IdempotencyKey)
		case u < 0.5:
			want["capture"] = append(want["capture"], "auth-"+p.IdempotencyKey+" "+itoa(p.AmountMinor))
		case u < 0.8:
			want["void"] = append(want["void"], "auth-"+p.IdempotencyKey)
		}
	}
	return want
}

func sortedCalls(m map[string][]string) map[string][]string {
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}

// TestFlowCallsFromTheSeed: the captures, voids and reversals the service
// receives are exactly those the seed says, twice over, each scheduled at its
// payment's time plus its delay and sent no earlier.
func TestFlowCallsFromTheSeed(t *testing.T) {
	const seed = 5
	want := sortedCalls(expectedCalls(t, seed, 40))
	if len(want["capture"]) < 5 || len(want["void"]) < 3 || len(want["reverse"]) < 1 {
		t.Fatalf("the seed exercises too little: %v", want)
	}
	for run := range 2 {
		svc := &flowService{calls: map[string][]string{}, slow: time.Second}
		srv := httptest.NewServer(svc)
		sink := &memSink{}
		atk, err := New(Options{Scenario: scenarioOf(t, flowScenario), Seed: seed, Base: srv.URL, Sinks: []Sink{sink}})
		if err != nil {
			t.Fatal(err)
		}
		res := atk.Run()
		srv.Close()
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if got := sortedCalls(svc.calls); !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: service got %v\nwant %v", run, got, want)
		}
		auth := map[uint64]record.Attempt{}
		for _, a := range sink.as {
			if !a.FollowUp() {
				auth[a.Seq] = a
			}
		}
		after := map[record.Call]time.Duration{record.Capture: 300 * time.Millisecond, record.Void: 200 * time.Millisecond,
			record.Reverse: 400 * time.Millisecond}
		followUps := 0
		for _, a := range sink.as {
			if !a.FollowUp() {
				continue
			}
			followUps++
			p := auth[a.Seq]
			switch {
			case a.Outcome != record.Approved || !a.Final:
				t.Errorf("%s of %d: %s final %v", a.Call, a.Seq, a.Outcome, a.Final)
			case a.Scheduled != p.Scheduled+after[a.Call]:
				t.Errorf("%s of %d scheduled at %s, payment at %s", a.Call, a.Seq, a.Scheduled, p.Scheduled)
			case a.Sent < a.Scheduled || a.Sent < p.End() && a.Call != record.Reverse:
				t.Errorf("%s of %d sent at %s: before %s or before its authorisation's answer at %s", a.Call, a.Seq, a.Sent, a.Scheduled, p.End())
			case a.Sent-a.Scheduled > 2*time.Second:
				t.Errorf("%s of %d sent %s late", a.Call, a.Seq, a.Sent-a.Scheduled)
			case a.Call != record.Reverse && a.AuthID != "auth-"+a.Key:
				t.Errorf("%s of %d for auth id %q", a.Call, a.Seq, a.AuthID)
			}
		}
		if n := len(want["capture"]) + len(want["void"]) + len(want["reverse"]); followUps != n {
			t.Errorf("%d follow-ups recorded, %d sent", followUps, n)
		}
	}
}

// TestStopCancelsPendingFollowUps: Stop sends no follow-up that is not yet
// due, records each as not_sent, and leaves no flow goroutine or timer behind.
func TestStopCancelsPendingFollowUps(t *testing.T) {
	svc := &flowService{calls: map[string][]string{}, slow: 0}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	s := scenarioOf(t, strings.Replace(flowScenario, "after: 300ms", "after: 1h", 1))
	s.Requests.Flow.Void, s.Requests.Flow.ReverseOnNoAnswer = nil, nil
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 5, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Result)
	go func() { done <- atk.Run() }()
	for { // every payment answered: the captures are scheduled, an hour away
		sink.mu.Lock()
		n := 0
		for _, a := range sink.as {
			if !a.FollowUp() {
				n++
			}
		}
		sink.mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("Run returned with captures still due")
	case <-time.After(50 * time.Millisecond):
	}
	atk.Stop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Stop")
	}
	notSent := 0
	for _, a := range sink.as {
		if a.Call == record.Capture {
			if a.Outcome != record.NotSent || a.Error == "" {
				t.Errorf("capture of %d: %s %q", a.Seq, a.Outcome, a.Error)
			}
			notSent++
		}
	}
	want := 0 // every payment is approved here (those ending in 3 without an id): the draw alone picks
	for seq := range uint64(40) {
		if draw(5, seq) < 0.5 {
			want++
		}
	}
	if notSent != want {
		t.Errorf("%d captures recorded as not sent, want %d", notSent, want)
	}
	if len(svc.calls["capture"]) > 0 {
		t.Errorf("captures sent after Stop: %v", svc.calls["capture"])
	}
	if n := len(atk.sender.flows.pending); n > 0 {
		t.Errorf("%d timers left pending", n)
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "(*flows)") {
		t.Errorf("a flow goroutine is left:\n%s", stacks)
	}
}
