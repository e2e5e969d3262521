package live

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	faultDesc = prometheus.NewDesc("authquake_fault_active",
		"1 while the fault is in force, 0 before and after it (fault, kind and target as in the scenario).",
		[]string{"fault", "kind", "target"}, nil)
	stopDesc = prometheus.NewDesc("authquake_stop_condition_fired",
		"1 once this stop_when condition has stopped the run, else 0.", []string{"condition"}, nil)
	stoppingDesc = prometheus.NewDesc("authquake_run_stopping",
		"1 once the run is stopping early (a stop condition or an interrupt), else 0.", nil, nil)
)

// runCollector reads the fault timeline and the stop conditions at each
// scrape: they change a few times a run, so nothing is kept in between.
type runCollector struct{ e *Exporter }

// Describe sends the descriptions of the run's metrics.
func (c *runCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- faultDesc
	ch <- stopDesc
	ch <- stoppingDesc
}

// Collect sends one gauge per fault and per stop condition, as of now.
func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.e.state.Load()
	if r == nil {
		return
	}
	var active []string
	if r.Active != nil {
		active = r.Active()
	}
	for _, f := range r.Faults {
		ch <- prometheus.MustNewConstMetric(faultDesc, prometheus.GaugeValue, bit(slices.Contains(active, f.Name)), f.Name, f.Kind, f.Target)
	}
	fired, stopping := -1, false
	if r.Fired != nil {
		fired, stopping = r.Fired()
	}
	for i, cond := range r.StopConditions {
		ch <- prometheus.MustNewConstMetric(stopDesc, prometheus.GaugeValue, bit(i == fired), cond)
	}
	ch <- prometheus.MustNewConstMetric(stoppingDesc, prometheus.GaugeValue, bit(stopping))
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
