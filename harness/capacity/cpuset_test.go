package capacity

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
)

func TestPlanCpuset(t *testing.T) {
	for _, c := range []struct {
		name           string
		spec           string
		cores          int
		maxCPUs        float64
		svc, oth, gen  string
		note, mistakes string // a fragment of the note, or of the error
	}{
		{name: "off", spec: "off", cores: 2, maxCPUs: 2},
		{name: "unset", spec: "", cores: 2, maxCPUs: 2},
		// the only split on this machine, and the note says what it means
		{name: "auto on 2 cores", spec: "auto", cores: 2, maxCPUs: 1, svc: "1", oth: "0", gen: "0", note: "the only split"},
		// 2 CPUs cannot be measured on one core
		{name: "auto on 2 cores, --cpus 2", spec: "auto", cores: 2, maxCPUs: 2, mistakes: "--cpus 2 is more than the 1 core(s)"},
		{name: "auto on 1 core", spec: "auto", cores: 1, maxCPUs: 0.5, mistakes: "nothing can be set apart"},
		// 3 cores: one each
		{name: "auto on 3 cores", spec: "auto", cores: 3, maxCPUs: 1, svc: "2", oth: "1", gen: "0"},
		// 8 cores, up to 2 CPUs: the top two for the service, one for the database, five for the generator
		{name: "auto on 8 cores", spec: "auto", cores: 8, maxCPUs: 1.5, svc: "6-7", oth: "5", gen: "0-4"},
		{name: "list", spec: "1", cores: 2, maxCPUs: 0.5, svc: "1", oth: "0", gen: "0"},
		{name: "list with a range", spec: "2-3,5", cores: 6, maxCPUs: 3, svc: "2-3,5", oth: "0-1,4", gen: "0-1,4"},
		{name: "no such core", spec: "2", cores: 2, maxCPUs: 1, mistakes: "core 2 does not exist"},
		{name: "every core", spec: "0-1", cores: 2, maxCPUs: 1, mistakes: "gives the service every core"},
		{name: "not a list", spec: "one", cores: 2, maxCPUs: 1, mistakes: `"one" is not a core`},
		{name: "backwards range", spec: "1-0", cores: 2, maxCPUs: 1, mistakes: "not a core or a range"},
	} {
		p, err := PlanCpuset(c.spec, c.cores, c.maxCPUs)
		if c.mistakes != "" {
			if err == nil || exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), c.mistakes) || !strings.Contains(err.Error(), "--cpu") {
				t.Errorf("%s: %v, want exit 2 saying %q", c.name, err, c.mistakes)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.svc == "" {
			if p != nil {
				t.Errorf("%s: pinned %+v", c.name, p)
			}
			continue
		}
		if p == nil || p.Service != c.svc || p.Others != c.oth || p.Generator != c.gen || !strings.Contains(p.Note, c.note) {
			t.Errorf("%s: %+v, want service %s, others %s, generator %s", c.name, p, c.svc, c.oth, c.gen)
		}
	}
}
