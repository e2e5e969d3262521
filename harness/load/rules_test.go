package load

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

func equals(v string) *string { return &v }

// TestClassifyRules: response rules by status and JSON values, first match
// wins, the status classification when none matches.
func TestClassifyRules(t *testing.T) {
	c := NewClassifier(scenario.ResponseRules{
		Rules: []scenario.ResponseRule{
			{Status: scenario.Statuses{200, 201}, JSON: &scenario.JSONMatch{Path: "status", Equals: equals("APPLIED")}, Outcome: "approved"},
			{JSON: &scenario.JSONMatch{Path: "data.status", In: []string{"REJECTED", "DECLINED"}}, Outcome: "declined"},
			{Status: scenario.Statuses{202}, Outcome: "pending"},
			{JSON: &scenario.JSONMatch{Path: "status", Equals: equals("QUEUED")}, Outcome: "pending"},
			{Status: scenario.Statuses{409}, Outcome: "duplicate"},
			{JSON: &scenario.JSONMatch{Path: "risk.score", Equals: equals("90")}, Outcome: "declined"},
			{JSON: &scenario.JSONMatch{Path: "fraud", Equals: equals("true")}, Outcome: "declined"},
			{JSON: &scenario.JSONMatch{Path: "note", Equals: equals(`say "hi"`)}, Outcome: "rejected"},
			{JSON: &scenario.JSONMatch{Path: "items.1.state", In: []string{"held"}}, Outcome: "pending"},
			{Status: scenario.Statuses{200}, JSON: &scenario.JSONMatch{Path: "error"}, Outcome: "error"},
		},
		Approved: []int{200, 201}, Declined: []int{402}, Code: "error.code", Reason: "error.message",
	})
	tests := []struct {
		name         string
		status       int
		body         string
		want         record.Outcome
		code, reason string
	}{
		// A status and a JSON value together.
		{"applied", 201, `{"status":"APPLIED"}`, record.Approved, "", ""},
		// The same value with a status outside the rule's falls to later rules, then to the status.
		{"applied but 500", 500, `{"status":"APPLIED"}`, record.Error, "", ""},
		// A nested path, one value of an in list.
		{"nested in", 200, `{"id":"p1","data":{"status":"DECLINED"},"error":{"code":"51","message":"no credit"}}`, record.Declined, "51", "no credit"},
		// The other value of the in list.
		{"nested in other", 200, `{"data":{"status":"REJECTED"}}`, record.Declined, "", ""},
		// A value not in the list: on to the status.
		{"nested not in", 200, `{"data":{"status":"APPLIED"}}`, record.Approved, "", ""},
		// Rule order: status APPLIED on a 202 misses rule 0 (200, 201), and rule 2 (202) wins before rule 3.
		{"order", 202, `{"status":"QUEUED"}`, record.Pending, "", ""},
		// equals QUEUED with any status.
		{"queued", 200, `{"status":"QUEUED"}`, record.Pending, "", ""},
		// 202 with no body is pending by status alone.
		{"accepted", 202, ``, record.Pending, "", ""},
		// 409 is the duplicate-key rejection.
		{"duplicate", 409, `{"error":{"code":"duplicate_key"}}`, record.Duplicate, "duplicate_key", ""},
		// A number compares by value: 90.0 is 90.
		{"number", 200, `{"risk":{"score":90.0}}`, record.Declined, "", ""},
		// A number that differs.
		{"number differs", 200, `{"risk":{"score":89}}`, record.Approved, "", ""},
		// true as a JSON boolean.
		{"boolean", 200, `{"fraud":true}`, record.Declined, "", ""},
		// "true" as a JSON string matches the same text.
		{"boolean as string", 200, `{"fraud":"true"}`, record.Declined, "", ""},
		// A string with escaped quotes compares by its decoded text.
		{"escaped quotes", 400, `{"note":"say \"hi\""}`, record.Rejected, "", ""},
		// The escape \u0022 is a quote too.
		{"unicode escape", 200, `{"note":"say \u0022hi\u0022"}`, record.Rejected, "", ""},
		// A key appearing as a value elsewhere is not the key.
		{"key as value", 200, `{"k":"status","v":{"status":"QUEUED"},"status":"APPLIED"}`, record.Approved, "", ""},
		// A nested key of the same name at another depth is not the path.
		{"same name deeper", 201, `{"x":{"status":"QUEUED"}}`, record.Approved, "", ""},
		// A list index in the path.
		{"list index", 200, `{"items":[{"state":"ok"},{"state":"held"}]}`, record.Pending, "", ""},
		// Presence: any value but null.
		{"present", 200, `{"error":{"code":"96","message":"oops"}}`, record.Error, "96", "oops"},
		// null is absent.
		{"null", 200, `{"error":null}`, record.Approved, "", ""},
		// Malformed JSON matches no JSON rule and yields no code: the status decides.
		{"malformed", 200, `{"status":"QUEUED"`, record.Approved, "", ""},
		// Malformed JSON with a status rule that needs no body.
		{"malformed 202", 202, `{"status":`, record.Pending, "", ""},
		// Not JSON at all.
		{"html", 502, `<html>bad gateway</html>`, record.Error, "", ""},
		// Nothing matches: 402 is a decline by status, code from the nested path.
		{"fallback decline", 402, `{"error":{"code":"05","message":"risk"}}`, record.Declined, "05", "risk"},
		// Fallbacks by status class.
		{"fallback shed", 503, ``, record.Shed, "", ""},
		{"fallback rejected", 422, `{}`, record.Rejected, "", ""},
		// A status outside HTTP's range never indexes a status set.
		{"status out of range", 700, `{"status":"QUEUED"}`, record.Pending, "", ""},
		{"negative status", -1, `{}`, record.Error, "", ""},
	}
	for _, tt := range tests {
		o, code, reason := c.Answer(tt.status, []byte(tt.body))
		if o != tt.want || code != tt.code || reason != tt.reason {
			t.Errorf("%s: %d %s: got %s %q %q, want %s %q %q", tt.name, tt.status, tt.body, o, code, reason, tt.want, tt.code, tt.reason)
		}
	}
}

