package analysis

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// rewrite replaces a file of the run directory by what damage makes of it.
func rewrite(t *testing.T, dir, name string, damage func([]byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, damage(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// regzip decompresses an attempts file, damages its text and compresses it.
func regzip(damage func(string) string) func([]byte) []byte {
	return func(b []byte) []byte {
		zr, _ := gzip.NewReader(bytes.NewReader(b))
		var text bytes.Buffer
		text.ReadFrom(zr)
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write([]byte(damage(text.String())))
		zw.Close()
		return out.Bytes()
	}
}

// TestADamagedRecordIsInconclusive: a run that would pass gives exit 1,
// verdict record_damaged, when a file of its record is cut short or
// corrupt; the message names the file and how far it was read, and the
// numbers read before the damage are kept.
func TestADamagedRecordIsInconclusive(t *testing.T) {
	tests := []struct {
		name, file string
		damage     func([]byte) []byte
		want       string
		payments   int // at least this many are still counted
	}{
		// The case: a SIGKILLed run leaves the gzip without its end.
		{"attempts cut short", rundir.AttemptsFile, func(b []byte) []byte { return b[:len(b)/2] }, "attempts.csv.gz: ", 1},
		// A line in the middle that does not parse.
		{"attempts corrupt", rundir.AttemptsFile, regzip(func(s string) string {
			lines := strings.Split(s, "\n")
			lines[1001] = strings.Replace(lines[1001], ",", ",x", 2)
			return strings.Join(lines, "\n")
		}), "attempts.csv.gz: damaged at line 1002: read 1000 attempts", 1000},
		// A payment scheduled long after the plan's end: the file is corrupt.
		{"attempts outside the plan", rundir.AttemptsFile, regzip(func(s string) string {
			lines := strings.Split(s, "\n")
			f := strings.Split(lines[1001], ",")
			f[2] = "9000000000000000000"
			lines[1001] = strings.Join(f, ",")
			return strings.Join(lines, "\n")
		}), "attempts.csv.gz: damaged after 1000 attempts: payment 1000 scheduled at 2500000h0m0s, outside the plan", 1000},
		// Not gzip at all.
		{"attempts not gzip", rundir.AttemptsFile, func([]byte) []byte { return []byte("seq,attempt\n") }, "attempts.csv.gz: damaged at line 1: read 0 attempts", 0},
		// timeline.json cut inside its first event.
		{"timeline cut short", rundir.TimelineFile, func(b []byte) []byte { return b[:len(b)-20] }, "timeline.json: damaged at byte", 2000},
		// samples.jsonl with a line that is not JSON.
		{"samples corrupt", rundir.SamplesFile, func([]byte) []byte { return []byte("{\"kind\":\"generator\"}\n{\"kind\":\n") },
			"samples.jsonl: damaged at line 2: read 1 samples", 2000},
	}
	for _, tt := range tests {
		dir := synth(t, synthScenario, ok)
		os.WriteFile(filepath.Join(dir, rundir.SamplesFile), []byte("{\"kind\":\"generator\"}\n"), 0o644)
		if s := analyze(t, dir); s.ExitCode != 0 {
			t.Fatalf("%s: undamaged run exits %d", tt.name, s.ExitCode)
		}
		rewrite(t, dir, tt.file, tt.damage)
		s := analyze(t, dir)
		if s.Verdict != VerdictDamaged || s.ExitCode != 1 {
			t.Errorf("%s: verdict %s exit %d, want %s 1", tt.name, s.Verdict, s.ExitCode, VerdictDamaged)
		}
		if len(s.Damaged) != 1 || !strings.Contains(s.Damaged[0], tt.want) {
			t.Errorf("%s: damaged %q, want one naming %q", tt.name, s.Damaged, tt.want)
		}
		if s.Requests.Payments < tt.payments {
			t.Errorf("%s: %d payments read, want at least %d", tt.name, s.Requests.Payments, tt.payments)
		}
	}
}
