package multinode

import (
	"slices"
	"testing"
)

func TestCapsIn(t *testing.T) {
	for _, c := range []struct {
		status      string
		has, hasNot string
		count       int
	}{
		// This machine's sandbox: every capability but SYS_RESOURCE (bit
		// 24), where --privileged fails with "unable to apply caps".
		{"Name:\tx\nCapBnd:\t000001fffeffffff\n", "SYS_ADMIN", "SYS_RESOURCE", len(capNames) - 1},
		// Docker's default set: no SYS_ADMIN.
		{"CapBnd:\t00000000a80425fb\n", "NET_RAW", "SYS_ADMIN", 14},
		// No status to read: ask for every one.
		{"", "SYS_RESOURCE", "", len(capNames)},
	} {
		got := capsIn(c.status)
		if len(got) != c.count || !slices.Contains(got, c.has) || c.hasNot != "" && slices.Contains(got, c.hasNot) {
			t.Errorf("%q: %d %v, want %d with %s without %s", c.status, len(got), got, c.count, c.has, c.hasNot)
		}
	}
}
