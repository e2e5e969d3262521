// Package traffic turns a scenario's phases into one open-model schedule: a
// piecewise-linear rate over the whole run, the due time of every hit, and a
// vegeta Pacer that follows it. The schedule is exact arithmetic, so a run's
// offered load and each request's scheduled send time are known without
// looking at what the load generator managed to do.
//
//	rate
//	 ^        spike: rise, hold, fall
//	 |            ____
//	 |  ramp     /    \          sine
//	 |   /‾‾‾‾‾‾/      \‾‾‾‾‾‾‾\/‾‾\/‾‾
//	 |__/
//	 +-----------------------------------> t
package traffic

import (
	"math"
	"sort"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// segment is a stretch where the rate changes linearly from r0 to r1.
type segment struct {
	start, length float64 // seconds
	r0, r1        float64 // hits per second
	hits0         float64 // hits due before the segment
}

func (s segment) hits(tau float64) float64 {
	return s.r0*tau + (s.r1-s.r0)*tau*tau/(2*s.length)
}

// Span is where a phase lies on the run's timeline.
type Span struct {
	Name       string        `json:"name"`
	Shape      string        `json:"shape"`
	Start, End time.Duration `json:"-"`
	StartS     float64       `json:"start_s"`
	EndS       float64       `json:"end_s"`
	// Hits is how many requests the phase offers.
	Hits float64 `json:"offered"`
}

// Plan is the whole run's schedule.
type Plan struct {
	segs  []segment
	spans []Span
	total float64 // seconds
	hits  float64
}

// sinePieces is how many linear pieces approximate one period of a sine.
const sinePieces = 64

// NewPlan lays the phases end to end.
func NewPlan(phases []scenario.Phase) *Plan {
	p := &Plan{}
	for _, ph := range phases {
		start, h0 := p.total, p.hits
		d := ph.Duration.D().Seconds()
		switch ph.Shape {
		case scenario.ShapeConstant:
			p.add(d, ph.Rate.PerSecond(), ph.Rate.PerSecond())
		case scenario.ShapeRamp:
			p.add(d, ph.From.PerSecond(), ph.To.PerSecond())
		case scenario.ShapeStep:
			for i := range ph.Steps {
				r := ph.From.PerSecond() + (ph.To.PerSecond()-ph.From.PerSecond())*float64(i)/float64(ph.Steps-1)
				p.add(d/float64(ph.Steps), r, r)
			}
		case scenario.ShapeSpike:
			base, peak := ph.Baseline.PerSecond(), ph.Peak.PerSecond()
			rise, hold := ph.Rise.D().Seconds(), ph.Hold.D().Seconds()
			lead := (d - 2*rise - hold) / 2
			p.add(lead, base, base)
			p.add(rise, base, peak)
			p.add(hold, peak, peak)
			p.add(rise, peak, base)
			p.add(d-lead-2*rise-hold, base, base)
		case scenario.ShapeSine:
			mean, amp, period := ph.Mean.PerSecond(), ph.Amplitude.PerSecond(), ph.Period.D().Seconds()
			step := period / sinePieces
			rate := func(t float64) float64 { return mean + amp*math.Sin(2*math.Pi*t/period) }
			for t := 0.0; t < d-1e-9; t += step {
				l := math.Min(step, d-t)
				p.add(l, rate(t), rate(t+l))
			}
		}
		p.spans = append(p.spans, Span{Name: ph.Name, Shape: ph.Shape, Start: secs(start), End: secs(p.total),
			StartS: start, EndS: p.total, Hits: p.hits - h0})
	}
	return p
}

func (p *Plan) add(length, r0, r1 float64) {
	if length <= 0 {
		return
	}
	s := segment{start: p.total, length: length, r0: r0, r1: r1, hits0: p.hits}
	p.segs = append(p.segs, s)
	p.total += length
	p.hits += s.hits(length)
}

func secs(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// Duration is the length of the whole schedule.
func (p *Plan) Duration() time.Duration { return secs(p.total) }

// Spans lists the phases on the timeline.
func (p *Plan) Spans() []Span { return p.spans }

// Total is how many hits the schedule offers, rounded down.
func (p *Plan) Total() uint64 { return uint64(p.hits + 1e-9) }

// Peak is the highest rate the schedule offers, in hits per second.
func (p *Plan) Peak() float64 {
	peak := 0.0
	for _, s := range p.segs {
		peak = max(peak, s.r0, s.r1)
	}
	return peak
}

// seg returns the segment at t seconds.
func (p *Plan) seg(t float64) (segment, bool) {
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].start+p.segs[i].length > t })
	if i == len(p.segs) || t < 0 {
		return segment{}, false
	}
	return p.segs[i], true
}

// Rate is the offered rate in hits per second at t.
func (p *Plan) Rate(t time.Duration) float64 {
	s, ok := p.seg(t.Seconds())
	if !ok {
		return 0
	}
	tau := t.Seconds() - s.start
	return s.r0 + (s.r1-s.r0)*tau/s.length
}

// Hits is how many hits are due in [0, t).
func (p *Plan) Hits(t time.Duration) float64 {
	if t.Seconds() >= p.total {
		return p.hits
	}
	s, ok := p.seg(t.Seconds())
	if !ok {
		return 0
	}
	return s.hits0 + s.hits(t.Seconds()-s.start)
}

// At returns when hit n (counting from 0) is due: the time at which Hits
// reaches n. It returns false past the last hit of the schedule.
func (p *Plan) At(n uint64) (time.Duration, bool) {
	k := float64(n)
	if k >= p.hits-1e-9 && n > 0 || p.hits == 0 {
		return 0, false
	}
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].hits0+p.segs[i].hits(p.segs[i].length) > k })
	if i == len(p.segs) {
		return 0, false
	}
	s := p.segs[i]
	need := k - s.hits0
	a := (s.r1 - s.r0) / (2 * s.length)
	// Solve a*tau^2 + r0*tau = need in the form that is stable for a of either sign.
	disc := math.Max(s.r0*s.r0+4*a*need, 0)
	den := s.r0 + math.Sqrt(disc)
	tau := 0.0
	if den > 0 {
		tau = 2 * need / den
	}
	return secs(s.start + math.Min(tau, s.length)), true
}
