package verdict

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// A saved search (BENCHMARKS.md's first --cpuset auto run, 2 cores): its
// bounding steps were first called unexplained, the mean across cores
// (90% and 83%) hiding core 0 (generator, Postgres, Toxiproxy) at 96% and
// 98%. Judged again from the file alone, both are host-limited, and no
// cores are extrapolated for 1500/s.
func TestSavedCpusetAuto(t *testing.T) {
	b, err := os.ReadFile("testdata/cpuset-auto-2-cores.json")
	if err != nil {
		t.Fatal(err)
	}
	var c rundir.Capacity
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	Judge(&c)
	for i, want := range []struct {
		bound, knee float64
	}{{450, 200}, {725, 100}} {
		l := c.Limits[i]
		if l.Binding != HostLimited || !strings.HasPrefix(l.BindingWhy, fmt.Sprintf("at %.0f/s: core(s) 0, the generator, database and proxy's", want.bound)) {
			t.Errorf("%g CPUs: %s (%s), want host-limited at %.0f/s by core 0", l.CPUs, l.Binding, l.BindingWhy, want.bound)
		}
		if l.Knee != want.knee {
			t.Errorf("%g CPUs: knee %.0f/s, want %.0f/s", l.CPUs, l.Knee, want.knee)
		}
	}
	if len(c.Flags) != 0 || c.CoresNeeded != 0 || !strings.Contains(c.NoPlan, "0.5 CPUs was host-limited") {
		t.Errorf("flags %q, %.1f cores, no plan %q", c.Flags, c.CoresNeeded, c.NoPlan)
	}
}
