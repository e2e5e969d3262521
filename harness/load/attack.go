// Package load drives a scenario's payment traffic at a target with vegeta as
// a library: one attack over the whole timeline, paced by traffic.Pacer (the
// open model: unbounded workers, so a stalled service shows up as latency
// measured from the scheduled send time, never as a pause in the schedule),
// with the scenario's client behaviour (timeouts, retries with the same
// idempotency key, double submissions) and every attempt recorded.
package load

import (
	"fmt"
	"math"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// Options configures an Attack.
type Options struct {
	Scenario *scenario.Scenario
	Seed     uint64
	// Base is the target's base URL, e.g. http://127.0.0.1:32769.
	Base string
	// Sinks receive every attempt (the record writer, the live monitor).
	Sinks []Sink
	// Refs are the service's own account ids by account index, captured by
	// setup ({{.AccountRef}} in request templates).
	Refs []string
	// Guard is where the load may connect; the zero Guard allows this
	// machine only. A refused address is a conn_error naming the guard.
	Guard egress.Guard
	// Shard, when set, sends only the shard's hits (traffic.Shard), and
	// StartAt, when set, is the base time of the schedule: the instant every
	// shard of a run shares.
	Shard   traffic.Shard
	StartAt time.Time
	// Auth, when set, gives every request its bearer token (harness/auth).
	Auth Authorizer
	// NotifyURL is {{.NotifyURL}} in the authorisation's templates: the
	// run's webhook receiver.
	NotifyURL string
}

// Attack is one run of a scenario's traffic. Run it once.
type Attack struct {
	plan     *traffic.Plan
	pacer    *traffic.Pacer
	sender   *sender
	attacker *vegeta.Attacker
}

// New prepares the attack; nothing is sent until Run.
func New(o Options) (*Attack, error) {
	plan := traffic.NewPlan(o.Scenario.Traffic.Phases)
	pacer := traffic.NewShardPacer(plan, o.Shard, o.StartAt)
	s, err := newSender(o.Scenario, o.Seed, o.Base, pacer, o.Sinks, o.Guard)
	if err == nil {
		s.stream.WithRefs(o.Refs)
		s.auth = o.Auth
		s.path.notify, s.body.notify = o.NotifyURL, o.NotifyURL
		for i := range s.headers {
			s.headers[i].val.notify = o.NotifyURL
		}
	}
	if err != nil {
		return nil, err
	}
	// No client-wide timeout: each attempt has its own (the scenario's
	// client timeout) and backoffs are bounded, so a hit always ends; a
	// second timer per request would only cost CPU.
	atk := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: s}), // first: later options must not touch a default client
		vegeta.Workers(64),
		vegeta.MaxWorkers(math.MaxUint64), // unbounded: the open model (see docs/LOAD-NOTES.md)
		vegeta.MaxBody(0),
		vegeta.Redirects(vegeta.NoFollow),
	)
	a := &Attack{plan: plan, pacer: pacer, sender: s, attacker: atk}
	s.halt = a.Stop
	return a, nil
}

// Plan is the schedule the attack follows.
func (a *Attack) Plan() *traffic.Plan { return a.plan }

// Began blocks until the attack has started and returns its base time: every
// scheduled and actual send time is measured from it.
func (a *Attack) Began() time.Time { return a.pacer.Began() }

// Settlement follows the payments answered pending until their final state
// (target.webhooks, target.status); nil when the target tells none later.
func (a *Attack) Settlement() *Settlement { return a.sender.settle }

// Result sums up an attack from the load generator's side.
type Result struct {
	// Hits is how many payments were started.
	Hits uint64
	// Planned is how many the schedule offered.
	Planned uint64
	// Err is the first request that could not be built (a template that
	// did not render): the attack stopped there, and the run is in error.
	Err error
	// Truncated counts the answers longer than requests.client.max_answer_bytes:
	// each was classified by its status and the part that was read.
	Truncated uint64
}

// Run sends the traffic and returns when every hit has finished: at the end
// of the schedule, or after Stop. With a flow, it returns once every
// follow-up has been sent (or, after Stop, recorded as not sent).
func (a *Attack) Run() Result {
	r := Result{Planned: a.pacer.Shard().Planned(a.plan.Total())}
	tr := func(t *vegeta.Target) error {
		t.Method, t.URL = http.MethodPost, a.sender.base
		return nil
	}
	// No duration: the pacer ends the attack after the schedule's last hit,
	// so hits that fell behind are sent late, never dropped.
	for range a.attacker.Attack(tr, a.pacer, 0, "") { // no name: one header less per hit
		r.Hits++
	}
	if a.sender.flows != nil { // captures, voids and reversals still due
		a.sender.flows.wait()
	}
	a.sender.failOnce.Do(func() {}) // no fail after this point; one that ran is visible here
	r.Err, r.Truncated = a.sender.err, a.sender.truncated.Load()
	return r
}

// Stop ends the attack: no new hits, no new retries, no follow-up not yet
// due (each is recorded as not sent); attempts in flight finish within the
// client's timeout and are recorded.
func (a *Attack) Stop() {
	a.pacer.Stop()
	a.sender.stop()
	a.attacker.Stop()
}

// String describes the attack for logs.
func (a *Attack) String() string {
	return fmt.Sprintf("%d payments over %s", a.plan.Total(), a.plan.Duration())
}
