package run

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// ring is how many one-second buckets the monitor keeps.
const ring = 128

// window is how many seconds of answers the progress line's failure ratio
// and p99 cover: one second is too few answers to say much.
const window = 5

// second is what the monitor knows of one second of the run.
type second struct {
	index     int64
	done      int // payments whose final answer came in this second
	failures  int // of which failed
	sent      int // first attempts that left in this second
	latencies *hdrhistogram.Histogram
}

// monitor watches the run as it goes: it is a load.Sink and a
// load.SendObserver that keeps the last seconds' sends and payment outcomes,
// checks the stop conditions once a second and prints the progress line. It
// counts as the report does: a send when the first attempt leaves, a payment
// by its final attempt. What it sees is for steering the run only; the report
// is computed from the saved attempts.
type monitor struct {
	mu       sync.Mutex
	secs     [ring]second
	inflight int // payments sent whose final answer has not come
	scratch  *hdrhistogram.Histogram
	stop     []scenario.StopCondition
	plan     *traffic.Plan
	out      io.Writer
	tty      bool
	active   func() []string
	breach   func(reason string)
	fired    bool
	cond     int // 1 + the index of the stop condition that fired; 0: none
	lastOut  time.Time
}

func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 600_000_000, 2) }

func (m *monitor) bucket(i int64) *second {
	b := &m.secs[i%ring]
	if b.index != i || b.latencies == nil {
		if b.latencies == nil {
			b.latencies = newHistogram()
		}
		b.latencies.Reset()
		*b = second{index: i, latencies: b.latencies}
	}
	return b
}

// Sent counts a payment's first attempt as it leaves (load.SendObserver).
func (m *monitor) Sent(at time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bucket(int64(at/time.Second)).sent++
	m.inflight++
}

// Record counts a payment when its final attempt ends (load.Sink): its
// outcome is what the user saw, its latency runs from its first schedule.
func (m *monitor) Record(a *record.Attempt) {
	if !a.Final || a.FollowUp() { // captures, voids, reversals are not payments
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inflight = max(m.inflight-1, 0) // a request that could not be built was never sent
	b := m.bucket(int64(a.End() / time.Second))
	b.done++
	if a.Outcome.Failure() {
		b.failures++
	}
	b.latencies.RecordValue(max(int64((a.End()-a.Scheduled)/time.Microsecond), 1))
}

// status is what the progress line shows at one tick.
type status struct {
	sent, inflight int
	// done and failures are over the trailing window; p99 too.
	done, failures int
	p99            time.Duration
}

// status sums the window ending with second last. The caller holds mu.
func (m *monitor) status(last int64) status {
	st := status{inflight: m.inflight}
	if last < 0 {
		return st
	}
	st.sent = m.bucket(last).sent
	if m.scratch == nil {
		m.scratch = newHistogram()
	}
	m.scratch.Reset()
	for i := max(last-window+1, 0); i <= last; i++ {
		b := m.bucket(i)
		st.done += b.done
		st.failures += b.failures
		m.scratch.Merge(b.latencies)
	}
	if st.done > 0 {
		st.p99 = time.Duration(m.scratch.ValueAtQuantile(99)) * time.Microsecond
	}
	return st
}

// tick runs once a second at elapsed: it judges the last whole second.
func (m *monitor) tick(elapsed time.Duration) {
	m.mu.Lock()
	last := int64(elapsed/time.Second) - 1
	st := m.status(last)
	reason := ""
	if last >= 0 && !m.fired {
		reason = m.checkStop(last)
	}
	m.mu.Unlock()
	if reason != "" {
		m.fired = true
		m.breach(reason)
	}
	m.progress(elapsed, st)
}

// checkStop returns why the run must stop, if a condition held in every one
// of its last For seconds.
func (m *monitor) checkStop(last int64) string {
	for ci, c := range m.stop {
		n := int64(max(1, (c.For.D()+time.Second-1)/time.Second))
		if last+1 < n || n > ring/2 {
			continue
		}
		held := true
		for i := last - n + 1; i <= last && held; i++ {
			b := m.bucket(i)
			switch {
			case b.done == 0:
				held = false
			case c.FailureRatio != nil:
				held = float64(b.failures)/float64(b.done) > *c.FailureRatio
			case c.P99 != nil:
				held = time.Duration(b.latencies.ValueAtQuantile(99))*time.Microsecond > c.P99.D()
			}
		}
		if held {
			m.cond = ci + 1
			if c.FailureRatio != nil {
				return fmt.Sprintf("stop condition: failure ratio above %g for %s", *c.FailureRatio, c.For.D())
			}
			return fmt.Sprintf("stop condition: p99 above %s for %s", c.P99.D(), c.For.D())
		}
	}
	return ""
}

// progress prints one line: in place on a terminal, every 5 s otherwise.
func (m *monitor) progress(elapsed time.Duration, st status) {
	if m.out == nil || !m.tty && time.Since(m.lastOut) < 5*time.Second {
		return
	}
	m.lastOut = time.Now()
	line := m.line(elapsed, st)
	if m.tty {
		fmt.Fprintf(m.out, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(m.out, line)
	}
}

// line renders the progress line. Offered and sent are over the last whole
// second, both counted at send time; failed and p99 over the payments
// answered in the last few seconds, as the report counts them.
func (m *monitor) line(elapsed time.Duration, st status) string {
	phase := ""
	for _, s := range m.plan.Spans() {
		if elapsed >= s.Start && elapsed < s.End {
			phase = s.Name
		}
	}
	from := (elapsed/time.Second - 1) * time.Second
	offered := 0.0
	if from >= 0 {
		offered = m.plan.Hits(from+time.Second) - m.plan.Hits(from)
	}
	answers := "no answers"
	if st.done > 0 {
		answers = fmt.Sprintf("failed %5.1f%%  p99 %8s", 100*float64(st.failures)/float64(st.done), st.p99.Round(time.Millisecond))
	}
	faults := strings.Join(m.active(), ",")
	if faults == "" {
		faults = "-"
	}
	return fmt.Sprintf("%6.1fs/%.0fs %-12s offered %5.0f/s sent %5d/s  in flight %5d  last %ds: %s  faults %s",
		elapsed.Seconds(), m.plan.Duration().Seconds(), phase, offered, st.sent, st.inflight, window, answers, faults)
}

// firedCondition is the index of the stop condition that stopped the run,
// or -1 (the live metrics' stop state).
func (m *monitor) firedCondition() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cond - 1
}
