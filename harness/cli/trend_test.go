package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
)

// TestTrendCommand writes trend.html and trend.md for the saved nightly
// runs of reports/testdata, and refuses a directory that is not a run.
func TestTrendCommand(t *testing.T) {
	runs, _ := filepath.Glob(filepath.Join("..", "..", "reports", "testdata", "trend", "nightly-*"))
	if len(runs) != 3 {
		t.Fatalf("%d saved runs, want 3", len(runs))
	}
	out := t.TempDir()
	text, err := cmd(append([]string{"trend", "--out", out}, runs...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !strings.Contains(text, "| p99 latency | **nightly-a** | nightly-c |") {
		t.Errorf("the printed trend does not name nightly-a as p99's first regression:\n%s", text)
	}
	for _, f := range []string{TrendHTMLFile, TrendMarkdownFile} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Runs of two scenarios: invalid input, exit 2.
	if _, err := cmd("trend", runs[0], filepath.Join("..", "..", "reports", "testdata", "run")); exitcode.Of(err) != exitcode.Invalid ||
		!strings.Contains(err.Error(), "one scenario") {
		t.Errorf("trend over two scenarios: %v (exit %d), want exit 2 naming the mix", err, exitcode.Of(err))
	}
	// A directory that no run wrote: invalid input, exit 2.
	if _, err := cmd("trend", runs[0], t.TempDir()); exitcode.Of(err) != exitcode.Invalid {
		t.Errorf("trend over a non-run directory: exit %d, want 2", exitcode.Of(err))
	}
}
