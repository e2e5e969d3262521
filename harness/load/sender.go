package load

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/sign"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/valyala/fasthttp"
)

// Sink receives every attempt as it completes.
type Sink interface {
	Record(*record.Attempt)
}

// SendObserver is a Sink that also wants to know when each payment's first
// attempt leaves, before its answer (the live progress line's sent rate).
type SendObserver interface {
	Sent(at time.Duration)
}

// sender is the http.RoundTripper vegeta's client calls for each hit. The
// request vegeta built only carries the hit's sequence number (the
// X-Vegeta-Seq header); the sender turns it into the payment the seed says,
// sends it, retries it with the same idempotency key as the scenario's
// client would, and records every attempt. vegeta stays in charge of the open
// model: when to send, with unbounded workers.
type sender struct {
	base      string
	method    string
	path      *text
	headers   []header
	body      *text
	stream    *traffic.Stream
	pacer     *traffic.Pacer
	classify  *Classifier
	client    scenario.Client
	retryOn   map[string]bool
	seed      uint64
	wire      *wire
	sinks     []Sink
	observers []SendObserver // the sinks that are SendObservers
	stopping  chan struct{}
	fixedURI  []byte // the request URL when its path has no fields
	stopOnce  sync.Once
	halt      func() // stops the whole attack
	failOnce  sync.Once
	err       error  // the first request that could not be built
	flows     *flows // captures, voids and reversals; nil when the scenario has no flow
	auth      Authorizer
	signer    *sign.Signer  // nil when the scenario signs nothing
	truncated atomic.Uint64 // answers longer than max_answer_bytes, classified by their head
	settle    *Settlement   // payments answered pending, until their final state; nil when the target tells none later
	ids       *idReader     // the service's id in an answer (target.response.auth_id); nil without one
}

// Authorizer gives each request the current bearer token (harness/auth).
type Authorizer interface {
	// Name is the header the token goes in.
	Name() string
	// Header is its value at now; false when no valid token is held.
	Header(now time.Time) ([]byte, bool)
	// Missing counts an attempt not sent for want of a token, and says why.
	Missing() string
}

type header struct {
	name    string
	val     *text
	fixed   string // the value, when isFixed: the template has no fields
	isFixed bool
}

func newSender(s *scenario.Scenario, seed uint64, base string, pacer *traffic.Pacer, sinks []Sink, guard egress.Guard) (*sender, error) {
	rq := s.Target.Request
	sd := &sender{base: base, method: rq.Method, stream: traffic.NewStream(s, seed), pacer: pacer,
		classify: NewClassifier(s.Target.Response), client: s.Requests.Client, seed: seed, sinks: sinks,
		retryOn: map[string]bool{}, stopping: make(chan struct{})}
	var err error
	if sd.path, err = compile("path", rq.Path); err != nil {
		return nil, err
	}
	if sd.body, err = compile("body", rq.Body); err != nil {
		return nil, err
	}
	if len(sd.path.parts) == 1 && sd.path.parts[0].Field == "" {
		sd.fixedURI = []byte(base + sd.path.parts[0].Lit)
	}
	if sd.headers, err = compileHeaders(rq.Headers); err != nil {
		return nil, err
	}
	for _, sink := range sinks {
		if o, ok := sink.(SendObserver); ok {
			sd.observers = append(sd.observers, o)
		}
	}
	for _, on := range s.Requests.Client.Retries.On {
		sd.retryOn[on] = true
	}
	if g := s.Target.Request.Sign; g != nil {
		if sd.signer, err = sign.New(g); err != nil {
			return nil, err
		}
	}
	sd.ids = newIDReader(s.Target.Response.AuthID)
	if sd.settle, err = newSettlement(s, sd); err != nil {
		return nil, err
	}
	if sd.flows, err = newFlows(s, sd); err != nil {
		return nil, err
	}
	if sd.wire, err = newWire(base, s.Requests.Client, guard); err != nil {
		return nil, err
	}
	return sd, nil
}

