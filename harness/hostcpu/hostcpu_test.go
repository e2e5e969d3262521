package hostcpu

import (
	"testing"

	"github.com/shirou/gopsutil/v3/cpu"
)

// TestShares: busy is all but idle and iowait, as gopsutil's
// cpu.Percent counts it; the hypervisor's steal is part of it and said
// apart; a clock that did not move gives nothing.
func TestShares(t *testing.T) {
	a := cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 10, Steal: 40}
	b := cpu.TimesStat{User: 130, System: 60, Idle: 840, Iowait: 10, Steal: 60}
	busy, steal := Shares(a, b) // 100 s: 30 user, 10 system, 40 idle, 20 steal
	if busy != 60 || steal != 20 {
		t.Errorf("busy %v, steal %v; want 60 and 20", busy, steal)
	}
	if busy, steal := Shares(b, b); busy != 0 || steal != 0 {
		t.Errorf("no time passed: busy %v, steal %v", busy, steal)
	}
}
