package capacity

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shirou/gopsutil/v3/cpu"
)

// cpu.stat in both formats, found where Docker puts it.
func TestCPUStat(t *testing.T) {
	root := t.TempDir()
	defer func(old string) { cgroupRoot = old }(cgroupRoot)
	cgroupRoot = root
	write := func(dir, body string) string {
		os.MkdirAll(filepath.Join(root, dir), 0o755)
		p := filepath.Join(root, dir, "cpu.stat")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	if p := cpuStatPath("abc", ""); p != "" {
		t.Fatalf("found %s in an empty hierarchy", p)
	}
	v1 := write("cpu/docker/abc", "nr_periods 100\nnr_throttled 7\nthrottled_time 350000000\n")
	v2 := write("system.slice/docker-def.scope", "usage_usec 5\nnr_periods 40\nnr_throttled 4\nthrottled_usec 20000\n")
	if cpuStatPath("abc", "") != v1 || cpuStatPath("def", "") != v2 {
		t.Errorf("paths %q %q", cpuStatPath("abc", ""), cpuStatPath("def", ""))
	}
	a, ok1 := readCPUStat(v1)
	b, ok2 := readCPUStat(v2)
	if !ok1 || !ok2 || a != (throttleCounters{100, 7, 350_000_000}) || b != (throttleCounters{40, 4, 20_000_000}) {
		t.Errorf("v1 %+v, v2 %+v", a, b)
	}
	d := throttleDelta(throttleCounters{40, 4, 20_000_000}, throttleCounters{140, 34, 920_000_000}, v2)
	if d == nil || d.Periods != 100 || d.Throttled != 30 || d.ThrottledMS != 900 {
		t.Errorf("delta %+v", d)
	}
	// counters that went back: the container restarted, unknown
	if throttleDelta(throttleCounters{140, 34, 1}, throttleCounters{40, 4, 1}, v2) != nil {
		t.Error("a restarted cgroup gave a delta")
	}
	if _, ok := readCPUStat(write("empty", "usage_usec 1\n")); ok {
		t.Error("a cpu.stat without nr_periods read as known")
	}
}

// Busy is all time but idle and iowait, per core.
func TestHostBusy(t *testing.T) {
	a := []cpu.TimesStat{{User: 10, Idle: 90}, {User: 50, Idle: 50}}
	b := []cpu.TimesStat{{User: 15, System: 3, Idle: 91, Iowait: 1}, {User: 60, Idle: 50}}
	got, _ := hostShares(a, b)
	if len(got) != 2 || got[0] != 80 || got[1] != 100 {
		t.Errorf("busy %v, want [80 100]", got)
	}
	// The hypervisor's steal is busy for this machine, and said apart.
	c := []cpu.TimesStat{{User: 15, System: 3, Idle: 91, Iowait: 1, Steal: 5}, {User: 60, Idle: 60}}
	if busy, steal := hostShares(a, c); busy[0] != 86.67 || steal[0] != 33.33 || busy[1] != 50 || steal[1] != 0 {
		t.Errorf("busy %v, steal %v, want [86.67 50] and [33.33 0]", busy, steal)
	}
}