// TestRuleOutcomesAreRecordOutcomes: every outcome a scenario rule may name
// is one the record and analysis know.
func TestRuleOutcomesAreRecordOutcomes(t *testing.T) {
	known := []record.Outcome{record.Approved, record.Declined, record.Rejected, record.Shed, record.Error, record.Pending, record.Duplicate}
	for _, o := range scenario.RuleOutcomes {
		if !slices.Contains(known, record.Outcome(o)) {
			t.Errorf("rule outcome %q is not a record outcome", o)
		}
	}
	if len(scenario.RuleOutcomes) != len(known) {
		t.Errorf("%d rule outcomes, want %d", len(scenario.RuleOutcomes), len(known))
	}
}

// TestClassifyAllocations: classifying by rules allocates nothing but the
// code and reason strings.
func TestClassifyAllocations(t *testing.T) {
	c := NewClassifier(scenario.ResponseRules{
		Rules: []scenario.ResponseRule{{JSON: &scenario.JSONMatch{Path: "data.status", In: []string{"REJECTED", "90"}}, Outcome: "declined"}},
		Code:  "error.code",
	})
	body := []byte(`{"data":{"status":"REJECTED","score":90},"error":{"code":"51"}}`)
	if n := testing.AllocsPerRun(100, func() { c.Answer(200, body) }); n > 1 {
		t.Errorf("%v allocations per answer, want at most 1 (the code)", n)
	}
}

// asyncAuth answers like an asynchronous service whose duplicate-key
// contract is reject: a new key is queued (202), a known key refused (409).
type asyncAuth struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (f *asyncAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	known := f.seen[key]
	f.seen[key] = true
	f.mu.Unlock()
	if known {
		w.WriteHeader(409)
		w.Write([]byte(`{"error":{"code":"duplicate_key","message":"already have it"}}`))
		return
	}
	w.WriteHeader(202)
	w.Write([]byte(`{"data":{"status":"QUEUED"}}`))
}

// TestAttackRecordsPendingAndDuplicate: through the sender, a queued answer
// is pending and a double tap's refusal is duplicate, with its code.
func TestAttackRecordsPendingAndDuplicate(t *testing.T) {
	srv := httptest.NewServer(&asyncAuth{seen: map[string]bool{}})
	defer srv.Close()
	s := scenarioOf(t, `name: t
target:
  response:
    rules:
      - {json: {path: data.status, equals: QUEUED}, outcome: pending}
      - {status: 409, outcome: duplicate}
    code: error.code
    duplicate_key: reject
traffic: {phases: [{duration: 1s, shape: constant, rate: 100/s}]}
requests: {client: {duplicate_share: 0.2}}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 3, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	atk.Run()
	byKey := map[string][]record.Outcome{}
	taps := 0
	for _, a := range sink.as {
		byKey[a.Key] = append(byKey[a.Key], a.Outcome)
		if a.Outcome == record.Duplicate && a.Code != "duplicate_key" {
			t.Errorf("duplicate answer with code %q", a.Code)
		}
		if a.Duplicate {
			taps++
		}
	}
	if taps < 5 {
		t.Fatalf("%d double taps: the duplicate path was not exercised", taps)
	}
	for k, os := range byKey {
		slices.Sort(os)
		want := []record.Outcome{record.Pending} // the first to arrive; every other tap is a duplicate
		for range len(os) - 1 {
			want = append([]record.Outcome{record.Duplicate}, want...)
		}
		if !slices.Equal(os, want) {
			t.Errorf("key %s: outcomes %v, want %v", k, os, want)
		}
	}
}
