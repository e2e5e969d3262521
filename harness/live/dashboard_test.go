package live

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/traffic"
)

// TestDashboardReadsServedNames: every authquake_ metric the example
// Grafana dashboard queries is one the exporter serves.
func TestDashboardReadsServedNames(t *testing.T) {
	b, err := os.ReadFile("../../examples/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	e := New()
	e.Start(Run{Plan: traffic.NewPlan(nil), Faults: []Fault{{Name: "f", Kind: "latency"}}, StopConditions: []string{"c"}})
	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, f := range fams {
		served[f.GetName()] = true
	}
	names := regexp.MustCompile(`authquake_[a-z_]+`).FindAllString(string(b), -1)
	if len(names) < 10 {
		t.Fatalf("the dashboard queries only %d authquake_ names", len(names))
	}
	for _, n := range names {
		base := n
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if !served[base] {
			t.Errorf("the dashboard reads %s, which the exporter does not serve", n)
		}
	}
}
