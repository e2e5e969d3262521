package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// Classifier turns an answer, or the lack of one, into an outcome with its
// code and reason, following the scenario's response rules.
type Classifier struct {
	approved, declined  [600]bool
	codeField, reasonFd string
}

// NewClassifier builds a Classifier from response rules.
func NewClassifier(r scenario.ResponseRules) *Classifier {
	c := &Classifier{codeField: r.CodeField, reasonFd: r.ReasonField}
	for _, s := range r.Approved {
		c.approved[s] = true
	}
	for _, s := range r.Declined {
		c.declined[s] = true
	}
	return c
}

// Answer classifies an HTTP answer.
func (c *Classifier) Answer(status int, body []byte) (o record.Outcome, code, reason string) {
	switch {
	case status < 0 || status >= 600:
		o = record.Error
	case c.approved[status]:
		o = record.Approved
	case c.declined[status]:
		o = record.Declined
	case status == 503:
		o = record.Shed
	case status >= 500:
		o = record.Error
	case status >= 300:
		o = record.Rejected
	default:
		o = record.Approved // another 2xx
	}
	return o, jsonField(body, c.codeField), jsonField(body, c.reasonFd)
}

// Failure classifies a transport failure: a timeout, or a connection error
// with a short description that does not repeat the URL.
func Failure(err error) (record.Outcome, string) {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return record.Timeout, "timeout"
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

// jsonField returns the value of a top-level string or number field of a
// JSON object without decoding the whole body: answers are small and the
// load generator reads one per request.
func jsonField(body []byte, name string) string {
	if name == "" || len(body) == 0 {
		return ""
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(name))
		if j < 0 {
			return ""
		}
		start, k := i+j, i+j+len(name)
		i = k
		// The name must be a whole key: "name" followed by a colon.
		if start == 0 || body[start-1] != '"' || k >= len(body) || body[k] != '"' {
			continue
		}
		rest := bytes.TrimLeft(body[k+1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) > 0 && rest[0] == '"' {
			end := bytes.IndexByte(rest[1:], '"')
			if end < 0 {
				return ""
			}
			return string(rest[1 : 1+end])
		}
		end := bytes.IndexAny(rest, ",}] \t\r\n")
		if end < 0 {
			end = len(rest)
		}
		return string(rest[:end])
	}
}
