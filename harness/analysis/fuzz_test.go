package analysis

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// FuzzRunDir: no run.json, timeline.json, samples.jsonl or attempts file
// makes the reading and analysis of a run directory panic or hang, and the
// series never outgrows the plan. Seeded from a synthetic run.
func FuzzRunDir(f *testing.F) {
	t := &testing.T{}
	dir := synth(t, synthScenario, ok)
	read := func(name string) []byte { b, _ := os.ReadFile(filepath.Join(dir, name)); return b }
	zr, err := gzip.NewReader(bytes.NewReader(read(rundir.AttemptsFile)))
	if err != nil {
		f.Fatal(err)
	}
	var all bytes.Buffer
	all.ReadFrom(zr)
	lines := bytes.SplitAfter(all.Bytes(), []byte("\n"))
	attempts := bytes.NewBuffer(bytes.Join(lines[:20], nil)) // small inputs mutate and minimise fast
	samples := []byte(`{"t_s":1,"kind":"generator","cpu_pct":12.5}` + "\n")
	f.Add(read(rundir.MetaFile), read(rundir.TimelineFile), samples, attempts.Bytes())
	f.Add(read(rundir.MetaFile), []byte(`[{"id":"x","planned_start_s":1e300,"planned_end_s":-1e300}]`), []byte("{\n"), attempts.Bytes()[:attempts.Len()/3])
	f.Add([]byte(`{"status":"interrupted","planned":18446744073709551615}`), []byte(`[`), []byte(""), []byte("seq\n"))
	f.Add(read(rundir.MetaFile), read(rundir.TimelineFile), samples, polled(f))
	f.Fuzz(func(t *testing.T, meta, timeline, samples, attempts []byte) {
		// As a service that answers final at once, and as one that decides later.
		for _, yaml := range []string{synthScenario, synthScenario + synthAsync} {
			analyzeFuzzed(t, yaml, meta, timeline, samples, attempts)
		}
	})
}

// synthAsync makes synthScenario's service one that answers pending and is
// polled for its decisions: the decision clock is fuzzed too.
const synthAsync = `target:
  response: {auth_id: id, rules: [{status: 202, outcome: pending}]}
  status: {path: "/p/{{.AuthID}}", every: 100ms, status: s, rules: [{equals: ok, outcome: approved}]}
`

// polled is an attempts file of payments answered pending, each polled
// until decided: some at once, some late, one never, two at one instant.
func polled(f testing.TB) []byte {
	dir := f.TempDir()
	path := filepath.Join(dir, "a.csv.gz")
	w, err := record.Create(path)
	if err != nil {
		f.Fatal(err)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for n := range 12 {
		at := ms(500 * n)
		if n == 5 {
			at = ms(2000) // answered with the payment before it
		}
		w.Record(&record.Attempt{Seq: uint64(n), Attempt: 1, Scheduled: at, Sent: at, Latency: ms(5), Status: 202, Outcome: record.Pending, Final: true, AuthID: fmt.Sprint("p", n)})
		if n == 7 {
			continue // never decided
		}
		w.Record(&record.Attempt{Seq: uint64(n), Attempt: 1, Scheduled: at + ms(100), Sent: at + ms(100), Latency: ms(2), Status: 200, Outcome: record.Pending, Call: record.Status})
		w.Record(&record.Attempt{Seq: uint64(n), Attempt: 1, Scheduled: at + ms(200+1000*(n%3)), Sent: at + ms(200+1000*(n%3)), Latency: ms(2), Status: 200, Outcome: record.Approved, Call: record.Status})
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(zr)
	return out.Bytes()
}

// analyzeFuzzed analyses the fuzzed files under the scenario yaml: no
// panic, a series no corrupt time can size, no damaged record that passes.
func analyzeFuzzed(t *testing.T, yaml string, meta, timeline, samples, attempts []byte) {
	t.Helper()
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(attempts)
	zw.Close()
	for name, data := range map[string][]byte{rundir.ScenarioFile: []byte(yaml), rundir.MetaFile: meta,
		rundir.TimelineFile: timeline, rundir.SamplesFile: samples, rundir.AttemptsFile: gz.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Load(dir)
	if err != nil {
		return
	}
	s, series, err := Analyze(r, time.Second)
	if err != nil {
		return
	}
	if len(series.Send) > 21 {
		t.Fatalf("%d buckets for a plan of 20 s", len(series.Send))
	}
	if want := 21 + int((2*maxSendLag+answerSlack(r))/time.Second); len(series.Answer) > want {
		t.Fatalf("%d answer buckets for a plan of 20 s (at most %d)", len(series.Answer), want)
	}
	if s.ExitCode == 0 && len(s.Damaged) > 0 {
		t.Fatalf("a damaged record passed: %v", s.Damaged)
	}
}

// TestFuzzSeedReachesTheDecisionClock: the async seed of FuzzRunDir loads
// and is judged on the decision clock, so that the fuzzer mutates inputs
// that reach it.
func TestFuzzSeedReachesTheDecisionClock(t *testing.T) {
	src := synth(t, synthScenario, ok)
	dir := t.TempDir()
	for _, name := range []string{rundir.MetaFile, rundir.TimelineFile} {
		b, _ := os.ReadFile(filepath.Join(src, name))
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), []byte(synthScenario+synthAsync), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(polled(t))
	zw.Close()
	os.WriteFile(filepath.Join(dir, rundir.AttemptsFile), gz.Bytes(), 0o644)
	s := analyze(t, dir)
	if s.Settle == nil || s.Settle.Pending != 12 || s.Settle.Unsettled != 1 || len(s.Faults) != 1 || s.Faults[0].Decisions == nil {
		t.Fatalf("settle %+v, faults %+v: want the seed's 12 pending payments, 1 never decided, and the fault judged on them", s.Settle, s.Faults)
	}
}
