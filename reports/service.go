package reports

import (
	"fmt"
	"html/template"

	"github.com/authquake/authquake/harness/analysis"
)

// serviceCharts draw the service's own view (its Prometheus metrics) on the
// run's time axis, beside the client's: the gap between the client's p99
// and the service's is queueing, the network and the faults on the link.
func serviceCharts(s *analysis.Summary, series []analysis.Bucket, xs []float64, spans []span, marks []mark) []template.HTML {
	m := s.ServiceMetrics
	if m == nil || len(m.Points) == 0 {
		return nil
	}
	by := map[string][][2]float64{}
	inflight := map[string][][2]float64{}
	prev := 0.0
	for _, p := range m.Points {
		mid := (prev + p.TS) / 2 // a point covers the interval since the last scrape
		prev = p.TS
		if p.Down {
			continue
		}
		by["service p50"] = append(by["service p50"], [2]float64{mid, p.P50MS})
		by["service p99"] = append(by["service p99"], [2]float64{mid, p.P99MS})
		inflight["service in flight"] = append(inflight["service in flight"], [2]float64{p.TS, p.InFlight})
	}
	client := make([]float64, len(series))
	for i, b := range series {
		client[i] = b.Latency.P99
	}
	lat := chart{id: "servicelatency", title: "Latency: the client's p99 (from the scheduled send) and the service's own (" + m.LatencyMetric + ")",
		unit: "ms", xs: xs, spans: spans, marks: marks}
	_, lines := resample(by, xs, s.BucketS, []string{"#43a047", "#8e24aa"})
	lat.lines = append([]line{{"client p99", "#e53935", client}}, lines...)
	inf := chart{id: "serviceinflight", title: "Requests in flight inside the service (" + m.InFlightMetric + ")", unit: "requests", xs: xs, spans: spans, marks: marks}
	_, inf.lines = resample(inflight, xs, s.BucketS, []string{"#00838f"})
	return []template.HTML{lat.svg(), inf.svg()}
}

// serviceLine sums up the service's own view for the terminal and the
// Markdown report ("" when its metrics were not scraped).
func serviceLine(s *analysis.Summary) string {
	m := s.ServiceMetrics
	if m == nil {
		return ""
	}
	down := ""
	if m.Failed > 0 {
		down = fmt.Sprintf(", %d scrapes unanswered", m.Failed)
	}
	return fmt.Sprintf("service's own metrics: p50 %.1f ms, p99 %.1f ms (client p99 %.1f ms from the scheduled send), at most %.0f in flight; %d scrapes%s",
		m.LatencyP50MS, m.LatencyP99MS, s.Latency.P99, m.InFlightMax, m.Scrapes, down)
}
