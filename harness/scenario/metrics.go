package scenario

import (
	"net/url"
	"regexp"
	"strings"
)

// metricName is a Prometheus metric name in the classic character set.
var metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// The series the report shows when the scenario names none: authsim's.
const (
	DefaultMetricsPath     = "/metrics"
	DefaultLatencyMetric   = "authsim_request_duration_seconds"
	DefaultInFlightMetric  = "authsim_inflight_requests"
	metricsFieldsHint      = "e.g. metrics: {path: /metrics, latency: http_server_request_duration_seconds, in_flight: http_server_active_requests}"
	metricsURLExampleHint  = "e.g. url: http://127.0.0.1:9100/metrics (plain http, on this machine unless --allow-remote)"
	metricsNameExampleHint = "a Prometheus metric name such as http_server_request_duration_seconds"
)

// ServiceMetrics says where the service exposes Prometheus metrics and
// which series of them the report shows beside the client's figures. The
// harness scrapes them once a second during the load, bypassing Toxiproxy,
// so the service's own latency and in-flight count sit on the same time
// axis as the faults. authsim's are scraped unless disabled.
type ServiceMetrics struct {
	// Path is the metrics path on the service's own port (bypassing Toxiproxy); default /metrics.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// URL is the whole metrics URL, when it is not on the service's port, e.g. http://127.0.0.1:9100/metrics.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Latency is the service's request-duration histogram, in seconds; default authsim_request_duration_seconds.
	Latency string `yaml:"latency,omitempty" json:"latency,omitempty"`
	// InFlight is the service's in-flight requests gauge; default authsim_inflight_requests.
	InFlight string `yaml:"in_flight,omitempty" json:"in_flight,omitempty"`
	// Disabled turns the scrape off.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`
}

// MetricsSource is where and what to scrape, with the defaults filled in;
// nil when nothing is scraped (a containers or url target that names no
// metrics, or disabled).
func (t *Target) MetricsSource() *ServiceMetrics {
	if t.Metrics == nil && t.Kind != TargetAuthsim || t.Metrics != nil && t.Metrics.Disabled {
		return nil
	}
	m := ServiceMetrics{}
	if t.Metrics != nil {
		m = *t.Metrics
	}
	if m.Path == "" && m.URL == "" {
		m.Path = DefaultMetricsPath
	}
	if m.Latency == "" {
		m.Latency = DefaultLatencyMetric
	}
	if m.InFlight == "" {
		m.InFlight = DefaultInFlightMetric
	}
	return &m
}

// validateMetrics checks target.metrics.
func (s *Scenario) validateMetrics(v *validator) {
	m := s.Target.Metrics
	if m == nil {
		return
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		v.errf("$.target.metrics.path", metricsFieldsHint, "must start with /, not %q", m.Path)
	}
	if m.URL != "" {
		u, err := url.Parse(m.URL)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			v.errf("$.target.metrics.url", metricsURLExampleHint, "%q is not an http URL", m.URL)
		}
		if m.Path != "" {
			v.errf("$.target.metrics.path", "keep url, or keep path on the service's port", "path and url say the same; give one")
		}
	}
	for field, name := range map[string]string{"latency": m.Latency, "in_flight": m.InFlight} {
		if name != "" && !metricName.MatchString(name) {
			v.errf("$.target.metrics."+field, metricsNameExampleHint, "%q is not a metric name", name)
		}
	}
}
