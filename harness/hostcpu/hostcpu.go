// Package hostcpu reads the machine's CPU shares between two readings of
// its CPU times: busy, and the hypervisor's steal within it. One
// definition for the run's samples, capacity's steps and the benchmarks.
package hostcpu

import "github.com/shirou/gopsutil/v3/cpu"

// Total is all of t's time.
func Total(t cpu.TimesStat) float64 {
	return t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
}

// Shares are the busy share of the time from a to b (all but idle and
// iowait, as gopsutil's cpu.Percent counts it) and, within it, the share
// the hypervisor gave to other machines (steal), in percent within 0-100;
// 0 and 0 when no time passed.
func Shares(a, b cpu.TimesStat) (busy, steal float64) {
	d := Total(b) - Total(a)
	if d <= 0 {
		return 0, 0
	}
	idle := (b.Idle + b.Iowait) - (a.Idle + a.Iowait)
	return clamp(100 * (d - idle) / d), clamp(100 * (b.Steal - a.Steal) / d)
}

// Now is the machine's CPU times, all cores together (nil: unknown).
func Now() *cpu.TimesStat {
	if ts, err := cpu.Times(false); err == nil && len(ts) == 1 {
		return &ts[0]
	}
	return nil
}

func clamp(v float64) float64 { return min(max(v, 0), 100) }
