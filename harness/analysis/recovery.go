package analysis

import (
	"math"
	"sort"
)

// Health decides whether a bucket of the series is healthy: its failure
// ratio and p99 within limits. Rule says where the limits come from: the
// SLO, or (where the SLO is silent) a margin over the run's pre-fault
// baseline: failure ratio at most baseline + 0.02, p99 at most twice the
// baseline's (and at least baseline + 20 ms).
type Health struct {
	Rule            string  `json:"rule"`
	MaxFailureRatio float64 `json:"max_failure_ratio"`
	MaxP99MS        float64 `json:"max_p99_ms"`
}

// Judged reports whether a bucket has payments to judge: an empty bucket is
// neither healthy nor unhealthy.
func judged(b Bucket) bool { return b.Payments > 0 }

func (h Health) healthy(b Bucket) bool {
	return b.FailureRatio <= h.MaxFailureRatio && b.Latency.P99 <= h.MaxP99MS
}

// Worst is the worst bucket of a fault's impact.
type Worst struct {
	T            float64 `json:"t_s"`
	FailureRatio float64 `json:"failure_ratio"`
	P99MS        float64 `json:"p99_ms"`
}

// Recovery is how a fault hurt and how the service came back.
type Recovery struct {
	// Impact is false when no bucket turned unhealthy: "no impact".
	Impact bool `json:"impact"`
	// TimeToImpactS runs from the fault's actual start to the first
	// unhealthy bucket.
	TimeToImpactS *float64 `json:"time_to_impact_s"`
	// Recovered is false when no healthy stretch of recovered_after came
	// after the fault ended: "did not recover".
	Recovered bool `json:"recovered"`
	// TimeToRecoverS runs from the fault's actual end to the start of the
	// first healthy stretch lasting recovered_after.
	TimeToRecoverS *float64 `json:"time_to_recover_s"`
	// UnhealthyS is the total unhealthy time from impact to recovery.
	UnhealthyS float64 `json:"unhealthy_s"`
	Worst      *Worst  `json:"worst,omitempty"`
	// Note explains a recovery that could not be seen, e.g. because another
	// fault began before it.
	Note string `json:"note,omitempty"`
}

// recovery judges one fault in force from start to end (seconds since the
// base time) against the series. Impact is looked for from start until
// horizon; a recovery needs recoveredAfter seconds of judged, healthy
// buckets after end.
func recovery(series []Bucket, bucketS, start, end, horizon, recoveredAfter float64, h Health) Recovery {
	var r Recovery
	at := func(t float64) int { return min(max(int(math.Floor(t/bucketS+1e-9)), 0), len(series)) }
	i0, iH := at(start), at(horizon)
	bad := -1
	for i := i0; i < iH && i < len(series); i++ {
		if judged(series[i]) && !h.healthy(series[i]) {
			bad = i
			break
		}
	}
	if bad < 0 {
		zero := 0.0
		r.Recovered, r.TimeToRecoverS = true, &zero
		return r
	}
	r.Impact = true
	tti := round(math.Max(0, series[bad].T-start), 3)
	r.TimeToImpactS = &tti
	need := int(math.Ceil(recoveredAfter/bucketS - 1e-9))
	need = max(need, 1)
	rec := -1
	for i := max(at(end), bad); i < len(series); i++ {
		run, j := 0, i
		for ; j < len(series) && run < need; j++ {
			if !judged(series[j]) {
				continue
			}
			if !h.healthy(series[j]) {
				break
			}
			run++
		}
		if run >= need && judged(series[i]) {
			rec = i
			break
		}
	}
	stop := len(series)
	if rec >= 0 {
		r.Recovered = true
		ttr := round(math.Max(0, series[rec].T-end), 3)
		r.TimeToRecoverS = &ttr
		stop = rec
	}
	for i := bad; i < stop; i++ {
		b := series[i]
		if !judged(b) || h.healthy(b) {
			continue
		}
		r.UnhealthyS += bucketS
		if r.Worst == nil || b.FailureRatio > r.Worst.FailureRatio ||
			b.FailureRatio == r.Worst.FailureRatio && b.Latency.P99 > r.Worst.P99MS {
			r.Worst = &Worst{T: b.T, FailureRatio: b.FailureRatio, P99MS: b.Latency.P99}
		}
	}
	r.UnhealthyS = round(r.UnhealthyS, 3)
	return r
}

// baseline derives the health rule: the SLO's limits where it sets them,
// else a margin over the buckets before the first fault.
func baseline(series []Bucket, firstFault float64, bucketS float64, sloFailure, sloP99MS *float64) Health {
	h := Health{Rule: "slo"}
	var fr []float64
	var p99 []float64
	for _, b := range series {
		if b.T+bucketS > firstFault {
			break
		}
		if judged(b) {
			fr = append(fr, b.FailureRatio)
			p99 = append(p99, b.Latency.P99)
		}
	}
	baseFR, baseP99 := 0.0, 250.0 // with no pre-fault baseline: 0 failures, 250 ms
	if len(fr) > 0 {
		baseFR, baseP99 = median(fr), median(p99)
	}
	if sloFailure != nil {
		h.MaxFailureRatio = *sloFailure
	} else {
		h.Rule, h.MaxFailureRatio = "baseline", round(baseFR+0.02, 6)
	}
	if sloP99MS != nil {
		h.MaxP99MS = *sloP99MS
	} else {
		h.Rule, h.MaxP99MS = "baseline", round(math.Max(2*baseP99, baseP99+20), 3)
	}
	if sloFailure == nil && sloP99MS != nil || sloFailure != nil && sloP99MS == nil {
		h.Rule = "slo+baseline"
	}
	return h
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
