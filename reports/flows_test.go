package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// TestFlowsReachEveryReport: a run with captures and unsent reversals shows
// them per call in summary.json, report.md, report.html and the terminal.
func TestFlowsReachEveryReport(t *testing.T) {
	dir := copyRun(t)
	path := filepath.Join(dir, rundir.AttemptsFile)
	var all []record.Attempt
	if err := record.Read(path, func(a *record.Attempt) error { all = append(all, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	w, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range all {
		w.Record(&a)
		if a.Final && i%3 == 0 {
			due := a.Scheduled + time.Second
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 1, Scheduled: due, Sent: due, Latency: time.Millisecond, Status: 200,
				Outcome: record.Approved, Call: record.Capture, AuthID: "x", Final: true})
			w.Record(&record.Attempt{Seq: a.Seq, Attempt: 1, Scheduled: due, Outcome: record.NotSent, Call: record.Reverse, Final: true})
		}
	}
	w.Close()
	s := render(t, dir)
	if len(s.Flows) != 2 {
		t.Fatalf("flows %+v", s.Flows)
	}
	for name, want := range map[string]string{SummaryFile: `"not_sent"`, MarkdownFile: "| capture |", HTMLFile: "<td>reverse</td>"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if !strings.Contains(string(got), want) {
			t.Errorf("%s does not show the flows (%s)", name, want)
		}
	}
	var term bytes.Buffer
	Terminal(&term, s, "")
	if !strings.Contains(term.String(), "capture: ") || !strings.Contains(term.String(), " not sent;") {
		t.Errorf("terminal does not show the flows:\n%s", term.String())
	}
}
