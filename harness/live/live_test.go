package live_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/run"
)

// scrape reads the endpoint with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value is the sample of family name whose labels include want (nil: the
// only one); NaN when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return math.NaN()
	}
next:
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return math.NaN()
}

// TestLiveMetricsMatchTheSummary runs three seconds of load against a
// service that sheds every fifth request, with a fault on the client link
// and a stop condition that does not fire, scrapes the endpoint while the
// run goes, then once after the load, and checks the last scrape against
// the run's own summary: the same payments, sends, attempts and outcomes.
func TestLiveMetricsMatchTheSummary(t *testing.T) {
	var n atomic.Int64
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%5 == 0 {
			w.WriteHeader(503)
			w.Write([]byte(`{"code":"overloaded","reason":"try later"}`))
			return
		}
		w.WriteHeader(201)
		w.Write([]byte(`{"status":"approved","code":"00"}`))
	}))
	defer svc.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/live
seed: 5
target: {kind: url, url: %q}
traffic: {phases: [{duration: 3s, shape: constant, rate: 100/s}]}
requests: {client: {retries: {max_attempts: 2, backoff: 10ms, on: [5xx]}}}
faults: [{name: slow-link, at: 500ms, duration: 2s, kind: latency, target: client, params: {latency: 20ms}}]
stop_when: [{failure_ratio: 0.9, for: 2s}]
`, svc.URL)), 0o644)

	e := live.New()
	srv, err := live.Serve("127.0.0.1:0", false, e)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	type result struct {
		res *run.Result
		err error
	}
	done := make(chan result)
	go func() {
		res, err := run.Run(context.Background(), run.Options{Scenario: path, Out: dir, Live: e})
		done <- result{res, err}
	}()
	var during []map[string]*dto.MetricFamily
	var out result
wait:
	for {
		select {
		case out = <-done:
			break wait
		case <-time.After(100 * time.Millisecond):
			during = append(during, scrape(t, srv.URL()))
		}
	}
	if out.err != nil {
		t.Fatal(out.err)
	}
	last := scrape(t, srv.URL())

	sawFault, sawPartial := false, false
	for _, f := range during {
		sawFault = sawFault || value(f, "authquake_fault_active", map[string]string{"fault": "slow-link"}) == 1
		if s := value(f, "authquake_payments_sent_total", nil); s > 0 && s < 300 {
			sawPartial = true
		}
	}
	if !sawFault || !sawPartial {
		t.Errorf("while running: fault seen active %v, partial sends seen %v (%d scrapes)", sawFault, sawPartial, len(during))
	}

	r, err := analysis.Load(out.res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := analysis.Analyze(r, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Requests.Shed == 0 || s.Requests.Retries == 0 {
		t.Fatalf("the service shed %d and the client retried %d: the test needs both", s.Requests.Shed, s.Requests.Retries)
	}
	outcome := func(o string) map[string]string { return map[string]string{"outcome": o} }
	checks := []struct {
		name      string
		got, want float64
	}{
		// Every payment the summary counts, by final outcome.
		{"payments approved", value(last, "authquake_payments_total", outcome("approved")), float64(s.Requests.Approved)},
		{"payments shed", value(last, "authquake_payments_total", outcome("shed")), float64(s.Requests.Shed)},
		{"payments failed", value(last, "authquake_payments_failed_total", nil), float64(s.Requests.Shed + s.Requests.Error + s.Requests.Timeout + s.Requests.ConnError)},
		// Sends are first attempts; attempts include retries.
		{"sent", value(last, "authquake_payments_sent_total", nil), float64(s.Requests.Sent)},
		{"attempts shed", value(last, "authquake_attempts_total", outcome("shed")), float64(s.Requests.Retries + s.Requests.Shed)},
		// The schedule, wholly due once the load is done.
		{"offered", value(last, "authquake_payments_offered_total", nil), float64(s.Requests.Planned)},
		{"planned", value(last, "authquake_payments_planned", nil), float64(s.Requests.Planned)},
		// One latency per payment, one lag per send, one service latency per attempt.
		{"latency count", value(last, "authquake_payment_duration_seconds", nil), float64(s.Requests.Payments)},
		{"lag count", value(last, "authquake_send_lag_seconds", nil), float64(s.Requests.Sent)},
		{"attempt latency count", value(last, "authquake_attempt_duration_seconds", nil), float64(s.Requests.Attempts)},
		// Nothing left in flight, no fault in force, no stop condition fired.
		{"in flight", value(last, "authquake_payments_in_flight", nil), 0},
		{"fault after", value(last, "authquake_fault_active", map[string]string{"fault": "slow-link", "kind": "latency", "target": "client"}), 0},
		{"stop condition", value(last, "authquake_stop_condition_fired", map[string]string{"condition": "failure_ratio > 0.9 for 2s"}), 0},
		{"stopping", value(last, "authquake_run_stopping", nil), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: scraped %v, summary says %v", c.name, c.got, c.want)
		}
	}
	// The summary's p99 lies in the histogram bucket where 99% is reached.
	h := last["authquake_payment_duration_seconds"].Metric[0].Histogram
	lo := 0.0
	for _, b := range h.Bucket {
		if float64(b.GetCumulativeCount()) >= 0.99*float64(h.GetSampleCount()) {
			if p99 := s.Latency.P99 / 1000; p99 < lo*0.99 || p99 > b.GetUpperBound()*1.01 {
				t.Errorf("summary p99 %.4fs outside the histogram's p99 bucket (%g, %g]", p99, lo, b.GetUpperBound())
			}
			break
		}
		lo = b.GetUpperBound()
	}
}
