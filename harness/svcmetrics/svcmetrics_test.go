package svcmetrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// service is a stand-in with authsim's two families; restart replaces its
// registry, as a restarted process starts its counters from zero.
type service struct {
	mu       sync.Mutex
	reg      *prometheus.Registry
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	down     bool
}

func (s *service) restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reg = prometheus.NewRegistry()
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "authsim_request_duration_seconds",
		Buckets: []float64{.01, .1, 1}}, []string{"route"})
	s.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "authsim_inflight_requests"})
	other := prometheus.NewCounter(prometheus.CounterOpts{Name: "not_kept_total"})
	s.reg.MustRegister(s.latency, s.inflight, other)
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reg, down := s.reg, s.down
	s.mu.Unlock()
	if down {
		http.Error(w, "down", 503)
		return
	}
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// TestScrapeAndSummarize scrapes a service through a restart and an outage
// and checks what the report will show: only the kept families are saved,
// requests are counted across the counter reset, a failed scrape is a
// point marked down, percentiles come from the buckets.
func TestScrapeAndSummarize(t *testing.T) {
	svc := &service{}
	svc.restart()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "service_metrics.jsonl.gz")
	sc, err := NewScraper(path, srv.URL+"/metrics", []string{"authsim_request_duration_seconds", "authsim_inflight_requests"}, srv.Client(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	observe := func(n int, v float64, route string) {
		for range n {
			svc.latency.WithLabelValues(route).Observe(v)
		}
	}
	sc.once(ctx) // the baseline: nothing served yet
	observe(90, 0.005, "/v1/authorizations")
	observe(10, 0.5, "/metrics")
	svc.inflight.Set(7)
	sc.once(ctx)
	svc.mu.Lock()
	svc.down = true
	svc.mu.Unlock()
	sc.once(ctx) // the service is down
	svc.mu.Lock()
	svc.down = false
	svc.mu.Unlock()
	svc.restart()
	observe(50, 0.05, "/v1/authorizations")
	svc.inflight.Set(2)
	sc.once(ctx) // after a restart: the counters start again from zero
	close(sc.done)
	if n, err := sc.Close(); n != 4 || err != nil {
		t.Fatalf("saved %d scrapes (%v), want 4", n, err)
	}
	scrapes, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scrapes {
		for _, sr := range s.Series {
			if sr.Name == "not_kept_total" {
				t.Errorf("a family that was not asked for was saved")
			}
		}
	}
	s := Summarize(scrapes, "authsim_request_duration_seconds", "authsim_inflight_requests")
	p := s.Points
	tests := []struct {
		name      string
		got, want float64
	}{
		// 100 requests before the outage and 50 after the restart.
		{"requests", s.Requests, 150},
		// One scrape failed: its point says so.
		{"failed", float64(s.Failed), 1},
		{"down", bit(p[2].Down), 1},
		// The gauge as it was at each scrape, and its largest value.
		{"in flight at 2", p[1].InFlight, 7},
		{"in flight after restart", p[3].InFlight, 2},
		{"in flight max", s.InFlightMax, 7},
		// Interval 1: 90 fast, 10 slow; p50 inside the first bucket (0, 10 ms].
		{"p50 at 2 (ms)", p[1].P50MS, 10 * 50 / 90.0},
		// The p99 rank (99) falls in the (100 ms, 1 s] bucket: 90 + 9/10 of it.
		{"p99 at 2 (ms)", p[1].P99MS, 100 + 900*9/10.0},
		{"mean at 2 (ms)", p[1].MeanMS, (90*5 + 10*500) / 100.0},
		// After the reset the interval holds only the 50 new ones, (10, 100] ms.
		{"mean after restart (ms)", p[3].MeanMS, 50},
	}
	for _, tt := range tests {
		if d := tt.got - tt.want; d > 0.01 || d < -0.01 {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
