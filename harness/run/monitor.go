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

// second is what the monitor knows of one second of the run.
type second struct {
	index     int64
	done      int // attempts that ended in this second
	failures  int
	sent      int // first attempts sent in this second
	latencies *hdrhistogram.Histogram
}

// monitor watches the run as it goes: it is a load.Sink that keeps the last
// seconds' outcomes, checks the stop conditions once a second and prints the
// progress line. What it sees is for steering the run only; the report is
// computed from the saved attempts.
type monitor struct {
	mu      sync.Mutex
	secs    [ring]second
	stop    []scenario.StopCondition
	plan    *traffic.Plan
	out     io.Writer
	tty     bool
	active  func() []string
	breach  func(reason string)
	fired   bool
	lastOut time.Time
}

func (m *monitor) bucket(i int64) *second {
	b := &m.secs[i%ring]
	if b.index != i || b.latencies == nil {
		if b.latencies == nil {
			b.latencies = hdrhistogram.New(1, 600_000_000, 2)
		}
		b.latencies.Reset()
		*b = second{index: i, latencies: b.latencies}
	}
	return b
}

// Record counts one attempt (load.Sink).
func (m *monitor) Record(a *record.Attempt) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bucket(int64(a.End() / time.Second))
	b.done++
	if a.Outcome.Failure() {
		b.failures++
	}
	b.latencies.RecordValue(max(int64((a.End()-a.Scheduled)/time.Microsecond), 1))
	if a.Attempt == 1 {
		m.bucket(int64(a.Sent/time.Second)).sent++
	}
}

// tick runs once a second at elapsed: it judges the last whole second.
func (m *monitor) tick(elapsed time.Duration) {
	m.mu.Lock()
	last := int64(elapsed/time.Second) - 1
	var b second
	if last >= 0 {
		b = *m.bucket(last)
	}
	reason := ""
	if last >= 0 && !m.fired {
		reason = m.checkStop(last)
	}
	m.mu.Unlock()
	if reason != "" {
		m.fired = true
		m.breach(reason)
	}
	m.progress(elapsed, b)
}

// checkStop returns why the run must stop, if a condition held in every one
// of its last For seconds.
func (m *monitor) checkStop(last int64) string {
	for _, c := range m.stop {
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
			if c.FailureRatio != nil {
				return fmt.Sprintf("stop condition: failure ratio above %g for %s", *c.FailureRatio, c.For.D())
			}
			return fmt.Sprintf("stop condition: p99 above %s for %s", c.P99.D(), c.For.D())
		}
	}
	return ""
}

// progress prints one line: in place on a terminal, every 5 s otherwise.
func (m *monitor) progress(elapsed time.Duration, b second) {
	if m.out == nil || !m.tty && time.Since(m.lastOut) < 5*time.Second {
		return
	}
	m.lastOut = time.Now()
	phase := ""
	for _, s := range m.plan.Spans() {
		if elapsed >= s.Start && elapsed < s.End {
			phase = s.Name
		}
	}
	ratio, p99 := 0.0, time.Duration(0)
	if b.done > 0 {
		ratio = float64(b.failures) / float64(b.done)
		p99 = time.Duration(b.latencies.ValueAtQuantile(99)) * time.Microsecond
	}
	faults := strings.Join(m.active(), ",")
	if faults == "" {
		faults = "-"
	}
	line := fmt.Sprintf("%6.1fs/%.0fs %-12s offered %5.0f/s sent %5d/s  failed %5.1f%%  p99 %8s  faults %s",
		elapsed.Seconds(), m.plan.Duration().Seconds(), phase, m.plan.Rate(elapsed), b.sent, 100*ratio,
		p99.Round(time.Millisecond), faults)
	if m.tty {
		fmt.Fprintf(m.out, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(m.out, line)
	}
}
