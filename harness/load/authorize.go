package load

import (
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/valyala/fasthttp"
)

// authorize adds the bearer token and the signature to req, whose body is
// body, just before it is sent at now. With no valid token it records the
// attempt as not sent and returns false: an expired token is the harness's
// want, not a 401 of the service's to count as rejected.
func (s *sender) authorize(req *fasthttp.Request, a *record.Attempt, body []byte, now time.Time) bool {
	if s.auth != nil {
		v, ok := s.auth.Header(now)
		if !ok {
			a.Outcome, a.Error = record.NotSent, s.auth.Missing()
			return false
		}
		req.Header.SetBytesV(s.auth.Name(), v)
	}
	if s.signer != nil {
		// The request line as fasthttp writes it: the path normalised, with its query.
		err := s.signer.Sign(req.Header.Method(), req.URI().RequestURI(), body, now, func(name string, v []byte) {
			req.Header.SetBytesV(name, v)
		})
		if err != nil { // a template that cannot render: the run cannot sign, a harness error
			a.Outcome, a.Error = record.NotSent, err.Error()
			s.fail(err)
			return false
		}
	}
	return true
}
