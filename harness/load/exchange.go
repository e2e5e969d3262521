package load

import (
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

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
