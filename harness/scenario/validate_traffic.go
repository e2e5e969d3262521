package scenario

import (
	"fmt"
	"slices"
	"strings"
)

// shapeFields lists the rate fields each shape uses.
var shapeFields = map[string][]string{
	ShapeConstant: {"rate"},
	ShapeRamp:     {"from", "to"},
	ShapeStep:     {"from", "to", "steps"},
	ShapeSpike:    {"baseline", "peak", "rise", "hold"},
	ShapeSine:     {"mean", "amplitude", "period"},
}

func (s *Scenario) validateTraffic(v *validator) {
	if len(s.Traffic.Phases) == 0 {
		v.errf("$.traffic.phases", "e.g. - {name: baseline, duration: 60s, shape: constant, rate: 100/s}", "at least one phase is required")
	}
	var peak float64
	for i, ph := range s.Traffic.Phases {
		p := fmt.Sprintf("$.traffic.phases[%d]", i)
		if ph.Duration <= 0 {
			v.errf(p+".duration", "e.g. duration: 60s", "must be more than 0")
		}
		uses, ok := shapeFields[ph.Shape]
		if !ok {
			v.errf(p+".shape", "", "must be one of constant, ramp, step, spike, sine, not %q", ph.Shape)
			continue
		}
		set := map[string]bool{"rate": ph.Rate > 0, "from": ph.From > 0, "to": ph.To > 0, "steps": ph.Steps != 0,
			"baseline": ph.Baseline > 0, "peak": ph.Peak > 0, "rise": ph.Rise > 0, "hold": ph.Hold > 0,
			"mean": ph.Mean > 0, "amplitude": ph.Amplitude > 0, "period": ph.Period > 0}
		for _, f := range []string{"rate", "from", "to", "steps", "baseline", "peak", "rise", "hold", "mean", "amplitude", "period"} {
			if set[f] && !slices.Contains(uses, f) {
				v.errf(p+"."+f, fmt.Sprintf("shape %s uses %s", ph.Shape, strings.Join(uses, ", ")), "does not apply to shape %s", ph.Shape)
			}
		}
		switch ph.Shape {
		case ShapeConstant:
			peak = max(peak, ph.Rate.PerSecond())
		case ShapeRamp, ShapeStep:
			if !set["from"] && !set["to"] {
				v.errf(p, "e.g. from: 100/s, to: 1000/s", "shape %s needs from and to", ph.Shape)
			}
			if ph.Shape == ShapeStep && ph.Steps < 2 {
				v.errf(p+".steps", "e.g. steps: 4", "shape step needs steps >= 2")
			}
			peak = max(peak, ph.From.PerSecond(), ph.To.PerSecond())
		case ShapeSpike:
			if ph.Peak <= ph.Baseline {
				v.errf(p+".peak", "e.g. baseline: 200/s, peak: 2000/s", "must be above baseline")
			}
			if ph.Hold <= 0 {
				v.errf(p+".hold", "how long the peak lasts, e.g. hold: 30s", "is required")
			}
			if 2*ph.Rise+ph.Hold > ph.Duration {
				v.errf(p+".hold", "the phase must hold the rise, the peak and the fall", "rise (%s) x2 + hold (%s) exceed the phase's duration (%s)", ph.Rise.D(), ph.Hold.D(), ph.Duration.D())
			}
			peak = max(peak, ph.Peak.PerSecond())
		case ShapeSine:
			if ph.Mean <= 0 || ph.Period <= 0 {
				v.errf(p, "e.g. mean: 300/s, amplitude: 200/s, period: 10m", "shape sine needs mean and period")
			}
			if ph.Amplitude > ph.Mean {
				v.errf(p+".amplitude", "the rate cannot go below 0", "must not exceed mean")
			}
			peak = max(peak, ph.Mean.PerSecond()+ph.Amplitude.PerSecond())
		}
	}
	if len(s.Traffic.Phases) > 0 && peak == 0 {
		v.errf("$.traffic.phases", "", "no phase sends any traffic")
	}
}

func (s *Scenario) validateRequests(v *validator) {
	q := s.Requests
	a := q.Amount
	switch a.Distribution {
	case "fixed":
		if a.Value < 1 {
			v.errf("$.requests.amount.value", "e.g. value: 2500", "distribution fixed needs value >= 1")
		}
	case "uniform", "lognormal":
		if a.Min < 1 || a.Max < a.Min {
			v.errf("$.requests.amount", "", "need 1 <= min <= max, got min %d, max %d", a.Min, a.Max)
		}
		if a.Distribution == "lognormal" && (a.Median < a.Min || a.Median > a.Max) {
			v.errf("$.requests.amount.median", "", "must lie within min and max")
		}
	default:
		v.errf("$.requests.amount.distribution", "", "must be fixed, uniform or lognormal, not %q", a.Distribution)
	}
	if !currencyPattern.MatchString(q.Currency) {
		v.errf("$.requests.currency", "e.g. currency: EUR", "must be three capital letters")
	}
	if q.Merchants.Count < 1 {
		v.errf("$.requests.merchants.count", "", "must be at least 1")
	}
	v.share("$.requests.merchants.high_risk_share", q.Merchants.HighRiskShare)
	c := q.Client
	if c.Timeout <= 0 {
		v.errf("$.requests.client.timeout", "e.g. timeout: 2s", "must be more than 0")
	}
	if c.Retries.MaxAttempts < 1 || c.Retries.MaxAttempts > 10 {
		v.errf("$.requests.client.retries.max_attempts", "1 means no retries", "must be from 1 to 10")
	}
	if c.Retries.Backoff > c.Retries.MaxBackoff {
		v.errf("$.requests.client.retries.backoff", "", "must not exceed max_backoff")
	}
	for i, on := range c.Retries.On {
		if !slices.Contains([]string{RetryTimeout, RetryConnError, RetryShed, Retry5xx}, on) {
			v.errf(fmt.Sprintf("$.requests.client.retries.on[%d]", i), "", "must be timeout, conn_error, 503 or 5xx, not %q", on)
		}
	}
	v.share("$.requests.client.duplicate_share", c.DuplicateShare)
	if c.MaxConnections < 0 {
		v.errf("$.requests.client.max_connections", "0 means no cap", "must be 0 or more")
	}
	if c.MaxAnswerBytes < MinMaxAnswerBytes || c.MaxAnswerBytes > MaxMaxAnswerBytes {
		v.errf("$.requests.client.max_answer_bytes", "e.g. max_answer_bytes: 64KiB (README \"Limits\")", "must be from 1KiB to 16MiB")
	}
}
