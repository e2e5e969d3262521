package cli

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/reports"
)

// FuzzSummary: no summary.json makes compare panic; one that does not
// parse is damaged (exit 1), never a comparison.
func FuzzSummary(f *testing.F) {
	dir := passingRun(&testing.T{})
	if _, err := cmd("report", dir); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"failure_ratio": 1e308, "latency_ms": {"p99": -1}, "faults": [{"name": "x", "time_to_recover_s": 1e308}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, reports.SummaryFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := summaryOf(dir)
		if err != nil {
			if exitcode.Of(err) != exitcode.SLOBreached {
				t.Fatalf("a damaged summary exits %d: %v", exitcode.Of(err), err)
			}
			return
		}
		rows := reports.Compare(s, s, reports.Thresholds{FailureRatio: 0.01, P99: 0.2, RecoverS: 5})
		reports.CompareMarkdown(io.Discard, "a", "b", rows)
	})
}
