package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/shirou/gopsutil/v3/process"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// analysisResult is the memory the analysis of a long recorded run needs.
type analysisResult struct {
	dur      time.Duration
	rate     float64
	attempts uint64
	peakHeap uint64 // sampled HeapInuse
	peakRSS  uint64 // sampled resident set, the synthesis's pages included
	took     time.Duration
}

// analyseLong synthesises the run directory of a completed run of dur at
// rate (every payment approved in 1-50 ms, one attempt each), then measures
// the peak heap and RSS of analysing it with 1 s buckets.
//
//	bench analysis DURATION RATE
func analyseLong(dur time.Duration, rate float64, dir string) (analysisResult, error) {
	res := analysisResult{dur: dur, rate: rate}
	yaml := fmt.Sprintf("name: long\nseed: 1\ntraffic: {phases: [{duration: %s, shape: constant, rate: %g/s}]}\n", dur, rate)
	s, _, err := scenario.Parse("long.yaml", []byte(yaml))
	if err != nil {
		return res, err
	}
	plan := traffic.NewPlan(s.Traffic.Phases)
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		return res, err
	}
	for n := uint64(0); n < plan.Total(); n++ {
		at, _ := plan.At(n)
		lat := time.Duration(1+n*7919%50) * time.Millisecond
		w.Record(&record.Attempt{Seq: n, Attempt: 1, Scheduled: at, Sent: at, Latency: lat, Outcome: record.Approved, Status: 201, Final: true})
	}
	if err := w.Close(); err != nil {
		return res, err
	}
	res.attempts = plan.Total()
	meta, _ := json.Marshal(rundir.Meta{Version: 1, Scenario: s.Name, Seed: 1, DurationScale: 1, Status: rundir.StatusCompleted,
		Phases: plan.Spans(), Planned: plan.Total(), Sent: plan.Total()})
	for name, data := range map[string][]byte{rundir.MetaFile: meta, rundir.ScenarioFile: []byte(yaml)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return res, err
		}
	}
	runtime.GC()
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the heap and RSS every 50 ms while the analysis runs
		defer close(sampled)
		p, _ := process.NewProcess(int32(os.Getpid()))
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			res.peakHeap = max(res.peakHeap, m.HeapInuse)
			if mi, err := p.MemoryInfo(); err == nil {
				res.peakRSS = max(res.peakRSS, mi.RSS)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	r, err := analysis.Load(dir)
	if err == nil {
		_, _, err = analysis.Analyze(r, time.Second)
	}
	res.took = time.Since(start)
	close(done)
	<-sampled
	return res, err
}

// analysisMain is `bench analysis DURATION RATE`: one measure on its own.
func analysisMain(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: bench analysis DURATION RATE")
	}
	dur, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	rate, err := strconv.ParseFloat(args[1], 64)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "authquake-bench-analysis-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res, err := analyseLong(dur, rate, dir)
	if err != nil {
		return err
	}
	fmt.Println(res.line())
	return nil
}

func (a analysisResult) line() string {
	return fmt.Sprintf("Analysis of a recorded run of %s at %.0f/s (%d attempts, 1 s buckets): peak heap %.0f MB, peak RSS %.0f MB, in %s.",
		a.dur, a.rate, a.attempts, mb(a.peakHeap), mb(a.peakRSS), a.took.Round(time.Second))
}
