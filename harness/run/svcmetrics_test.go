package run

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/authquake/authquake/harness/live"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
)

// TestAuthsimMetricsScraped runs authsim for five seconds with a slow
// database in the middle: its own metrics were scraped every second, the
// service counted at least the payments the client got an answer to while
// it was scraped, and its latency rose while the database was slow. The
// live endpoint, scraped after the run, counts what the run recorded.
func TestAuthsimMetricsScraped(t *testing.T) {
	exp := live.New()
	srv, err := live.Serve("127.0.0.1:0", false, exp)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	res, err := runScenario(t, "service-metrics.yaml", func(o *Options) { o.Live = exp })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	attempts := 0.0
	for _, m := range fams["authquake_attempts_total"].GetMetric() {
		attempts += m.GetCounter().GetValue()
	}
	if sent := fams["authquake_payments_sent_total"].GetMetric()[0].GetCounter().GetValue(); sent != float64(res.Meta.Sent) || attempts != float64(res.Meta.Attempts) {
		t.Errorf("live endpoint: %v sent, %v attempts; run.json: %d, %d", sent, attempts, res.Meta.Sent, res.Meta.Attempts)
	}
	scrapes, err := svcmetrics.Read(filepath.Join(res.Dir, rundir.ServiceMetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	s := svcmetrics.Summarize(scrapes, scenario.DefaultLatencyMetric, scenario.DefaultInFlightMetric)
	if s.Scrapes < 4 || s.Failed > 0 {
		t.Fatalf("%d scrapes, %d failed: want one a second, all answered", s.Scrapes, s.Failed)
	}
	first, last := scrapes[0].TS, scrapes[len(scrapes)-1].TS
	answered := 0
	record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
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
