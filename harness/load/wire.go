package load

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// wire is the sender's HTTP/1.1 client: fasthttp's HostClient, which writes
// each request and reads its answer in the calling goroutine, with the
// attempt's deadline set on the connection. net/http's Transport hands every
// request to a writer and a reader goroutine of its connection; against a
// fast service those two hand-offs cost about a third of the generator's CPU
// (BENCHMARKS.md). vegeta still decides when each hit leaves.
type wire struct {
	hc      *fasthttp.HostClient
	timeout time.Duration
}

// idleFor is how long an idle connection is kept: under the shortest
// keep-alive timeout of common servers (gunicorn's 2 s; Node.js, uvicorn and
// Apache close after 5 s), so that the client closes a connection before the
// service does and a payment never meets a connection the service has just
// closed. Such a payment is not sent again: its failure (EOF) could as well
// be a service that read the payment and died, which the audit must see.
const idleFor = time.Second

func newWire(base string, c scenario.Client, guard egress.Guard) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("target URL %q: want http://HOST:PORT", base)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("target URL %q: only http:// is supported", base)
	}
	conns := c.MaxConnections
	if conns <= 0 {
		conns = math.MaxInt32 // the open model: a connection for every request in flight
	}
	// The guard's Control runs once per new connection, never per request.
	dialer := guard.Dialer()
	dialer.KeepAlive = 30 * time.Second
	hc := &fasthttp.HostClient{
		Addr: u.Host,
		Name: "authquake",
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			d := *dialer
			d.Timeout = timeout // what is left of the attempt's timeout
			if timeout <= 0 {   // a dial for a request waiting on max_connections
				d.Timeout = c.Timeout.D()
			}
			return d.Dial("tcp", addr)
		},
		MaxConns:            conns,
		MaxConnWaitTimeout:  c.Timeout.D(), // with max_connections: waiting for one is part of the attempt
		MaxIdleConnDuration: idleFor,
		// The most of an answer that is read (requests.client.max_answer_bytes):
		// an authorisation's answer is a few hundred bytes, and classifying
		// one needs its head. A longer one fails the read with
		// ErrBodyTooLarge once that much is buffered (a declared length past
		// it, at once), fasthttp closes the connection, and exchange
		// classifies what came: an answer never holds more than this.
		MaxResponseBodySize: int(c.MaxAnswerBytes),
		// No second try of any kind: every attempt the service may have seen
		// is recorded (fasthttp would resend idempotent methods).
		MaxIdemponentCallAttempts: 1,
		RetryIfErr:                func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
		DisablePathNormalizing:    true, // send the path as the template rendered it
	}
	return &wire{hc: hc, timeout: c.Timeout.D()}, nil
}

// newRequest returns a request for method and URI, with no body yet; give it back with
// fasthttp.ReleaseRequest once sent.
func newRequest(method string, uri []byte) *fasthttp.Request {
	req := fasthttp.AcquireRequest()
	req.Header.SetNoDefaultContentType(true) // no Content-Type unless the template sets one
	req.Header.SetMethod(method)
	req.SetRequestURIBytes(uri)
	return req
}

// exchange sends req, sent at start, and fills a with the answer (or the
// failure: a failed request is data, not a harness error). It returns the
// answer, nil when none came: release it with fasthttp.ReleaseResponse.
func (s *sender) exchange(req *fasthttp.Request, a *record.Attempt, start time.Time) *fasthttp.Response {
	return s.exchangeWith(s.classify, req, a, start)
}

// exchangeWith is exchange with a call's own response rules.
func (s *sender) exchangeWith(classify *Classifier, req *fasthttp.Request, a *record.Attempt, start time.Time) *fasthttp.Response {
	resp := fasthttp.AcquireResponse()
	err := s.wire.hc.DoDeadline(req, resp, start.Add(s.wire.timeout))
	a.Latency = time.Since(start)
	if errors.Is(err, fasthttp.ErrBodyTooLarge) { // the head came whole; the body was cut at the cap
		s.truncated.Add(1)
		err = nil
	}
	if err != nil {
		fasthttp.ReleaseResponse(resp)
		a.Outcome, a.Error = Failure(err)
		return nil
	}
	a.Status = resp.StatusCode()
	a.Outcome, a.Code, a.Reason = classify.Answer(a.Status, resp.Body())
	if v := resp.Header.Peek("Retry-After"); len(v) > 0 {
		a.RetryAfter = string(v)
	}
	return resp
}

// bodies are buffers for rendered request bodies: fasthttp has written the
// body by the time the exchange returns, so the buffer can be used again.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}
