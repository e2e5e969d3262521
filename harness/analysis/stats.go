package analysis

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
)

// Outcomes counts payments (or attempts) by outcome.
type Outcomes struct {
	Approved  int `json:"approved"`
	Declined  int `json:"declined"`
	Rejected  int `json:"rejected"`
	Shed      int `json:"shed"`
	Error     int `json:"error"`
	Timeout   int `json:"timeout"`
	ConnError int `json:"conn_error"`
	// Pending answers were taken for later processing (only the ledger
	// confirms them); Duplicate answers said the service already had the
	// key. Neither is a failure; both are omitted from summary.json when 0.
	Pending   int `json:"pending,omitempty"`
	Duplicate int `json:"duplicate,omitempty"`
}

func (o *Outcomes) add(x record.Outcome) {
	switch x {
	case record.Approved:
		o.Approved++
	case record.Declined:
		o.Declined++
	case record.Rejected:
		o.Rejected++
	case record.Shed:
		o.Shed++
	case record.Error:
		o.Error++
	case record.Timeout:
		o.Timeout++
	case record.ConnError:
		o.ConnError++
	case record.Pending:
		o.Pending++
	case record.Duplicate:
		o.Duplicate++
	}
}

// Total is every counted outcome.
func (o Outcomes) Total() int {
	return o.Approved + o.Declined + o.Rejected + o.Shed + o.Error + o.Timeout + o.ConnError + o.Pending + o.Duplicate
}

// Failures are the outcomes that count as a failed payment: shed, error,
// timeout, connection error. A decline is a business answer, not a failure.
func (o Outcomes) Failures() int { return o.Shed + o.Error + o.Timeout + o.ConnError }

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Stats describe the payments of a stretch of time.
type Stats struct {
	Payments     int      `json:"payments"`
	Outcomes     Outcomes `json:"outcomes"`
	FailureRatio float64  `json:"failure_ratio"`
	// Latency is measured from each payment's scheduled send time to its
	// final answer, retries included: what the user waited.
	Latency Latency `json:"latency_ms"`
	// DeclinesByCode counts declines by code, e.g. "05" risk or "51" credit:
	// the false-decline rate of a stretch.
	DeclinesByCode map[string]int `json:"declines_by_code,omitempty"`
}

// acc accumulates payments into Stats, with an HdrHistogram for latency.
type acc struct {
	o        Outcomes
	hist     *hdrhistogram.Histogram
	declines map[string]int
	packed   []valueCount // the histogram's counts while it is packed (buckets.go)
}

// maxLatencyUS is the largest latency recorded exactly (10 minutes).
const maxLatencyUS = 600_000_000

// newAcc returns an empty accumulator; its histogram (about 170 KB) is
// made with the first payment, so windows no payment falls in cost nothing.
func newAcc() *acc { return &acc{} }

func (a *acc) add(o record.Outcome, latency time.Duration, code string) {
	a.o.add(o)
	if o == record.Declined {
		if a.declines == nil {
			a.declines = map[string]int{}
		}
		a.declines[code]++
	}
	if a.hist == nil {
		a.hist = hdrhistogram.New(1, maxLatencyUS, 3)
	}
	a.hist.RecordValue(min(max(latency.Microseconds(), 1), maxLatencyUS))
}

func (a *acc) stats() Stats {
	s := Stats{Payments: a.o.Total(), Outcomes: a.o, DeclinesByCode: a.declines}
	if s.Payments > 0 {
		s.FailureRatio = round(float64(a.o.Failures())/float64(s.Payments), 6)
		s.Latency = percentiles(a.hist)
	}
	return s
}

func percentiles(h *hdrhistogram.Histogram) Latency {
	ms := func(us int64) float64 { return round(float64(us)/1000, 3) }
	return Latency{P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max())}
}

// round keeps d decimals, so that summaries are stable byte for byte.
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}
