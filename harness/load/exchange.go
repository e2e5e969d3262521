package load

import (
	"net/http"
	"sort"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// compileHeaders compiles header templates in name order.
func compileHeaders(src map[string]string) ([]header, error) {
	names := make([]string, 0, len(src))
	for k := range src {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []header
	for _, k := range names {
		t, err := compileHeader("header "+k, src[k])
		if err != nil {
			return nil, err
		}
		h := header{name: http.CanonicalHeaderKey(k), val: t}
		if len(t.parts) == 1 && t.parts[0].Field == "" {
			h.fixed, h.isFixed = t.parts[0].Lit, true
		}
		out = append(out, h)
	}
	return out, nil
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
