package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// passingRun writes a completed run of 100 approved payments.
func passingRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		rundir.ScenarioFile: "name: tiny\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 100/s}]}\n",
		rundir.MetaFile:     `{"version": 1, "scenario": "tiny", "seed": 1, "duration_scale": 1, "status": "completed", "planned": 100, "sent": 100}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		t.Fatal(err)
	}
	for n := range 100 {
		w.Record(&record.Attempt{Seq: uint64(n), Attempt: 1, Outcome: record.Approved, Status: 201, Final: true})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDamagedRunsExitOne: report of a cut attempts file or run.json, and
// compare of a cut summary.json, exit 1 naming the file; before, the cut
// attempts file passed (exit 0) with a warning about the load generator.
func TestDamagedRunsExitOne(t *testing.T) {
	tests := []struct {
		name, file string
		args       func(dir string) []string
		want       string
	}{
		// The case.
		{"attempts cut short", rundir.AttemptsFile, func(d string) []string { return []string{"report", d} }, "attempts.csv.gz: cut short"},
		{"run.json cut short", rundir.MetaFile, func(d string) []string { return []string{"report", d} }, "damaged at byte"},
		{"summary.json cut short", "summary.json", func(d string) []string { return []string{"compare", d, d} }, "summary.json is damaged: read"},
	}
	for _, tt := range tests {
		dir := passingRun(t)
		if _, err := cmd("report", dir); err != nil {
			t.Fatalf("%s: the undamaged run: %v", tt.name, err)
		}
		path := filepath.Join(dir, tt.file)
		b, _ := os.ReadFile(path)
		os.WriteFile(path, b[:len(b)*2/3], 0o644)
		out, err := cmd(tt.args(dir)...)
		if exitcode.Of(err) != 1 || !strings.Contains(out+err.Error(), tt.want) {
			t.Errorf("%s: exit %d, %v, output %q; want 1 naming %q", tt.name, exitcode.Of(err), err, out, tt.want)
		}
	}
}

// TestCompareRefusesImpossibleSummaries: a summary.json with a value no
// run could have measured (a negative failure ratio, a ratio past 1, a
// negative p99 or time to recover) is damaged: compare exits 1 naming the
// file and the field; it compared them as if they were measured.
func TestCompareRefusesImpossibleSummaries(t *testing.T) {
	for _, tt := range []struct{ field, bad, want string }{
		{`"failure_ratio": 0`, `"failure_ratio": -0.5`, "failure_ratio is -0.5"},
		{`"failure_ratio": 0`, `"failure_ratio": 1.5`, "failure_ratio is 1.5"},
		{`"p99": 0`, `"p99": -3`, "latency_ms.p99 is -3"},
	} {
		dir := passingRun(t)
		if _, err := cmd("report", dir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "summary.json")
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), tt.field) {
			t.Fatalf("summary.json has no %s", tt.field)
		}
		os.WriteFile(path, []byte(strings.Replace(string(b), tt.field, tt.bad, 1)), 0o644)
		out, err := cmd("compare", dir, passingRun(t))
		if exitcode.Of(err) != 1 || !strings.Contains(err.Error(), "summary.json is damaged: "+tt.want) {
			t.Errorf("%s: exit %d, %v, output %q; want 1 naming the field", tt.bad, exitcode.Of(err), err, out)
		}
	}
}

// TestRunJSONOutOfRangeIsDamaged: a run.json whose number does not fit its
// field (a negative or too large count) is damaged like one cut short:
// exit 1 (record_damaged), naming the file and the byte; it exited 2 as if
// the directory were no run's.
func TestRunJSONOutOfRangeIsDamaged(t *testing.T) {
	for _, tt := range []struct{ was, bad string }{
		{`"planned": 100`, `"planned": 1e30`},
		{`"planned": 100`, `"planned": -1`},
		{`"seed": 1`, `"seed": 18446744073709551616`},
	} {
		dir := passingRun(t)
		path := filepath.Join(dir, rundir.MetaFile)
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), tt.was) {
			t.Fatalf("the fixture has no %s", tt.was)
		}
		os.WriteFile(path, []byte(strings.Replace(string(b), tt.was, tt.bad, 1)), 0o644)
		out, err := cmd("report", dir)
		if exitcode.Of(err) != 1 || !strings.Contains(err.Error(), "run.json is damaged at byte") {
			t.Errorf("%s: exit %d, %v, output %q; want 1 naming run.json", tt.bad, exitcode.Of(err), err, out)
		}
	}
}
