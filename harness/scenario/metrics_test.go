package scenario

import (
	"strings"
	"testing"
)

// TestServiceMetrics: target.metrics is checked with its place, and the
// source to scrape has authsim's defaults filled in.
func TestServiceMetrics(t *testing.T) {
	head := "name: s\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	url := "target: {kind: url, url: \"http://127.0.0.1:1\", metrics: %s}\n"
	for _, tc := range []struct {
		name, metrics, want string
	}{
		// A path must be a path.
		{"path", "{path: metrics}", `target.metrics.path: must start with /, not "metrics"`},
		// The URL is plain http, as the client link's.
		{"https", "{url: \"https://127.0.0.1:9100/metrics\"}", "target.metrics.url: \"https://127.0.0.1:9100/metrics\" is not an http URL"},
		// path and url are two ways to say where.
		{"both", "{path: /m, url: \"http://127.0.0.1:9100/metrics\"}", "path and url say the same; give one"},
		// A metric name with a character Prometheus does not allow.
		{"name", "{latency: http-latency}", `target.metrics.latency: "http-latency" is not a metric name`},
		// An unknown field is reported.
		{"unknown", "{paht: /m}", "paht"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("s.yaml", []byte(head+strings.Replace(url, "%s", tc.metrics, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, target string
		want         *ServiceMetrics
	}{
		// authsim: scraped by default, on /metrics, its own names.
		{"authsim", "target: {kind: authsim}", &ServiceMetrics{Path: "/metrics", Latency: DefaultLatencyMetric, InFlight: DefaultInFlightMetric}},
		// authsim with the scrape switched off.
		{"disabled", "target: {kind: authsim, metrics: {disabled: true}}", nil},
		// A url target that names no metrics: nothing scraped.
		{"url none", "target: {kind: url, url: \"http://127.0.0.1:1\"}", nil},
		// A url target with its own histogram: the path defaults.
		{"url named", "target: {kind: url, url: \"http://127.0.0.1:1\", metrics: {latency: http_server_duration_seconds}}",
			&ServiceMetrics{Path: "/metrics", Latency: "http_server_duration_seconds", InFlight: DefaultInFlightMetric}},
	} {
		s, _, err := Parse("s.yaml", []byte(head+tc.target+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := s.Target.MetricsSource()
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
