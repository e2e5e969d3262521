// Package shrink searches for the smallest scenario that still breaks the
// invariant a run broke, as QuickCheck and Hypothesis shrink a failing test
// case: passes over the scenario, each keeping only what still fails, until
// a round changes nothing or the budget is spent.
//
//	base (the run as it ran, duration scale built in)
//	  │
//	  ├─ drop faults        delta debugging over the fault list
//	  ├─ accounts           bisect the count, down to one
//	  ├─ start later        move the faults and the start of the load earlier together
//	  ├─ phases             bisect each phase's duration, then its rate
//	  └─ shorten faults     bisect each fault's duration
//	  (the passes that cut payments first; again while a round shrank something)
//
// The service is not deterministic, so each candidate runs up to --trials
// times and fails when at least --min-repro of its runs break the
// invariant; a run is a Runner's (harness/replay), which tests fake.
package shrink

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// Base is the scenario the search starts from and every candidate is
// rendered from.
type Base struct {
	Doc *replay.Doc
	// S is Doc decoded.
	S *scenario.Scenario
	// Notes say how Base differs from the file the run was given.
	Notes []string
}

// NewBase is the run's replay scenario (seed, bugs, faults at their actual
// instants) with the run's duration scale built in, so that every
// candidate, and the shrunk scenario, runs at scale 1.
func NewBase(r *replay.Run) (*Base, error) {
	d, notes, err := r.ReplayDoc()
	if err != nil {
		return nil, err
	}
	b, err := FromDoc(d)
	if err != nil {
		return nil, err
	}
	if f := r.Scale(); f != 1 {
		b.bake(f)
		notes = append(notes, fmt.Sprintf("the run's duration scale %g is built in: phase and fault times are as it ran", f))
		if b, err = FromDoc(b.Doc); err != nil {
			return nil, err
		}
	}
	b.Notes = notes
	return b, nil
}

// FromDoc decodes d as the base of a search.
func FromDoc(d *replay.Doc) (*Base, error) {
	raw, err := d.Bytes(nil)
	if err != nil {
		return nil, err
	}
	s, _, err := scenario.Parse("scenario.yaml", raw)
	if err != nil {
		return nil, err
	}
	return &Base{Doc: d, S: s}, nil
}

// bake multiplies the times of b's document by f as scenario.Scale does.
func (b *Base) bake(f float64) {
	phases := b.Doc.List("traffic", "phases")
	for i, p := range b.S.Traffic.Phases {
		m := phases[i].(yaml.MapSlice)
		for key, d := range map[string]scenario.Duration{"duration": p.Duration, "rise": p.Rise, "hold": p.Hold, "period": p.Period} {
			if _, ok := replay.GetIn(m, key); ok {
				m = replay.SetIn(m, key, replay.Seconds(d.D().Seconds()*f))
			}
		}
		phases[i] = m
	}
	faults := b.Doc.List("faults")
	for i, ft := range b.S.Faults {
		faults[i] = replay.SetIn(replay.SetIn(faults[i].(yaml.MapSlice), "at", replay.Seconds(ft.At.D().Seconds()*f)),
			"duration", replay.Seconds(ft.Duration.D().Seconds()*f))
	}
	if a := b.S.Accounts; a.ScaleWithDuration {
		b.Doc.Set(max(1, int(math.Round(float64(a.Count)*f))), "accounts", "count")
	}
}

// Candidate is one scenario of the search, as changes to the base.
type Candidate struct {
	Faults   []Fault
	Phases   []Phase
	Accounts int
}

// Fault is fault Src of the base at its own offset and duration.
type Fault struct {
	Src          int
	At, Duration time.Duration
}

// Phase is the base's phase of the same index with its own duration, and
// its rates multiplied by Rate.
type Phase struct {
	Duration time.Duration
	Rate     float64
}

// Start is the candidate that changes nothing.
func (b *Base) Start() Candidate {
	var c Candidate
	for i, f := range b.S.Faults {
		c.Faults = append(c.Faults, Fault{Src: i, At: f.At.D(), Duration: f.Duration.D()})
	}
	for _, p := range b.S.Traffic.Phases {
		c.Phases = append(c.Phases, Phase{Duration: p.Duration.D(), Rate: 1})
	}
	c.Accounts = b.S.Accounts.Count
	return c
}

func (c Candidate) key() string { return fmt.Sprint(c.Faults, c.Phases, c.Accounts) }

// clone returns a copy that shares nothing with c.
func (c Candidate) clone() Candidate {
	c.Faults = append([]Fault(nil), c.Faults...)
	c.Phases = append([]Phase(nil), c.Phases...)
	return c
}

// rateKeys are the fields of a phase that hold a rate.
var rateKeys = []string{"rate", "from", "to", "baseline", "peak", "mean", "amplitude"}

func rateOf(p *scenario.Phase, key string) *scenario.Rate {
	return map[string]*scenario.Rate{"rate": &p.Rate, "from": &p.From, "to": &p.To, "baseline": &p.Baseline,
		"peak": &p.Peak, "mean": &p.Mean, "amplitude": &p.Amplitude}[key]
}

// phases are the candidate's phases, decoded.
func (b *Base) phases(c Candidate) []scenario.Phase {
	out := append([]scenario.Phase(nil), b.S.Traffic.Phases...)
	for i := range out {
		out[i].Duration = scenario.Duration(c.Phases[i].Duration)
		for _, k := range rateKeys {
			*rateOf(&out[i], k) *= scenario.Rate(c.Phases[i].Rate)
		}
	}
	return out
}

// Payments is how many payments the candidate's schedule sends.
func (b *Base) Payments(c Candidate) uint64 { return traffic.NewPlan(b.phases(c)).Total() }

// Length is how long the candidate's load lasts.
func (b *Base) Length(c Candidate) time.Duration {
	var d time.Duration
	for _, p := range c.Phases {
		d += p.Duration
	}
	return d
}

// peak is the highest rate a phase of the candidate names.
func (b *Base) peak(c Candidate, i int) float64 {
	p := b.phases(c)[i]
	var m float64
	for _, k := range rateKeys {
		m = max(m, float64(*rateOf(&p, k)))
	}
	return m
}

// Render writes the candidate into a copy of the base's document.
func (b *Base) Render(c Candidate) *replay.Doc {
	d := b.Doc.Clone()
	base := b.Doc.Clone().List("faults")
	var faults []any
	for _, f := range c.Faults {
		m := replay.SetIn(base[f.Src].(yaml.MapSlice), "at", replay.Seconds(f.At.Seconds()))
		faults = append(faults, replay.SetIn(m, "duration", replay.Seconds(f.Duration.Seconds())))
	}
	if faults == nil {
		d.Delete("faults")
	} else {
		d.Set(faults, "faults")
	}
	phases := d.List("traffic", "phases")
	decoded := b.phases(c)
	for i := range phases {
		m := replay.SetIn(phases[i].(yaml.MapSlice), "duration", replay.Seconds(c.Phases[i].Duration.Seconds()))
		for _, k := range rateKeys {
			if _, ok := replay.GetIn(m, k); ok && c.Phases[i].Rate != 1 {
				m = replay.SetIn(m, k, formatRate(float64(*rateOf(&decoded[i], k))))
			}
		}
		phases[i] = m
	}
	if c.Accounts != b.S.Accounts.Count {
		d.Set(c.Accounts, "accounts", "count")
	}
	return d
}

// formatRate writes a rate to the hundredth of a payment a second.
func formatRate(r float64) string {
	return strconv.FormatFloat(max(math.Round(r*100)/100, 0.01), 'f', -1, 64) + "/s"
}
