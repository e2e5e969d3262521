package verdict

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/authquake/authquake/harness/rundir"
)

// hostFull reports whether the host ran out of cores during a step: all
// of them HostBusy busy on average or, with the cores pinned (split), the
// generator's, the database and proxy's, or the service's (only when the
// service is below its limit, svcAt false: then other work filled them).
func hostFull(busy []float64, split *rundir.CapacityCpuset, svcAt bool) (bool, string) {
	if m := mean(busy); m >= HostBusy {
		return true, fmt.Sprintf("host busy %.0f%% (%s)", m, perCore(busy))
	}
	if split == nil {
		return false, ""
	}
	type side struct{ whose, list string }
	sides := []side{{"the generator's", split.Generator}}
	if split.Others != split.Generator {
		sides = append(sides, side{"the database and proxy's", split.Others})
	} else {
		sides[0].whose = "the generator, database and proxy's"
	}
	if !svcAt {
		sides = append(sides, side{"the service's (other work on them: the service was below its limit)", split.Service})
	}
	for _, s := range sides {
		cores, err := ParseCPUList(s.list, len(busy))
		if err != nil || len(cores) == 0 {
			continue
		}
		sum := 0.0
		for _, c := range cores {
			sum += busy[c]
		}
		if m := sum / float64(len(cores)); m >= HostBusy {
			return true, fmt.Sprintf("core(s) %s, %s, %.0f%% busy (%s)", s.list, s.whose, m, perCore(busy))
		}
	}
	return false, ""
}

// ParseCPUList reads Docker's cpuset syntax (0-2,4) for a machine of
// cores cores: sorted, without duplicates.
func ParseCPUList(s string, cores int) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a {
			return nil, fmt.Errorf("%q is not a core or a range of cores", part)
		}
		if b >= cores {
			return nil, fmt.Errorf("core %d does not exist: this machine has %d (0 to %d)", b, cores, cores-1)
		}
		for c := a; c <= b; c++ {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(max(len(xs), 1))
}

func perCore(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("core %d %.0f%%", i, x)
	}
	return strings.Join(parts, ", ")
}
