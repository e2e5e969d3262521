package svcmetrics

import (
	"math"
	"sort"
)

// Summary is the service's view of the whole run (summary.json's
// service_metrics), from the scrapes.
type Summary struct {
	// LatencyMetric and InFlightMetric are the families read.
	LatencyMetric  string `json:"latency_metric"`
	InFlightMetric string `json:"in_flight_metric"`
	// Scrapes were taken, Failed of them got no answer (the service down).
	Scrapes int `json:"scrapes"`
	Failed  int `json:"failed"`
	// Requests the service counted in its latency histogram while scraped.
	Requests float64 `json:"requests"`
	// Latency by the service's own histogram: mean from _sum/_count,
	// percentiles interpolated in its buckets (as histogram_quantile does).
	LatencyMeanMS float64 `json:"latency_mean_ms"`
	LatencyP50MS  float64 `json:"latency_p50_ms"`
	LatencyP99MS  float64 `json:"latency_p99_ms"`
	InFlightMax   float64 `json:"in_flight_max"`
	// Points are per scrape interval, on the run's time axis.
	Points []Point `json:"points"`
}

// Point is the service's view over one interval between two scrapes, at its
// end. Counter resets (a restarted service) count from zero, as rate() does.
type Point struct {
	TS float64 `json:"t_s"`
	// Down: this scrape failed; the interval's figures are zero.
	Down         bool    `json:"down,omitempty"`
	RequestsPerS float64 `json:"requests_per_s"`
	MeanMS       float64 `json:"latency_mean_ms"`
	P50MS        float64 `json:"latency_p50_ms"`
	P99MS        float64 `json:"latency_p99_ms"`
	// InFlight is the gauge at the scrape (summed over its label sets).
	InFlight float64 `json:"in_flight"`
}

// hist is a histogram summed over its label sets.
type hist struct {
	count, sum float64
	buckets    map[float64]float64 // upper bound -> cumulative count
}

func merge(sc Scrape, name string) hist {
	h := hist{buckets: map[float64]float64{}}
	for _, s := range sc.Series {
		if s.Name != name {
			continue
		}
		h.count += s.Value
		h.sum += s.Sum
		for _, b := range s.Buckets {
			h.buckets[b[0]] += b[1]
		}
	}
	return h
}

// minus is h's increase since prev; a decrease is a counter reset.
func (h hist) minus(prev hist) hist {
	if h.count < prev.count {
		return h
	}
	d := hist{count: h.count - prev.count, sum: h.sum - prev.sum, buckets: map[float64]float64{}}
	for le, c := range h.buckets {
		d.buckets[le] = max(c-prev.buckets[le], 0)
	}
	return d
}

func (h *hist) add(o hist) {
	h.count += o.count
	h.sum += o.sum
	if h.buckets == nil {
		h.buckets = map[float64]float64{}
	}
	for le, c := range o.buckets {
		h.buckets[le] += c
	}
}

// quantile interpolates linearly within the bucket that holds rank q, as
// PromQL's histogram_quantile; a rank past the last finite bucket is that
// bucket's bound.
func (h hist) quantile(q float64) float64 {
	if h.count <= 0 {
		return 0
	}
	les := make([]float64, 0, len(h.buckets))
	for le := range h.buckets {
		les = append(les, le)
	}
	sort.Float64s(les)
	rank := q * h.count
	lo, below := 0.0, 0.0
	for _, le := range les {
		c := h.buckets[le]
		if c >= rank {
			if c == below {
				return le
			}
			return lo + (le-lo)*(rank-below)/(c-below)
		}
		lo, below = le, c
	}
	return lo
}

// Summarize computes the service's series from the scrapes.
func Summarize(scrapes []Scrape, latency, inFlight string) *Summary {
	s := &Summary{LatencyMetric: latency, InFlightMetric: inFlight, Scrapes: len(scrapes), Points: []Point{}}
	var prev hist
	var prevTS float64
	have := false
	var total hist
	for _, sc := range scrapes {
		p := Point{TS: sc.TS}
		if sc.Error != "" {
			s.Failed++
			p.Down = true
			s.Points = append(s.Points, p)
			continue
		}
		for _, sr := range sc.Series {
			if sr.Name == inFlight {
				p.InFlight += sr.Value
			}
		}
		s.InFlightMax = max(s.InFlightMax, p.InFlight)
		// A scrape without the family is an unused histogram: zero so far.
		h := merge(sc, latency)
		if have {
			d := h.minus(prev)
			total.add(d)
			if dt := sc.TS - prevTS; dt > 0 {
				p.RequestsPerS = ms(d.count / dt * 1000)
			}
			if d.count > 0 {
				p.MeanMS, p.P50MS, p.P99MS = ms(d.sum/d.count*1000), ms(d.quantile(.5)*1000), ms(d.quantile(.99)*1000)
			}
		}
		prev, prevTS, have = h, sc.TS, true
		s.Points = append(s.Points, p)
	}
	s.Requests = total.count
	if total.count > 0 {
		s.LatencyMeanMS, s.LatencyP50MS, s.LatencyP99MS = ms(total.sum/total.count*1000), ms(total.quantile(.5)*1000), ms(total.quantile(.99)*1000)
	}
	return s
}

// ms rounds to three decimals, so that a recomputed summary is the same bytes.
func ms(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
}