// stop ends retries: attempts in flight finish, none are started again.
func (s *sender) stop() {
	s.stopOnce.Do(func() {
		close(s.stopping)
		if s.flows != nil {
			s.flows.stop()
		}
	})
}

// fail keeps the first request that could not be built and stops the
// attack: a run whose requests cannot be built must end as an error, never
// as a run that quietly sent less.
func (s *sender) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		s.stop()
		if s.halt != nil {
			s.halt()
		}
	})
}

// RoundTrip sends hit seq's payment with its retries and answers vegeta with
// the final attempt's status (or error).
func (s *sender) RoundTrip(carrier *http.Request) (*http.Response, error) {
	seq, _ := strconv.ParseUint(carrier.Header.Get("X-Vegeta-Seq"), 10, 64)
	seq = s.pacer.Shard().Global(seq) // the schedule's number: a shard's j-th hit is not hit j
	p := s.stream.Payment(seq)
	began := s.pacer.Began()
	due := s.pacer.Scheduled(seq)
	backoff := s.client.Retries.Backoff.D()
	for attempt := 1; ; attempt++ {
		a := record.Attempt{Seq: seq, Attempt: attempt, Scheduled: due, Key: p.IdempotencyKey,
			Account: p.AccountID, Amount: p.AmountMinor, Merchant: p.MerchantID, Duplicate: p.Duplicate}
		err := s.send(&p, &a, began)
		if err != nil { // nothing was sent: a harness problem, not an answer
			s.fail(fmt.Errorf("payment %d: %w", seq, err))
			return nil, err
		}
		last := attempt >= s.client.Retries.MaxAttempts || !s.retryable(&a)
		if !last {
			wait := s.jitter(seq, attempt, backoff)
			select {
			case <-s.stopping:
				last = true
			case <-time.After(wait):
			}
			due = time.Since(began)
			backoff = min(2*backoff, s.client.Retries.MaxBackoff.D())
		}
		a.Final = last
		for _, sink := range s.sinks {
			sink.Record(&a)
		}
		if last && s.flows != nil {
			s.flows.after(&p, &a, began)
		}
		if last && s.settle != nil && a.Outcome == record.Pending {
			s.settle.answered(&p, &a)
		} else if last && a.AuthID != "" && s.settle.byIDFinal(a.Outcome) {
			s.settle.answeredFinal(p.Seq, a.AuthID)
		}
		if last {
			return &http.Response{StatusCode: a.Status, Body: http.NoBody, Header: http.Header{},
				Request: carrier, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
		}
	}
}

// send makes one attempt and fills a with what happened.
func (s *sender) send(p *traffic.Payment, a *record.Attempt, began time.Time) error {
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body, err := s.body.render((*bp)[:0], p)
	*bp = body[:0]
	if err != nil {
		return err
	}
	uri := s.fixedURI
	if uri == nil {
		if uri, err = s.path.render(append(make([]byte, 0, 128), s.base...), p); err != nil {
			return err
		}
	}
	req := newRequest(s.method, uri)
	defer fasthttp.ReleaseRequest(req)
	req.SetBodyRaw(body)
	var scratch [128]byte
	for _, h := range s.headers {
		if h.isFixed {
			req.Header.Set(h.name, h.fixed) // the same every time: rendered once
			continue
		}
		v, err := h.val.render(scratch[:0], p)
		if err != nil {
			return err
		}
		req.Header.SetBytesV(h.name, v)
	}
	start := time.Now()
	a.Sent = start.Sub(began)
	if !s.authorize(req, a, body, start) {
		return nil
	}
	if a.Attempt == 1 {
		for _, o := range s.observers {
			o.Sent(a.Sent)
		}
	}
	resp := s.exchange(req, a, start)
	if resp != nil {
		if s.flows != nil && a.Outcome == record.Approved {
			a.AuthID = s.flows.authID(resp.Body())
		}
		if a.Outcome == record.Pending || a.AuthID == "" && s.settle.byIDFinal(a.Outcome) { // kept: two ids for one key are caught in queued mode too
			a.AuthID = s.ids.read(resp.Body())
		}
		fasthttp.ReleaseResponse(resp)
	}
	return nil
}
