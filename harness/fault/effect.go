package fault

import (
	"time"

	"github.com/authquake/authquake/harness/rundir"
)

// Effect is what a fault does to the payments made while it is in force
// (see rundir.Effect): the timeline records each fault's, and the analysis
// attributes damage by it.
type Effect = rundir.Effect

// Effects of a fault kind.
const (
	Delays   = rundir.Delays   // answers come later, but they come
	Fails    = rundir.Fails    // payments can fail
	Declines = rundir.Declines // the service declines payments it would have approved
)

// EffectRule gives the effect of one fault of a kind (its target and
// parameters) on a client that gives up after clientTimeout.
type EffectRule func(s Spec, clientTimeout time.Duration) Effect

// Always is the rule of a kind whose effect does not depend on its spec.
func Always(e Effect) EffectRule {
	return func(Spec, time.Duration) Effect { return e }
}

// delaysOnClient is the rule of a network kind that slows a link: on the
// client link it only delays answers, unless the delay it adds (added; nil:
// none counted) reaches the client's timeout, when the client gives up and
// the payment fails; on a link behind the service it can make the service
// fail (its own timeouts, a pool held by slow connections).
func delaysOnClient(added func(Spec) time.Duration) EffectRule {
	return func(s Spec, clientTimeout time.Duration) Effect {
		if s.Target != "client" {
			return Fails
		}
		if added != nil && added(s) >= clientTimeout {
			return Fails
		}
		return Delays
	}
}

// EffectOf is the effect of a fault of kind on target with params (as the
// scenario or the saved timeline gives them) on a client that gives up after
// clientTimeout. A kind not registered Fails: nothing says it is milder.
func EffectOf(kind, target string, params map[string]any, clientTimeout time.Duration) Effect {
	k, ok := Lookup(kind)
	if !ok {
		return Fails
	}
	return k.Effect(Spec{Kind: kind, Target: target, Params: params}, clientTimeout)
}
