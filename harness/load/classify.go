package load

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/valyala/fasthttp"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// Classifier turns an answer, or the lack of one, into an outcome with its
// code and reason, following the scenario's response rules. It is compiled
// once and shared by every request: Answer neither reflects nor allocates
// (but for the code and reason strings), and reads the body only when a rule,
// the code or the reason needs it.
type Classifier struct {
	rules             []rule
	approved, decline [600]bool
	paths             jsonPaths
	code, reason      int // path indexes, -1 for none
	needBody          bool
}

// NewClassifier compiles response rules. A path beyond the limit that the
// scenario validation enforces is dropped.
func NewClassifier(r scenario.ResponseRules) *Classifier {
	c := &Classifier{code: -1, reason: -1}
	for _, s := range r.Approved {
		c.approved[s] = true
	}
	for _, s := range r.Declined {
		c.decline[s] = true
	}
	for _, x := range r.Rules {
		c.rules = append(c.rules, compileRule(x, &c.paths))
	}
	if code := cmp.Or(r.Code, r.CodeField); code != "" {
		c.code = c.paths.add(code)
	}
	if reason := cmp.Or(r.Reason, r.ReasonField); reason != "" {
		c.reason = c.paths.add(reason)
	}
	c.needBody = len(c.paths.keys) > 0
	return c
}

// Answer classifies an HTTP answer: the first rule that matches decides,
// else the status. A body that is not valid JSON matches no JSON rule and
// has no code or reason.
func (c *Classifier) Answer(status int, body []byte) (o record.Outcome, code, reason string) {
	var at found
	scanned := false
	for i := range c.rules {
		r := &c.rules[i]
		if !r.statusMatch(status) {
			continue
		}
		if r.path >= 0 {
			if !scanned {
				c.scan(body, &at)
				scanned = true
			}
			if !r.valueMatch(body, at[r.path]) {
				continue
			}
		}
		o = r.outcome
		break
	}
	if o == "" {
		o = c.byStatus(status)
	}
	if c.code >= 0 || c.reason >= 0 {
		if !scanned {
			c.scan(body, &at)
		}
		if c.code >= 0 {
			code = valueText(body, at[c.code])
		}
		if c.reason >= 0 {
			reason = valueText(body, at[c.reason])
		}
	}
	return o, code, reason
}

// scan looks the paths up; a body that cannot hold a path (empty, a bare
// value) is not scanned.
func (c *Classifier) scan(body []byte, at *found) {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	if !c.needBody || i == len(body) || body[i] != '{' && body[i] != '[' {
		*at = found{}
		return
	}
	c.paths.scan(body, at)
}

// byStatus is the classification when no rule matches.
func (c *Classifier) byStatus(status int) record.Outcome {
	switch {
	case status < 0 || status >= 600:
		return record.Error
	case c.approved[status]:
		return record.Approved
	case c.decline[status]:
		return record.Declined
	case status == 503:
		return record.Shed
	case status >= 500:
		return record.Error
	case status >= 300:
		return record.Rejected
	}
	return record.Approved // another 2xx
}

// Failure classifies a transport failure: a timeout, or a connection error
// with a short description that does not repeat the URL.
func Failure(err error) (record.Outcome, string) {
	var te interface{ Timeout() bool } // net.Error's, and fasthttp.ErrTimeout's
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, fasthttp.ErrDialTimeout), errors.As(err, &te) && te.Timeout():
		return record.Timeout, "timeout"
	case errors.Is(err, fasthttp.ErrNoFreeConns): // max_connections all busy for the whole timeout
		return record.Timeout, "timeout waiting for a free connection"
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return record.ConnError, "EOF"
	case errors.Is(err, syscall.ECONNREFUSED):
		return record.ConnError, "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return record.ConnError, "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return record.ConnError, "EOF"
	case errors.Is(err, context.Canceled):
		return record.ConnError, "cancelled"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return record.ConnError, oe.Err.Error()
	}
	return record.ConnError, err.Error()
}
