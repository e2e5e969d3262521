package main

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/targets/truth/server"
)

// tcase is one cell of the truth matrix: a service answering base after
// each arrival, a first fault of one mode, and how a second fault (always
// fail) is placed: not at all, 4 s after the first ends, or overlapping it.
type tcase struct {
	base    time.Duration
	mode    server.Mode
	arrange string // alone, followed, overlapping
}

func (c tcase) name() string { return fmt.Sprintf("%s/%s/%s", c.base, c.mode, c.arrange) }

// The matrix's fixed choices.
const (
	bucketS        = 1.0
	recoveredAfter = 2.0
	gapS           = 4.0 // followed: the second fault begins this long after the first ends
	partialShare   = 0.5
)

// timing is a case's schedule in seconds, sized to its base latency so that
// every effect has room to show: the baseline before the first fault, the
// first fault long enough for its impact to show before an overlapping
// second fault begins, and time after the last fault for a recovery.
type timing struct {
	b, limit, extra, timeout float64 // base latency, SLO p99, slow's extra, client timeout
	aF, dF, aG, dG, total    float64 // first fault, second fault (dG 0: none), run length
	rate                     int
}

func (c tcase) timing() timing {
	b := c.base.Seconds()
	// A slower service gets a lower rate: the stall cells hold every
	// payment due in their window, each held payment four descriptors in
	// this one process (client, proxy in and out, server), and the
	// matrix's cells run at once.
	t := timing{b: b, limit: b + math.Max(b, 0.5), extra: 2 * math.Max(b, 0.5), rate: int(math.Max(12, 30/math.Max(1, 2*b)))}
	t.timeout = b + t.extra + 3
	scale := scaled()
	t.rate = int(float64(t.rate) * math.Min(scale, 2))
	t.aF = scale * math.Max(6, 2*b+4)
	t.dF = scale * math.Max(6, 2*(t.limit-b)+4)
	end := t.aF + t.dF
	switch c.arrange {
	case "followed":
		t.aG, t.dG = end+gapS, 4
		end = t.aG + t.dG
	case "overlapping":
		t.aG, t.dG = t.aF+t.dF/2, t.dF/2+3
		end = t.aG + t.dG
	}
	t.total = math.Ceil(end + scale*math.Max(6, b+5))
	return t
}

// scaled is TRUTH_SCALE (make bench-truth): the baseline, the first fault
// and the time after the last fault that many times as long, at up to
// twice the rate; 1 when unset.
func scaled() float64 {
	if x, err := strconv.ParseFloat(os.Getenv("TRUTH_SCALE"), 64); err == nil && x >= 1 && x <= 10 {
		return x
	}
	return 1
}

// cases is the whole matrix: base latency x mode x arrangement.
func cases() []tcase {
	var out []tcase
	for _, b := range []time.Duration{5 * time.Millisecond, 500 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second} {
		for _, m := range []server.Mode{server.Fail, server.Stall, server.Slow, server.Partial} {
			for _, a := range []string{"alone", "followed", "overlapping"} {
				out = append(out, tcase{b, m, a})
			}
		}
	}
	return out
}

// switchURL turns a switch on with the case's parameters, or off.
func switchURL(base, name string, m server.Mode, t timing, on bool) string {
	if !on {
		return fmt.Sprintf("%s/switch/%s/off", base, name)
	}
	q := url.Values{"mode": {string(m)}}
	switch m {
	case server.Slow:
		q.Set("extra", fmt.Sprintf("%gs", t.extra))
	case server.Partial:
		q.Set("share", fmt.Sprint(partialShare))
	}
	return fmt.Sprintf("%s/switch/%s/on?%s", base, name, q.Encode())
}

// scenarioYAML is the case as a scenario against the truth service at
// serviceURL (the payments' URL; the switches are called directly).
func (c tcase) scenarioYAML(serviceURL, switchBase string) string {
	t := c.timing()
	fault := func(name string, m server.Mode, at, d float64, effect string) string {
		return fmt.Sprintf(`  - {name: %s, at: %gs, duration: %gs, kind: http, params: {inject: {url: "%s"}, revert: {url: "%s"}%s}}
`, name, at, d, switchURL(switchBase, name, m, t, true), switchURL(switchBase, name, m, t, false), effect)
	}
	effect := ""
	if c.mode == server.Slow {
		effect = ", effect: delays"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `name: truth-%s
target: {kind: url, url: "%s"}
traffic: {phases: [{name: steady, duration: %gs, shape: constant, rate: %d/s}]}
requests: {client: {timeout: %gs, retries: {max_attempts: 1}}}
slo: {p99: %gms, recovered_after: %gs}
faults:
`, strings.NewReplacer("/", "-", ".", "_").Replace(c.name()), serviceURL, t.total, t.rate, t.timeout, math.Round(t.limit*1000), recoveredAfter)
	b.WriteString(fault("first", c.mode, t.aF, t.dF, effect))
	if t.dG > 0 {
		b.WriteString(fault("second", server.Fail, t.aG, t.dG, ""))
	}
	return b.String()
}

// truth is what one fault's judgement must say, worked out from the
// service's rules and the instants its switches actually flipped (seconds
// since the run's base time).
type truth struct {
	state    string
	tti, ttr *float64 // within one bucket; nil: none
	hidden   string
	shared   string
}

// expect works out the truth of both faults of a case: first and second
// hold the instants each switch went on and off (dG 0: no second).
func (c tcase) expect(first, second [2]float64) []truth {
	t := c.timing()
	zero := 0.0
	lag := t.limit - t.b // slow answers are known late this long after their due time
	tti := &zero
	if c.mode == server.Slow || c.mode == server.Stall {
		tti = &lag
	}
	f := truth{state: analysis.StateImpactRecovered, tti: tti, ttr: &zero}
	out := []truth{f}
	switch c.arrange {
	case "followed":
		// The first's recovery is seen when payments sent after its revert
		// and answered before the second began span recovered_after.
		if second[0]-t.b-first[1] < recoveredAfter {
			out[0] = truth{state: analysis.StateRecoveryHidden, tti: tti, hidden: "second"}
		}
		out = append(out, truth{state: analysis.StateImpactRecovered, tti: &zero, ttr: &zero})
	case "overlapping":
		out[0] = truth{state: analysis.StateRecoveryHidden, tti: tti, hidden: "second"}
		g := truth{state: analysis.StateImpactRecovered, tti: &zero, ttr: &zero}
		switch c.mode {
		case server.Fail, server.Partial: // the service was failing when it began
			g = truth{state: analysis.StateAlreadyUnhealthy, ttr: &zero}
		case server.Stall:
			// The first failures are the timeouts of the payments the stall
			// held (or, if none time out, those it releases into the fail):
			// caught by both faults, they cannot be told apart.
			fail := first[1]
			if first[1]-first[0]+t.b >= t.timeout {
				fail = first[0] - t.b + t.timeout
			}
			at := fail - second[0]
			g = truth{state: analysis.StateShared, tti: &at, ttr: &zero, shared: "first"}
			if at < 0 {
				g = truth{state: analysis.StateAlreadyUnhealthy, ttr: &zero}
			}
		}
		out = append(out, g)
	}
	return out
}
