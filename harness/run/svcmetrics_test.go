package run

import (
	"path/filepath"
	"testing"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
)

// TestAuthsimMetricsScraped runs authsim for five seconds with a slow
// database in the middle: its own metrics were scraped every second, the
// service counted at least the payments the client got an answer to while
// it was scraped, and its latency rose while the database was slow.
func TestAuthsimMetricsScraped(t *testing.T) {
	res, err := runScenario(t, "service-metrics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scrapes, err := svcmetrics.Read(filepath.Join(res.Dir, svcmetrics.File))
	if err != nil {
		t.Fatal(err)
	}
	s := svcmetrics.Summarize(scrapes, scenario.DefaultLatencyMetric, scenario.DefaultInFlightMetric)
	if s.Scrapes < 4 || s.Failed > 0 {
		t.Fatalf("%d scrapes, %d failed: want one a second, all answered", s.Scrapes, s.Failed)
	}
	first, last := scrapes[0].TS, scrapes[len(scrapes)-1].TS
	answered := 0
	record.Read(filepath.Join(res.Dir, record.File), func(a *record.Attempt) error {
		if a.Outcome != record.Timeout && a.Outcome != record.ConnError && a.End().Seconds() > first+0.1 && a.End().Seconds() < last-0.1 {
			answered++
		}
		return nil
	})
	if answered == 0 || s.Requests < float64(answered) {
		t.Errorf("the service counted %v requests between its first and last scrape, the client got %d answers then", s.Requests, answered)
	}
	var before, during float64
	for _, p := range s.Points {
		switch {
		case p.TS > 1 && p.TS <= 2:
			before = max(before, p.MeanMS)
		case p.TS > 2.5 && p.TS <= 4:
			during = max(during, p.MeanMS)
		}
	}
	t.Logf("service mean latency: %.1f ms before, %.1f ms during; %v requests, %d answers", before, during, s.Requests, answered)
	if during < 40 || during <= before {
		t.Errorf("the service's mean latency was %.1f ms before the slow database and %.1f ms while it was slow (50 ms added)", before, during)
	}
}
