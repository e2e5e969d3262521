// Package live serves a run's progress as Prometheus metrics while it lasts,
// so that a load test can be watched on the dashboards one already has
// (`authquake run --metrics-addr 127.0.0.1:9464`). The Exporter is a
// load.Sink like the attempts file and the progress line: it counts what
// the load sent and what came back, as the report will count it, with
// counters and histograms the Prometheus client keeps lock-free.
//
//	load --Sent/Record--> Exporter (counters, histograms)
//	run  --Start/Tick---> Exporter (schedule, faults, stop conditions)
//	Prometheus --GET /metrics--> promhttp --> Exporter's registry
package live

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/traffic"
)

// LatencyBuckets are the upper bounds, in seconds, of the latency
// histograms: from 1 ms to a minute, denser where payment SLOs sit.
var LatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .075, .1, .15, .25, .35, .5, .75, 1, 1.5, 2.5, 5, 10, 30, 60}

// outcomes are every record.Outcome, in a fixed order.
var outcomes = []record.Outcome{record.Approved, record.Declined, record.Rejected, record.Shed, record.Error,
	record.Timeout, record.ConnError, record.Pending, record.Duplicate}

// Exporter is a load.Sink and load.SendObserver that keeps the metrics of
// one run. Its zero value is not usable: call New.
type Exporter struct {
	reg      *prometheus.Registry
	sent     prometheus.Counter
	offered  prometheus.Counter
	planned  prometheus.Gauge
	elapsed  prometheus.Gauge
	inflight prometheus.Gauge
	payments map[record.Outcome]prometheus.Counter // by final outcome, resolved once
	attempts map[record.Outcome]prometheus.Counter
	failed   prometheus.Counter // payments whose final outcome is a failure
	latency  prometheus.Histogram
	service  prometheus.Histogram
	lag      prometheus.Histogram

	mu        sync.Mutex
	first     map[uint64]time.Duration // schedules of payments still retrying
	offeredN  float64                  // the schedule's hits counted so far
	state     atomic.Pointer[Run]
	unknown   prometheus.Counter // an outcome this exporter does not know: a bug
	collector *runCollector
}

// New makes an Exporter with its own registry (no global state): the
// authquake_ metrics and the Go runtime and process collectors.
func New() *Exporter {
	reg := prometheus.NewRegistry()
	f := factory{reg}
	e := &Exporter{reg: reg, first: map[uint64]time.Duration{},
		sent:     f.counter("authquake_payments_sent_total", "Payments whose first attempt left (retries are attempts, not payments)."),
		offered:  f.counter("authquake_payments_offered_total", "Payments the open-model schedule had due so far, updated once a second."),
		planned:  f.gauge("authquake_payments_planned", "Payments the whole schedule plans."),
		elapsed:  f.gauge("authquake_run_elapsed_seconds", "Time since the load's base time."),
		inflight: f.gauge("authquake_payments_in_flight", "Payments sent whose final answer has not come."),
		failed:   f.counter("authquake_payments_failed_total", "Payments whose final outcome is a failure (shed, error, timeout, conn_error); declines are not failures."),
		unknown:  f.counter("authquake_outcomes_unknown_total", "Attempts with an outcome the exporter does not know (a bug in authquake)."),
		latency: f.histogram("authquake_payment_duration_seconds",
			"Payment latency from its first scheduled send to its final answer, retries included: what the user waited (free of coordinated omission)."),
		service: f.histogram("authquake_attempt_duration_seconds", "Attempt latency from its actual send to its answer: the service's and network's share."),
		lag:     f.histogram("authquake_send_lag_seconds", "How late each payment's first attempt left behind its schedule: the generator's health."),
	}
	pay := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authquake_payments_total",
		Help: "Payments by final outcome (the outcome the user saw)."}, []string{"outcome"})
	att := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authquake_attempts_total",
		Help: "HTTP attempts by outcome, retries included."}, []string{"outcome"})
	reg.MustRegister(pay, att)
	e.payments, e.attempts = map[record.Outcome]prometheus.Counter{}, map[record.Outcome]prometheus.Counter{}
	for _, o := range outcomes { // every child exists from the start: rate() sees 0, not a gap
		e.payments[o] = pay.WithLabelValues(string(o))
		e.attempts[o] = att.WithLabelValues(string(o))
	}
	e.collector = &runCollector{e: e}
	reg.MustRegister(e.collector, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Registry is what the endpoint serves.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Sent counts a payment as its first attempt leaves (load.SendObserver).
func (e *Exporter) Sent(time.Duration) {
	e.sent.Inc()
	e.inflight.Inc()
}

// Record counts an attempt, and its payment when it is the final one
// (load.Sink). It allocates nothing: the label children were resolved in New.
func (e *Exporter) Record(a *record.Attempt) {
	if c, ok := e.attempts[a.Outcome]; ok {
		c.Inc()
	} else {
		e.unknown.Inc()
	}
	e.service.Observe(a.Latency.Seconds())
	sched := a.Scheduled
	if a.Attempt == 1 {
		e.lag.Observe(max(a.Sent-a.Scheduled, 0).Seconds())
		if !a.Final { // a retry follows: keep the payment's first schedule
			e.mu.Lock()
			e.first[a.Seq] = a.Scheduled
			e.mu.Unlock()
			return
		}
	} else {
		e.mu.Lock()
		if s, ok := e.first[a.Seq]; ok {
			sched = s
			if a.Final {
				delete(e.first, a.Seq)
			}
		}
		e.mu.Unlock()
		if !a.Final {
			return
		}
	}
	e.inflight.Dec()
	if c, ok := e.payments[a.Outcome]; ok {
		c.Inc()
	}
	if a.Outcome.Failure() {
		e.failed.Inc()
	}
	e.latency.Observe((a.End() - sched).Seconds())
}

// Run is what the exporter knows of the run beyond the attempts: its
// schedule, its faults, its stop conditions.
type Run struct {
	// Plan is the load's schedule.
	Plan *traffic.Plan
	// Faults are the timeline's faults; Active names those in force now.
	Faults []Fault
	Active func() []string
	// StopConditions describe the scenario's stop_when entries; Fired says
	// which one stopped the run (-1: none) and whether it is stopping.
	StopConditions []string
	Fired          func() (condition int, stopping bool)
}

// Fault is one fault of the timeline, as labels.
type Fault struct{ Name, Kind, Target string }

// Start tells the exporter about the run before its load begins.
func (e *Exporter) Start(r Run) {
	e.planned.Set(float64(r.Plan.Total()))
	e.state.Store(&r)
}

// Tick updates the schedule's figures at elapsed since the base time; the
// run calls it once a second. A nil Exporter does nothing.
func (e *Exporter) Tick(elapsed time.Duration) {
	if e == nil {
		return
	}
	r := e.state.Load()
	if r == nil {
		return
	}
	e.elapsed.Set(elapsed.Seconds())
	e.mu.Lock()
	// Hit n is due at plan.At(n), the first at 0: ceil(Hits) are due by now.
	due := min(math.Ceil(r.Plan.Hits(elapsed)-1e-9), float64(r.Plan.Total()))
	if d := due - e.offeredN; d > 0 {
		e.offered.Add(d)
		e.offeredN = due
	}
	e.mu.Unlock()
}

// factory registers plain metrics on one registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: LatencyBuckets})
	f.reg.MustRegister(h)
	return h
}
