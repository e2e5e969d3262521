package load

import (
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// A flow is more calls on the same open-model timeline: when an
// authorisation's final answer is an approval, the seed and the payment's
// sequence number say whether it is captured, voided or left held; when no
// answer came, it may be reversed. The follow-up is due at the payment's
// scheduled time plus its delay, and a timer sends it then in its own
// goroutine, never behind other requests and never from a worker waiting in
// a closed loop:
//
//	authorise ──answer──> after() ──timer (due = scheduled + after)──> fire() ──> send, retries, record
//	                         │ run stopping                      │ Stop before due
//	                         └──> not_sent                       └──> not_sent
//
// Attack.Run waits for every follow-up scheduled (wait), so none is lost:
// each is either sent and recorded, or recorded as not_sent.

// callTemplate is a follow-up request compiled once.
type callTemplate struct {
	call       record.Call
	method     string
	path, body *text
	headers    []header
	after      time.Duration
	classify   *Classifier // the call's own response rules, or the authorisation's
}

// newFlows compiles the scenario's flow; nil when it has none.
func newFlows(s *scenario.Scenario, sd *sender) (*flows, error) {
	f := s.Requests.Flow
	if !f.Captures() && !f.Voids() && !f.Reverses() {
		return nil, nil
	}
	fl := &flows{s: sd, seed: sd.seed, pending: map[*followUp]struct{}{}}
	var err error
	if f.Captures() {
		fl.captureShare = f.Capture.Share
		if fl.capture, err = compileCall(record.Capture, s.Target.Capture, f.Capture.Delay(), sd.classify); err != nil {
			return nil, err
		}
	}
	if f.Voids() {
		fl.voidShare = f.Void.Share
		if fl.void, err = compileCall(record.Void, s.Target.Void, f.Void.Delay(), sd.classify); err != nil {
			return nil, err
		}
	}
	if f.Reverses() {
		if fl.reverse, err = compileCall(record.Reverse, s.Target.Reverse, f.ReverseOnNoAnswer.After.D(), sd.classify); err != nil {
			return nil, err
		}
	}
	if fl.capture != nil || fl.void != nil {
		fl.ids = newIDReader(s.Target.Response.AuthID)
	}
	return fl, nil
}

func compileCall(c record.Call, rq *scenario.RequestTemplate, after time.Duration, classify *Classifier) (*callTemplate, error) {
	name := string(c) + " "
	t := &callTemplate{call: c, method: rq.Method, after: after, classify: classify}
	if rq.Response != nil {
		t.classify = NewClassifier(*rq.Response)
	}
	var err error
	if t.path, err = compile(name+"path", rq.Path); err != nil {
		return nil, err
	}
	if t.body, err = compile(name+"body", rq.Body); err != nil {
		return nil, err
	}
	if t.headers, err = compileHeaders(rq.Headers); err != nil {
		return nil, err
	}
	return t, nil
}

// pick says which follow-up an approved payment gets, from the seed and its
// sequence number alone: capture, void, or none (it stays held).
func (f *flows) pick(seq uint64) *callTemplate {
	u := draw(f.seed, seq)
	switch {
	case u < f.captureShare:
		return f.capture
	case u < f.captureShare+f.voidShare:
		return f.void
	}
	return nil
}

// draw is a number in [0, 1) from (seed, seq), apart from the stream's own
// draws (splitmix64 with its own salt).
func draw(seed, seq uint64) float64 {
	z := seed ^ 0x6a09e667f3bcc909 + seq*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// authID reads the authorisation's id from an approval; "" when absent or
// when nothing is captured or voided.
func (f *flows) authID(answer []byte) string { return f.ids.read(answer) }
