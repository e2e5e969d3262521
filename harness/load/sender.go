package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
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
	inner     http.RoundTripper
	sinks     []Sink
	observers []SendObserver // the sinks that are SendObservers
	stopping  chan struct{}
	fixedURL  *url.URL // the request URL when its path has no fields
	stopOnce  sync.Once
	halt      func() // stops the whole attack
	failOnce  sync.Once
	err       error  // the first request that could not be built
	flows     *flows // captures, voids and reversals; nil when the scenario has no flow
}

type header struct {
	name  string
	val   *text
	fixed []string // the value, when the template has no fields
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
	if len(sd.path.parts) == 1 && sd.path.parts[0].field == "" {
		if sd.fixedURL, err = url.Parse(base + sd.path.parts[0].lit); err != nil {
			return nil, fmt.Errorf("target URL %s: %w", base+rq.Path, err)
		}
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
	conns := s.Requests.Client.MaxConnections
	// The guard's Control runs once per new connection, never per request.
	dialer := guard.Dialer()
	dialer.Timeout, dialer.KeepAlive = s.Requests.Client.Timeout.D(), 30*time.Second
	if sd.flows, err = newFlows(s, sd); err != nil {
		return nil, err
	}
	sd.inner = &http.Transport{ // a bare transport follows no redirect
		DialContext:         dialer.DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(conns, 10000),
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
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
		err := s.send(carrier.Context(), &p, &a, began)
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
		if last {
			return &http.Response{StatusCode: a.Status, Body: http.NoBody, Header: http.Header{},
				Request: carrier, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
		}
	}
}

// send makes one attempt and fills a with what happened.
func (s *sender) send(parent context.Context, p *traffic.Payment, a *record.Attempt, began time.Time) error {
	// The body is not pooled: the transport may still be writing it after
	// RoundTrip has returned the answer.
	body, err := s.body.render(make([]byte, 0, 192), p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(parent, s.client.Timeout.D())
	defer cancel()
	var req *http.Request
	if s.fixedURL != nil { // the usual case: parse the URL once, not per request
		req = (&http.Request{Method: s.method, URL: s.fixedURL, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: make(http.Header, len(s.headers)), Host: s.fixedURL.Host, ContentLength: int64(len(body)),
			Body:    io.NopCloser(bytes.NewReader(body)),
			GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}).WithContext(ctx)
	} else {
		u, err := s.path.render(append(make([]byte, 0, 128), s.base...), p)
		if err != nil {
			return err
		}
		if req, err = http.NewRequestWithContext(ctx, s.method, string(u), bytes.NewReader(body)); err != nil {
			return err
		}
	}
	for _, h := range s.headers {
		if h.fixed != nil {
			req.Header[h.name] = h.fixed // the same every time: rendered once
			continue
		}
		v, err := h.val.render(nil, p)
		if err != nil {
			return err
		}
		req.Header[h.name] = []string{string(v)}
	}
	start := time.Now()
	a.Sent = start.Sub(began)
	if a.Attempt == 1 {
		for _, o := range s.observers {
			o.Sent(a.Sent)
		}
	}
	answer := s.exchange(req, a, start)
	if s.flows != nil && a.Outcome == record.Approved && answer != nil {
		a.AuthID = s.flows.authID(*answer)
	}
	release(answer)
	return nil
}

// exchange sends req, sent at start, and fills a with the answer (or the
// failure: a failed request is data, not a harness error). It returns the
// answer's body in a pooled buffer (nil when none came): release it.
func (s *sender) exchange(req *http.Request, a *record.Attempt, start time.Time) *[]byte {
	resp, err := s.inner.RoundTrip(req)
	var answer *[]byte
	if err == nil {
		answer, err = readAnswer(resp.Body)
		resp.Body.Close()
	}
	a.Latency = time.Since(start)
	if err != nil {
		release(answer)
		a.Outcome, a.Error = Failure(err)
		return nil
	}
	a.Status = resp.StatusCode
	a.Outcome, a.Code, a.Reason = s.classify.Answer(resp.StatusCode, *answer)
	a.RetryAfter = resp.Header.Get("Retry-After")
	return answer
}

// compileHeaders compiles header templates in name order.
func compileHeaders(src map[string]string) ([]header, error) {
	names := make([]string, 0, len(src))
	for k := range src {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []header
	for _, k := range names {
		t, err := compile("header "+k, src[k])
		if err != nil {
			return nil, err
		}
		h := header{name: http.CanonicalHeaderKey(k), val: t}
		if len(t.parts) == 1 && t.parts[0].field == "" {
			h.fixed = []string{t.parts[0].lit}
		}
		out = append(out, h)
	}
	return out, nil
}

// maxAnswer is the most of an answer that is read: classification needs the
// head of a small JSON body, never megabytes.
const maxAnswer = 64 << 10

// answers are reusable buffers for answers: classification copies what it
// keeps (code, reason), so the buffer goes back once the attempt is judged.
var answers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// release gives an answer's buffer back to the pool.
func release(b *[]byte) {
	if b != nil {
		answers.Put(b)
	}
}

// readAnswer reads up to maxAnswer bytes of body into a pooled buffer.
func readAnswer(body io.Reader) (*[]byte, error) {
	bp := answers.Get().(*[]byte)
	b := (*bp)[:0]
	for len(b) < maxAnswer {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
		n, err := body.Read(b[len(b):min(cap(b), maxAnswer)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = b
			return bp, err
		}
	}
	*bp = b
	return bp, nil
}

func (s *sender) retryable(a *record.Attempt) bool {
	switch a.Outcome {
	case record.Timeout:
		return s.retryOn[scenario.RetryTimeout]
	case record.ConnError:
		return s.retryOn[scenario.RetryConnError]
	case record.Shed:
		return s.retryOn[scenario.RetryShed] || s.retryOn[scenario.Retry5xx]
	case record.Error:
		return s.retryOn[scenario.Retry5xx]
	}
	return false
}

// jitter returns a deterministic backoff in [d/2, d) for this hit and attempt.
func (s *sender) jitter(seq uint64, attempt int, d time.Duration) time.Duration {
	h := (s.seed ^ seq*0x9e3779b97f4a7c15 ^ uint64(attempt)*0xbf58476d1ce4e5b9) * 0x94d049bb133111eb
	frac := float64(h>>11) / (1 << 53)
	return d/2 + time.Duration(frac*float64(d/2))
}
