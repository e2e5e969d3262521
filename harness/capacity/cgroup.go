package capacity

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/authquake/authquake/harness/rundir"
)

// cgroupRoot is where the cgroup hierarchy is mounted (a test points it
// at a directory of its own).
var cgroupRoot = "/sys/fs/cgroup"

// cpuStatPath finds the cpu.stat of a container's cgroup: cgroup v1
// (cpu controller) and v2 (unified), under Docker's cgroupfs parent
// (/docker, or parent when the container names one) or systemd's
// (system.slice/docker-ID.scope). "" when none is readable here (Docker on
// another machine, or a cgroup namespace that hides it).
func cpuStatPath(id, parent string) string {
	var dirs []string
	if parent != "" {
		p := strings.Trim(parent, "/")
		dirs = append(dirs, "cpu/"+p+"/"+id, "cpu,cpuacct/"+p+"/"+id, p+"/"+id, p+"/docker-"+id+".scope")
	}
	dirs = append(dirs,
		"cpu/docker/"+id, "cpu,cpuacct/docker/"+id, "cpu/system.slice/docker-"+id+".scope", // v1
		"system.slice/docker-"+id+".scope", "docker/"+id) // v2
	for _, d := range dirs {
		p := filepath.Join(cgroupRoot, d, "cpu.stat")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// throttleCounters are a cpu.stat's CFS counters at one instant.
type throttleCounters struct {
	periods, throttled uint64
	throttledNS        uint64
}

// readCPUStat reads nr_periods, nr_throttled and throttled_usec (v2) or
// throttled_time (v1, nanoseconds) from a cpu.stat; ok is false when the
// file cannot be read or has no nr_periods.
func readCPUStat(path string) (c throttleCounters, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return c, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "nr_periods":
			c.periods, ok = n, true
		case "nr_throttled":
			c.throttled = n
		case "throttled_usec":
			c.throttledNS = n * 1000
		case "throttled_time":
			c.throttledNS = n
		}
	}
	return c, ok
}

// throttleDelta is the change of the counters from a to b, from source.
func throttleDelta(a, b throttleCounters, source string) *rundir.Throttle {
	if b.periods < a.periods || b.throttled < a.throttled || b.throttledNS < a.throttledNS {
		return nil // the cgroup was recreated (a restart): unknown, not negative
	}
	return &rundir.Throttle{Periods: b.periods - a.periods, Throttled: b.throttled - a.throttled,
		ThrottledMS: float64(b.throttledNS-a.throttledNS) / 1e6, Source: source}
}
