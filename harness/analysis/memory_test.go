package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// interrupted writes a run directory planned by yaml whose first ran
// seconds were recorded before an interrupt.
func interrupted(t *testing.T, yaml string, ran time.Duration) string {
	t.Helper()
	dir, s, plan, w := newRunDir(t, yaml)
	n := uint64(0)
	for ; ; n++ {
		at, ok := plan.At(n)
		if !ok || at >= ran {
			break
		}
		w.Record(&record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: 5 * time.Millisecond,
			Outcome: record.Approved, Status: 201, Final: true})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	meta := rundir.Meta{Version: 1, Scenario: s.Name, Seed: 1, DurationScale: 1, Status: rundir.StatusInterrupted,
		Reason: "interrupted", Phases: plan.Spans(), Planned: plan.Total(), Sent: n}
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(dir, rundir.MetaFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// analyzeSeries loads and analyses a run directory with 1 s buckets.
func analyzeSeries(t *testing.T, dir string) (*Summary, []Bucket) {
	t.Helper()
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, series, err := Analyze(r, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s, series.Send
}

// TestWhatRanDecidesTheMemory: a long plan interrupted after 10 s is
// analysed in memory sized by its 10 s, and its partial report says
// aborted (exit 4). Before, the series was sized from the plan: 72 h
// at 1 s buckets made 259,201 histograms (1.6 GB resident).
func TestWhatRanDecidesTheMemory(t *testing.T) {
	tests := []struct {
		name, plan string
	}{
		// A soak test: 72 h at 100/s.
		{"72h soak", "{name: soak, duration: 72h, shape: constant, rate: 100/s}"},
		// The longest plan the limits allow.
		{"longest plan", "{name: long, duration: 720h, shape: constant, rate: 10/s}"},
	}
	for _, tt := range tests {
		dir := interrupted(t, "name: long\ntraffic: {phases: ["+tt.plan+"]}\n", 10*time.Second)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, series := analyzeSeries(t, dir)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 40<<20 {
			t.Errorf("%s: analysing 10 s allocated %d MB, want under 40 MB", tt.name, alloc>>20)
		}
		if len(series) > 11 {
			t.Errorf("%s: %d buckets for 10 s", tt.name, len(series))
		}
		if s.ExitCode != 4 || s.Verdict != VerdictAborted || s.Requests.Payments == 0 {
			t.Errorf("%s: verdict %s exit %d, %d payments; want aborted, 4, the partial count", tt.name, s.Verdict, s.ExitCode, s.Requests.Payments)
		}
	}
}

// TestACorruptSendTimeCannotSizeTheSeries: a send time far past the plan
// counts in a bucket at most the send lag's range (10 min) past its
// schedule; before, it grew the series to the whole plan (720 h).
func TestACorruptSendTimeCannotSizeTheSeries(t *testing.T) {
	dir := interrupted(t, "name: long\ntraffic: {phases: [{name: long, duration: 720h, shape: constant, rate: 10/s}]}\n", 10*time.Second)
	rewrite(t, dir, rundir.AttemptsFile, regzip(func(s string) string {
		lines := strings.Split(s, "\n")
		f := strings.Split(lines[2], ",")
		f[3] = "9000000000000000000" // sent_ns
		lines[2] = strings.Join(f, ",")
		return strings.Join(lines, "\n")
	}))
	s, series := analyzeSeries(t, dir)
	if want := 11 + int(maxSendLag/time.Second); len(series) > want {
		t.Errorf("%d buckets, want at most %d", len(series), want)
	}
	if s.Requests.Payments != 100 {
		t.Errorf("%d payments, want all 100", s.Requests.Payments)
	}
}
