package capacity

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/authquake/authquake/harness/capacity/verdict"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
)

// PlanCpuset splits a machine of cores cores for --cpuset spec, so that
// the service never shares a core with the generator:
//
//	"" or off  nothing pinned (nil)
//	auto       2 cores: service on 1; generator, database and proxy on 0.
//	           n >= 3: the service on the top ceil(max --cpus) cores (at
//	           most n-2), the database and proxy on the core below them,
//	           the generator on the rest.
//	LIST       the service on LIST (Docker's cpuset syntax: 1 or 2-3 or
//	           1,3); the generator, database and proxy on the other cores.
//
// maxCPUs is the largest --cpus: a limit above the service's cores would
// measure the cpuset, not the limit, and is refused. Errors are invalid
// input (exit 2) naming the flag and the fix.
func PlanCpuset(spec string, cores int, maxCPUs float64) (*rundir.CapacityCpuset, error) {
	var svc []int
	switch spec = strings.TrimSpace(spec); spec {
	case "", "off":
		return nil, nil
	case "auto":
		if cores < 2 {
			return nil, exitcode.Invalidf("drop --cpuset: with one core the service and the generator share it whatever is pinned",
				"capacity: --cpuset auto: this machine has %d core, nothing can be set apart", cores)
		}
		n := 1
		if cores >= 3 {
			n = min(max(1, int(math.Ceil(maxCPUs))), cores-2)
		}
		for c := cores - n; c < cores; c++ {
			svc = append(svc, c)
		}
	default:
		var err error
		if svc, err = verdict.ParseCPUList(spec, cores); err != nil {
			return nil, exitcode.Invalidf(fmt.Sprintf("e.g. --cpuset %d (cores 0 to %d), or --cpuset auto", cores-1, cores-1), "capacity: --cpuset %q: %v", spec, err)
		}
		if len(svc) >= cores {
			return nil, exitcode.Invalidf(fmt.Sprintf("leave at least one core of the %d for the generator, e.g. --cpuset %d", cores, cores-1),
				"capacity: --cpuset %s gives the service every core", spec)
		}
	}
	if maxCPUs > float64(len(svc)) {
		return nil, exitcode.Invalidf(fmt.Sprintf("use --cpus up to %d with this --cpuset, give the service more cores with --cpuset LIST, or drop --cpuset", len(svc)),
			"capacity: --cpus %g is more than the %d core(s) --cpuset %s gives the service on this %d-core machine", maxCPUs, len(svc), spec, cores)
	}
	var rest []int
	for c := range cores {
		if !slices.Contains(svc, c) {
			rest = append(rest, c)
		}
	}
	p := &rundir.CapacityCpuset{Service: formatCPUList(svc), Others: formatCPUList(rest), Generator: formatCPUList(rest)}
	if spec == "auto" && cores >= 3 {
		p.Others, p.Generator = formatCPUList(rest[len(rest)-1:]), formatCPUList(rest[:len(rest)-1])
	}
	p.Note = fmt.Sprintf("service on core(s) %s, database and proxy on %s, generator on %s", p.Service, p.Others, p.Generator)
	if p.Others == p.Generator {
		p.Note += fmt.Sprintf(": with %d cores that is the only split that keeps the generator off the service's cores; the generator shares its core(s) with the database, so a step whose core %s ran full is generator- or host-limited, not the service's figure", cores, p.Generator)
	}
	return p, nil
}

// formatCPUList writes cores in Docker's cpuset syntax, ranges collapsed.
func formatCPUList(cores []int) string {
	var parts []string
	for i := 0; i < len(cores); {
		j := i
		for j+1 < len(cores) && cores[j+1] == cores[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", cores[i], cores[j]))
		} else {
			parts = append(parts, strconv.Itoa(cores[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
