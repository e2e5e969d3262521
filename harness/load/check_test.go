package load

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
)

func TestCheckTemplates(t *testing.T) {
	tests := []struct {
		request string // the target.request block, on line 3 of the file
		want    []string
	}{
		// The defaults render: no problem.
		{"{}", nil},
		// A misspelt field in the body is named at the body's line, with the likely fix.
		{"{body: '{\"a\":\"{{.AccountId}}\"}'}", []string{"t.yaml:3:", "request.body: a request has no field .AccountId: did you mean .AccountID?"}},
		// The same in a header value, placed at the header.
		{"{headers: {Idempotency-Key: '{{.Key}}'}}", []string{"t.yaml:3:", "request.headers.Idempotency-Key: a request has no field .Key"}},
		// And in the path.
		{"{path: '/v1/{{.Merchant}}/pay'}", []string{"request.path: a request has no field .Merchant: did you mean .MerchantID?"}},
		// A field misspelt only on one branch is found: the check renders many payments.
		{"{body: '{{if gt .AmountMinor 3000}}{{.Amount}}{{end}}'}", []string{"request.body: a request has no field .Amount"}},
		// A function misused at execution is reported as not rendering, with the template's own words.
		{"{body: '{{index .Currency 9}}'}", []string{"request.body: does not render", "index out of range"}},
		// A header renders at most 8 KiB, its literal text alone too (before,
		// each rendered up to 1 MiB for each of 64 sample payments).
		{"{headers: {X-Big: '" + strings.Repeat(`{{printf "%999s" "x"}}`, 9) + "'}}", []string{"request.headers.X-Big: does not render", "more than 8192 bytes"}},
		{"{headers: {X-Big: '" + strings.Repeat("x", 8193) + "'}}", []string{"request.headers.X-Big: does not render", "longer than 8192 bytes"}},
		{"{headers: {X-Big: '" + strings.Repeat("x", 8192) + "'}}", nil},
	}
	for _, tt := range tests {
		yaml := "name: t\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\ntarget: {request: " + tt.request + "}\n"
		s, src, err := scenario.Parse("t.yaml", []byte(yaml))
		if err != nil {
			t.Fatalf("%s: %v", tt.request, err)
		}
		probs := CheckTemplates(s, src)
		if tt.want == nil {
			if len(probs) > 0 {
				t.Errorf("%s: %v", tt.request, probs)
			}
			continue
		}
		if len(probs) != 1 {
			t.Errorf("%s: %d problems, want 1: %v", tt.request, len(probs), probs)
			continue
		}
		got := probs[0].String()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q does not say %q", tt.request, got, w)
			}
		}
		if !strings.Contains(got, "hint: a request template may use .AccountID .AccountRef .AmountMinor .Currency .IdempotencyKey .MerchantID") {
			t.Errorf("%s: %q lists no fields", tt.request, got)
		}
	}
}

// TestRenderErrorStopsTheAttack: a template that the check let through but
// that fails for some payment stops the attack with the error, and no
// attempt that was never sent is recorded.
func TestRenderErrorStopsTheAttack(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	defer srv.Close()
	s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 2s, shape: constant, rate: 100/s}]}
requests: {amount: {distribution: uniform, min: 100, max: 50000}}
target: {request: {body: '{{if gt .AmountMinor 45000}}{{.Nope}}{{end}}'}}
`)
	sink := &memSink{}
	atk, err := New(Options{Scenario: s, Seed: 1, Base: srv.URL, Sinks: []Sink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	r := atk.Run()
	if r.Err == nil || !strings.Contains(r.Err.Error(), "Nope") {
		t.Fatalf("attack error %v, want the render error", r.Err)
	}
	if r.Hits >= r.Planned {
		t.Errorf("%d of %d hits: the attack did not stop", r.Hits, r.Planned)
	}
	for _, a := range sink.as {
		if a.Outcome == "" || a.Status != 201 {
			t.Errorf("attempt %d recorded with outcome %q status %d", a.Seq, a.Outcome, a.Status)
		}
	}
}

// TestCheckFollowUpTemplates: the follow-up requests are checked like the
// authorisation, and {{.AuthID}} is refused where no id is known yet.
func TestCheckFollowUpTemplates(t *testing.T) {
	tests := []struct {
		target string // the target block
		want   string // "" for no problem
	}{
		// The default capture and void, and a reversal by key, render.
		{`{reverse: {path: /r, body: '{{.IdempotencyKey}}'}}`, ""},
		// A misspelt field in the capture body is placed at it, with the fix.
		{`{capture: {path: '/c/{{.AuthID}}', body: '{{.AmountMinr}}'}, reverse: {path: /r}}`, "target.capture.body: a request has no field .AmountMinr: did you mean .AmountMinor?"},
		// The authorisation has no id of its own yet.
		{`{request: {path: '/a/{{.AuthID}}'}, reverse: {path: /r}}`, "target.request.path: {{.AuthID}} is known only to capture and void requests"},
	}
	for _, tt := range tests {
		yaml := "name: t\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n" +
			"requests: {flow: {capture: {share: 0.5}, void: {share: 0.5}, reverse_on_no_answer: {}}}\ntarget: " + tt.target + "\n"
		s, src, err := scenario.Parse("t.yaml", []byte(yaml))
		if err != nil {
			t.Fatalf("%s: %v", tt.target, err)
		}
		probs := CheckTemplates(s, src)
		switch {
		case tt.want == "" && len(probs) > 0:
			t.Errorf("%s: %v", tt.target, probs)
		case tt.want != "" && (len(probs) != 1 || !strings.Contains(probs[0].String(), tt.want)):
			t.Errorf("%s: %v, want one saying %q", tt.target, probs, tt.want)
		}
	}
}
