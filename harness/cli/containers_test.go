package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/docker"
)

// TestPrintReapedListsKeptTargets: what a cleanup left alone because it is
// kept is listed with its age, until when, and how to remove it.
func TestPrintReapedListsKeptTargets(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := docker.Reaped{Containers: []string{"dead-1"}, Kept: []docker.KeptRun{{RunID: "run-7",
		Since: now.Add(-90 * time.Minute), Until: now.Add(22 * time.Hour), Containers: []string{"a", "b", "c"}}}}
	var b bytes.Buffer
	printReaped(&b, r, true, now)
	for _, want := range []string{"would remove 1 containers, 0 networks", "  container dead-1",
		"kept 1 targets (cleanup --run ID or --kept removes them)",
		"run run-7  age 1h30m0s  kept until 2026-03-02T10:00:00Z (22h0m0s left)  3 containers"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}
