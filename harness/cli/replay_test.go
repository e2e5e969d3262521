package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/replay"
)

// copyDir copies a saved run directory, so that a test may write into it.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Everything replay and shrink refuse before any run: exit 2, naming the problem.
func TestReplayShrinkUsage(t *testing.T) {
	broken := copyDir(t, "../replay/testdata/broken")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "want one run directory"},
		{[]string{"replay", broken, "--times", "0"}, "--times"},
		{[]string{"replay", broken, "--bogus"}, "--bogus"},
		{[]string{"replay", t.TempDir()}, "not a run directory"},
		{[]string{"shrink", broken, "--trials", "5", "--min-repro", "6"}, "--min-repro"},
		{[]string{"shrink", broken, "--budget", "0s"}, "--budget"},
		{[]string{"shrink", broken, "--budget", "soon"}, "--budget"},
		{[]string{"shrink", broken, "--invariant", "I3"}, "did not break it"},
		{[]string{"shrink", "a", "b"}, "want one run directory"},
	} {
		out, err := cmd(tc.args...)
		if exitcode.Of(err) != exitcode.Invalid {
			t.Errorf("%v: exit %d (%v), want 2", tc.args, exitcode.Of(err), err)
			continue
		}
		if !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%v: %q does not name %q", tc.args, err.Error()+out, tc.want)
		}
	}
}

// A run that broke no invariant has nothing to shrink, and shrink says so
// without running anything.
func TestShrinkCleanRun(t *testing.T) {
	dir := copyDir(t, "../../reports/testdata/run")
	out, err := cmd("shrink", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "nothing to shrink") {
		t.Errorf("output %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "shrink")); err == nil {
		t.Error("a shrink directory was made for a clean run")
	}
}

// The exit code of replay: a reproduction outranks an interrupt, which
// outranks a new finding; a clean original is never reproduced.
func TestReplayVerdict(t *testing.T) {
	r := &replay.Run{Dir: "results/x"}
	interrupted := exitcode.New(exitcode.Aborted, errors.New("interrupted"), "")
	for _, tc := range []struct {
		name string
		o    replay.Outcome
		err  error
		code int
		want string
	}{
		{"reproduced", replay.Outcome{Original: []string{"I1"}, Runs: make([]replay.Replayed, 5), Reproduced: 4}, nil, 3,
			"reproduced in 4 of 5 replays (I1); shrink it: authquake shrink results/x"},
		{"reproduced then interrupted", replay.Outcome{Original: []string{"I1"}, Runs: make([]replay.Replayed, 1), Reproduced: 1}, interrupted, 3, "reproduced in 1 of 1"},
		{"interrupted", replay.Outcome{Original: []string{"I1"}, Runs: make([]replay.Replayed, 1), New: 1}, interrupted, 4, "1 replays ran before"},
		{"not reproduced", replay.Outcome{Original: []string{"I1", "I8"}, Runs: make([]replay.Replayed, 3)}, nil, 0, "not reproduced in 3 replays: I1 I8 held"},
		{"new finding", replay.Outcome{Original: []string{"I1"}, Runs: make([]replay.Replayed, 3), New: 1}, nil, 6, "but 1 broke another invariant: a new finding"},
		{"clean original, new finding", replay.Outcome{Runs: make([]replay.Replayed, 2), New: 2}, nil, 6, "new finding: the run broke no invariant, and 2 of 2"},
		{"clean original, clean replays", replay.Outcome{Runs: make([]replay.Replayed, 2)}, nil, 0, "neither did 2 replays"},
	} {
		var out strings.Builder
		err := replayVerdict(&out, r, &tc.o, tc.err)
		if exitcode.Of(err) != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s: exit %d %q, want %d %q", tc.name, exitcode.Of(err), out.String(), tc.code, tc.want)
		}
	}
}
