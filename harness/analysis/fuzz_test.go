package analysis

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	f.Fuzz(func(t *testing.T, meta, timeline, samples, attempts []byte) {
		dir := t.TempDir()
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(attempts)
		zw.Close()
		for name, data := range map[string][]byte{rundir.ScenarioFile: []byte(synthScenario), rundir.MetaFile: meta,
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
	})
}
