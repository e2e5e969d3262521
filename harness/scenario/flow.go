package scenario

import (
	"strings"
	"time"
)

// Flow is what follows an authorisation: a share of the approved ones is
// captured and a share voided, each after a delay from the payment's
// scheduled time (the rest stay held), and an authorisation that got no
// answer may be reversed with its idempotency key. Which payments are
// captured or voided is a function of the seed and the payment's sequence
// number, so a rerun with the same seed makes the same calls. A double
// submission (duplicate_share) starts no flow of its own.
type Flow struct {
	// Capture is the share of approved authorisations captured, and when.
	Capture *FollowUp `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Void is the share of approved authorisations voided, and when; capture and void shares add up to at most 1.
	Void *FollowUp `yaml:"void,omitempty" json:"void,omitempty"`
	// ReverseOnNoAnswer reverses, with the same idempotency key, every authorisation whose final attempt got no answer (timeout, connection error, 5xx).
	ReverseOnNoAnswer *Reversal `yaml:"reverse_on_no_answer,omitempty" json:"reverse_on_no_answer,omitempty"`
}

// FollowUp is a share of the approved authorisations and the delay of their
// follow-up call.
type FollowUp struct {
	// Share of approved authorisations, from 0 to 1.
	Share float64 `yaml:"share" json:"share" jsonschema:"required"`
	// After is the delay from the payment's scheduled send time, e.g. 2s.
	After Duration `yaml:"after,omitempty" json:"after,omitempty"`
}

// Reversal is when an authorisation without an answer is reversed.
type Reversal struct {
	// After is the delay from the payment's scheduled send time, e.g. 3s.
	After Duration `yaml:"after,omitempty" json:"after,omitempty"`
}

// The follow-up requests of authsim's shape; a reversal has no default: an
// authorisation without an answer has no id, and authsim reverses by id.
const (
	DefaultCapturePath = "/v1/authorizations/{{.AuthID}}/capture"
	DefaultCaptureBody = `{"amount_minor":{{.AmountMinor}}}`
	DefaultVoidPath    = "/v1/authorizations/{{.AuthID}}/void"
	// DefaultAuthID is the JSON path of the authorisation's id in its answer.
	DefaultAuthID = "id"
)

// Captures reports whether the flow captures a share of the approvals.
func (f *Flow) Captures() bool { return f != nil && f.Capture != nil && f.Capture.Share > 0 }

// Voids reports whether the flow voids a share of the approvals.
func (f *Flow) Voids() bool { return f != nil && f.Void != nil && f.Void.Share > 0 }

// Reverses reports whether the flow reverses authorisations without an answer.
func (f *Flow) Reverses() bool { return f != nil && f.ReverseOnNoAnswer != nil }

// flowDefaults fills the follow-up requests the flow uses.
func (s *Scenario) flowDefaults() {
	f, t := s.Requests.Flow, &s.Target
	if f == nil {
		return
	}
	if f.Captures() && t.Capture == nil {
		t.Capture = &RequestTemplate{}
	}
	if t.Capture != nil && t.Capture.Path == "" { // a block with only its own response rules: the default call
		t.Capture.Path = DefaultCapturePath
		def(&t.Capture.Body, DefaultCaptureBody)
	}
	if f.Voids() && t.Void == nil {
		t.Void = &RequestTemplate{}
	}
	if t.Void != nil {
		def(&t.Void.Path, DefaultVoidPath)
	}
	if t.Reverse != nil && t.Reverse.Headers == nil { // the same key as the authorisation
		t.Reverse.Headers = map[string]string{"Content-Type": "application/json", "Idempotency-Key": "{{.IdempotencyKey}}"}
	}
	for _, rq := range []*RequestTemplate{t.Capture, t.Void, t.Reverse} {
		if rq != nil {
			def(&rq.Method, "POST")
		}
		if rq != nil && rq.Headers == nil {
			rq.Headers = map[string]string{"Content-Type": "application/json"}
		}
	}
	if f.Captures() || f.Voids() {
		def(&t.Response.AuthID, DefaultAuthID)
	}
}

func (s *Scenario) validateFlow(v *validator) {
	f, t := s.Requests.Flow, s.Target
	const at = "$.requests.flow"
	if f == nil {
		return
	}
	total := 0.0
	for _, c := range []struct {
		name string
		fu   *FollowUp
	}{{"capture", f.Capture}, {"void", f.Void}} {
		if c.fu == nil {
			continue
		}
		v.share(at+"."+c.name+".share", c.fu.Share)
		total += c.fu.Share
		if c.fu.After < 0 {
			v.errf(at+"."+c.name+".after", "from the payment's scheduled time, e.g. after: 2s", "must be 0 or more")
		}
	}
	if total > 1 {
		v.errf(at, "e.g. capture: {share: 0.8}, void: {share: 0.1}: the rest stay held", "capture and void shares add up to %g, more than 1", total)
	}
	if r := f.ReverseOnNoAnswer; r != nil {
		if r.After < 0 {
			v.errf(at+".reverse_on_no_answer.after", "e.g. after: 3s", "must be 0 or more")
		}
		if t.Reverse == nil {
			v.errf(at+".reverse_on_no_answer", `add target.reverse, e.g. {method: POST, path: /v1/reversals, body: '{"idempotency_key":"{{.IdempotencyKey}}"}'}`,
				"needs target.reverse: how the service reverses by idempotency key")
		}
	}
	if t.Reverse != nil && strings.Contains(t.Reverse.Path+t.Reverse.Body+strings.Join(mapValues(t.Reverse.Headers), ""), ".AuthID") {
		v.errf("$.target.reverse", "an authorisation without an answer has no id: use {{.IdempotencyKey}}",
			"a reversal cannot use {{.AuthID}}")
	}
	for _, c := range []struct {
		name string
		rq   *RequestTemplate
	}{{"capture", t.Capture}, {"void", t.Void}, {"reverse", t.Reverse}} {
		if c.rq != nil && !strings.HasPrefix(c.rq.Path, "/") {
			v.errf("$.target."+c.name+".path", "e.g. path: "+DefaultCapturePath, "must start with /")
		}
	}
	if (f.Captures() || f.Voids()) && SplitPath(t.Response.AuthID) == nil {
		v.errf("$.target.response.auth_id", "dot-separated keys, e.g. auth_id: data.id", "%q is not a JSON path", t.Response.AuthID)
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, x := range m {
		out = append(out, x)
	}
	return out
}

// Delay returns the follow-up's delay (0 for none).
func (f *FollowUp) Delay() time.Duration {
	if f == nil {
		return 0
	}
	return f.After.D()
}
