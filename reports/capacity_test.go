package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// The report names each limit's binding limit, marks a non-monotone figure
// as flagged rather than a finding, says why it extrapolates nothing, and
// shows "unknown" for figures no step measured (never 0).
func TestCapacityMarkdown(t *testing.T) {
	busy := 0.4
	c := &rundir.Capacity{Scenario: "s", Cores: 2, TargetRate: 1500,
		NoPlan: "no cores estimated for 1500/s: no limit's figure was the service's own: 1 CPUs was host-limited (host busy 97%)",
		Flags:  []string{"2 CPUs sustained less than 1 (288/s < 475/s): the host was saturated (host busy 99%)"},
		Limits: []rundir.CapacityLimit{
			{CPUs: 1, Sustainable: 475, PerCore: 475, Binding: "host-limited", BindingWhy: "at 550/s: host busy 97%", Knee: 400, KneeP99MS: 30,
				Steps: []rundir.CapacityStep{{Rate: 400, WindowS: 8, Throughput: 399, P99MS: 30, Pass: true, Binding: "not-limited",
					Use: &rundir.StepUse{HostBusyPct: []float64{71, 64}, GeneratorCPU: &busy, GeneratorBudget: 2,
						Service: &rundir.ContainerUse{CPU: &busy, Limit: 1}}}}},
			{CPUs: 2, Sustainable: 288, PerCore: 144, Binding: "host-limited", Flag: "2 CPUs sustained less than 1",
				Steps: []rundir.CapacityStep{{Rate: 350}}},
		}}
	var b strings.Builder
	CapacityMarkdown(&b, c)
	md := b.String()
	for _, want := range []string{
		"| 1 | 475/s | 475/s | host-limited | 400/s | 30.0 ms |",
		"| 2 | 288/s (flagged: not a finding) |",
		"**Not findings.**\n\n- 2 CPUs sustained less than 1 (288/s \\< 475/s): the host was saturated",
		"Not extrapolated: no cores estimated for 1500/s",
		"Host: 2 cores, nothing pinned",
		// measured: throttling was not, and says so
		"| 400/s | 399/s | 30.0 ms | 0.00% | 0 ms | 71% 64% | 0.40 of 2 | 0.40 of 1 | unknown | unknown | unknown | not-limited |",
		// an older step without figures
		"| 350/s | - | 0.0 ms | 0.00% | 0 ms | unknown | unknown | unknown | unknown | unknown | unknown | unknown |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("capacity.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "the service needs") {
		t.Errorf("extrapolated from host-limited figures:\n%s", md)
	}
}

// With --workers the report says the load came from the shards, in
// capacity.md and capacity.html, and the generator's CPU is "unknown".
func TestCapacityFromShards(t *testing.T) {
	c := &rundir.Capacity{Scenario: "s", Cores: 2, Workers: 3, Generator: "the load came from 3 swarm shards",
		Limits: []rundir.CapacityLimit{{CPUs: 1, Sustainable: 400, Steps: []rundir.CapacityStep{{Rate: 400, WindowS: 8,
			Use: &rundir.StepUse{HostBusyPct: []float64{50, 40}, HostStealPct: []float64{12, 8}}}}}}}
	var b strings.Builder
	CapacityMarkdown(&b, c)
	// the hypervisor's steal is part of the host's busy share, and said
	if !strings.Contains(b.String(), "Generator: the load came from 3 swarm shards.") || !strings.Contains(b.String(), "| 50% 40% (steal 10%) | unknown |") {
		t.Errorf("capacity.md:\n%s", b.String())
	}
	dir := t.TempDir()
	if err := WriteCapacity(dir, c); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "capacity.html"))
	if !strings.Contains(string(html), "<p>Generator: the load came from 3 swarm shards.</p>") {
		t.Errorf("capacity.html does not say where the load came from")
	}
}
