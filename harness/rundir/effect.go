package rundir

import (
	"fmt"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/authquake/authquake/harness/scenario"
)

// Effect is what a fault does to the payments made while it is in force. The
// analysis attributes damage by it: failures are not charged to a fault that
// only delays answers while one that fails them is in force, and a fault that
// declines payments fails none (a decline is not a failure). Each fault kind
// says its own (harness/fault's Kind.Effect); the run records it in the
// timeline, so that the analysis needs no registry of kinds.
type Effect string

// Effects of a fault.
const (
	// Delays: answers come later, but they come.
	Delays Effect = "delays"
	// Fails: payments can fail (errors, timeouts, resets, refused connections).
	Fails Effect = "fails"
	// Declines: the service declines payments it would have approved.
	Declines Effect = "declines"
)

// EffectOn is what the fault did to payments on a client that gave up after
// clientTimeout: the effect recorded with the event, or, in a timeline
// written before events carried one, the effect its kind had then, by the
// kind's name (an unknown kind fails: nothing says it is milder).
func (e Event) EffectOn(clientTimeout time.Duration) Effect {
	switch e.Effect {
	case Delays, Fails, Declines:
		return e.Effect
	}
	return formerEffect(e, clientTimeout)
}

// formerEffect is the effect of the kinds whose effect is not always Fails,
// as they were when timeline.json did not record it. It is frozen: a kind
// added or changed since records its effect, and this table keeps judging
// the runs saved before as they were judged then.
func formerEffect(e Event, clientTimeout time.Duration) Effect {
	switch e.Kind {
	case "risk_strictness", "credit_limit":
		return Declines
	case "http": // the switch's declared effect
		switch d := Effect(fmt.Sprint(e.Params["effect"])); d {
		case Delays, Declines:
			return d
		}
		return Fails
	case "latency", "bandwidth", "slow_close":
		// On the client link they delay answers, unless the delay reaches
		// the client's timeout; behind the service they can make it fail.
		if e.Target != "client" || e.Kind == "latency" && latencyAdded(e.Params) >= clientTimeout {
			return Fails
		}
		return Delays
	}
	return Fails
}

// latencyAdded is the most a latency fault adds to an answer: its latency
// and its jitter; 0 when its parameters cannot be read.
func latencyAdded(params map[string]any) time.Duration {
	var p struct {
		Latency scenario.Duration `yaml:"latency"`
		Jitter  scenario.Duration `yaml:"jitter"`
	}
	b, err := yaml.Marshal(params)
	if err != nil || yaml.Unmarshal(b, &p) != nil {
		return 0
	}
	return p.Latency.D() + p.Jitter.D()
}
