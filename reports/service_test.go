package reports

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/svcmetrics"
)

// writeServiceScrapes saves ten seconds of authsim's metrics into a copied
// run, as the run's scraper would: 100 requests a second at 20 ms, 400 ms
// from 4 s on (the smoke run's spike), two in flight, then twenty.
func writeServiceScrapes(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, rundir.ServiceMetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	enc := json.NewEncoder(gz)
	fast, slow := 0.0, 0.0
	for ts := 0; ts <= 10; ts++ {
		inflight := 2.0
		if ts > 4 {
			slow += 100
			inflight = 20
		} else if ts > 0 {
			fast += 100
		}
		enc.Encode(svcmetrics.Scrape{TS: float64(ts), Series: []svcmetrics.Series{
			{Name: "authsim_request_duration_seconds", Labels: map[string]string{"route": "/v1/authorizations"},
				Value: fast + slow, Sum: fast*0.02 + slow*0.4, Buckets: [][2]float64{{0.025, fast}, {0.5, fast + slow}, {1, fast + slow}}},
			{Name: "authsim_inflight_requests", Value: inflight}}})
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestServiceMetricsInSummary: the scrapes become summary.json's
// service_metrics, one point per scrape, and the same bytes when recomputed.
func TestServiceMetricsInSummary(t *testing.T) {
	dir := copyRun(t)
	writeServiceScrapes(t, dir)
	s := render(t, dir)
	m := s.ServiceMetrics
	if m == nil {
		t.Fatal("no service_metrics in the summary")
	}
	if m.Scrapes != 11 || len(m.Points) != 11 || m.Requests != 1000 || m.InFlightMax != 20 {
		t.Errorf("scrapes %d points %d requests %v in flight max %v, want 11, 11, 1000, 20", m.Scrapes, len(m.Points), m.Requests, m.InFlightMax)
	}
	// Before the spike the service answered in under 25 ms; during it, slower.
	if p := m.Points[2]; p.P99MS > 25 || p.MeanMS != 20 {
		t.Errorf("before the spike: %+v", p)
	}
	if p := m.Points[8]; p.P99MS <= 25 || p.MeanMS != 400 {
		t.Errorf("during the spike: %+v", p)
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if !strings.Contains(string(md), "## The service's own view") || !strings.Contains(string(md), "at most 20 in flight") {
		t.Errorf("report.md does not show the service's view")
	}
}
