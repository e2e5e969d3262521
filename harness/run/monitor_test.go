package run

import (
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// event is one synthetic call on the monitor: a first attempt leaving
// (attempt 0) or an attempt ending.
type event struct {
	sent     time.Duration
	latency  time.Duration
	attempt  int
	final    bool
	outcome  record.Outcome
	noAnswer bool // sent, never answered (still in flight)
}

// payments makes n payments sent at second s, each answered after latency
// with outcome on its only attempt.
func payments(n int, s, latency time.Duration, outcome record.Outcome) []event {
	var es []event
	for i := range n {
		at := s + time.Duration(i)*time.Second/time.Duration(n)
		es = append(es, event{sent: at, latency: latency, attempt: 1, final: true, outcome: outcome})
	}
	return es
}

func replay(m *monitor, es []event) {
	for _, e := range es {
		if e.attempt == 1 {
			m.Sent(e.sent)
		}
		if e.noAnswer {
			continue
		}
		m.Record(&record.Attempt{Attempt: e.attempt, Scheduled: e.sent, Sent: e.sent, Latency: e.latency,
			Final: e.final, Outcome: e.outcome})
	}
}

func concat(ess ...[]event) []event {
	var all []event
	for _, es := range ess {
		all = append(all, es...)
	}
	return all
}

func TestMonitorCountsAsTheReportDoes(t *testing.T) {
	plan := traffic.NewPlan([]scenario.Phase{{Name: "spike", Duration: scenario.Duration(20 * time.Second),
		Shape: scenario.ShapeConstant, Rate: 100}})
	timeout := 2 * time.Second
	stuck := payments(100, 9*time.Second, 0, record.Approved)
	for i := range stuck {
		stuck[i].noAnswer = true
	}
	for _, c := range []struct {
		name     string
		events   []event
		at       time.Duration // the tick
		sent     int
		inflight int
		done     int
		failures int
	}{
		// The generator keeps its schedule while every answer times out:
		// the sends of the last second show at once, not when they time out.
		{"sends count when they leave", concat(payments(100, 7*time.Second, timeout, record.Timeout), stuck),
			10 * time.Second, 100, 100, 100, 100},
		// A payment whose first attempt timed out and whose retry was
		// approved is one approved payment, as in the report.
		{"a retried payment counts once, by its final attempt", []event{
			{sent: 3 * time.Second, latency: timeout, attempt: 1, outcome: record.Timeout},
			{sent: 5*time.Second + 100*time.Millisecond, latency: time.Millisecond, attempt: 2, final: true, outcome: record.Approved},
		}, 6 * time.Second, 0, 0, 1, 0},
		// Failures older than the window no longer weigh on the line.
		{"the failure ratio covers the last seconds only", concat(
			payments(100, 2*time.Second, time.Millisecond, record.Error),
			payments(100, 7*time.Second, time.Millisecond, record.Approved),
			payments(100, 8*time.Second, time.Millisecond, record.Error)),
			9 * time.Second, 100, 0, 200, 100},
		// A payment that could not be built is recorded without being sent:
		// in flight never goes below zero.
		{"a record without a send", []event{{sent: time.Second, attempt: 2, final: true, outcome: record.Error}},
			2 * time.Second, 0, 0, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &monitor{plan: plan, active: func() []string { return nil }}
			replay(m, c.events)
			st := m.status(int64(c.at/time.Second) - 1)
			if st.sent != c.sent || st.inflight != c.inflight || st.done != c.done || st.failures != c.failures {
				t.Errorf("sent %d in flight %d done %d failures %d, want %d %d %d %d",
					st.sent, st.inflight, st.done, st.failures, c.sent, c.inflight, c.done, c.failures)
			}
		})
	}
}

// TestMonitorLine: the line says what window its failure ratio covers, shows
// what is in flight, and compares offered and sent over the same second.
func TestMonitorLine(t *testing.T) {
	plan := traffic.NewPlan([]scenario.Phase{{Name: "spike", Duration: scenario.Duration(20 * time.Second),
		Shape: scenario.ShapeConstant, Rate: 600}})
	m := &monitor{plan: plan, active: func() []string { return []string{"slow-db"} }}
	replay(m, concat(payments(600, 4*time.Second, 10*time.Millisecond, record.Approved),
		payments(60, 5*time.Second, 0, record.Approved)))
	for range 540 { // the rest of second 5 still in flight
		m.Sent(5*time.Second + 500*time.Millisecond)
	}
	line := m.line(6*time.Second+300*time.Millisecond, m.status(5))
	for _, want := range []string{"offered   600/s", "sent   600/s", "in flight   540", "last 5s: failed   0.0%", "faults slow-db"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q does not say %q", line, want)
		}
	}
	if line := m.line(500*time.Millisecond, m.status(-1)); !strings.Contains(line, "no answers") {
		t.Errorf("before any answer the line is %q", line)
	}
}
