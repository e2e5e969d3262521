package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/coord"
)

// shards is `bench shards`: the same scenario at the same total rate as one
// process and as 1, 2 and 4 shards merged, against the trivial server with a
// fixed service time, in alternating rounds (one process, 1, 2, 4 shards,
// then again). It checks what sharding promises: each shard keeps its
// schedule (send-lag p99), the merged outcome counts equal the single run's,
// the median p50/p99 over the rounds are within 5% of the single process's,
// and merging twice gives byte-identical summaries. It writes its table into
// BENCHMARKS.md between shard markers.
//
// The server answers after 10 ms, as an authorisation service does: with a
// server that answers in 0.1 ms, p99 on a shared two-core machine measures
// which of five processes the scheduler ran first, not the service.
//
//	bench shards [-quick] [-delay 10ms] [-o BENCHMARKS.md]
func shards(args []string) error {
	fs := flag.NewFlagSet("shards", flag.ExitOnError)
	quick := fs.Bool("quick", false, "short runs, to check the benchmark itself")
	out := fs.String("o", "BENCHMARKS.md", "the file whose shard section is written")
	delay := fs.Duration("delay", 10*time.Millisecond, "the trivial server's service time")
	fs.Parse(args)
	c := shardConfig{rate: 1000, dur: 20 * time.Second, delay: *delay, rounds: 3, ns: []int{1, 2, 4}}
	if *quick {
		c.rate, c.dur, c.rounds = 300, 5*time.Second, 1
	}
	dir, err := os.MkdirTemp("", "authquake-shards-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	aq, trivial := filepath.Join(dir, "authquake"), filepath.Join(dir, "trivial")
	for bin, pkg := range map[string]string{aq: "./cmd/authquake", trivial: "./targets/trivial"} {
		if o, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, o)
		}
	}
	b := &bins{trivial: trivial}
	url, stop, err := b.server("-delay", c.delay.String())
	if err != nil {
		return err
	}
	defer stop()
	scen := filepath.Join(dir, "s.yaml")
	os.WriteFile(scen, fmt.Appendf(nil, `name: bench/shards
seed: 5
target: {kind: url, url: %q}
accounts: {count: 100000}
traffic: {phases: [{duration: %s, shape: constant, rate: %g/s}]}
requests: {client: {timeout: 5s, retries: {max_attempts: 1}}}
`, url, c.dur, c.rate), 0o644)
	fmt.Printf("shards: %g/s for %s against the trivial server answering in %s, %d rounds\n", c.rate, c.dur, c.delay, c.rounds)
	res := make([][]shardRun, 1+len(c.ns)) // [0]: one process; [i]: c.ns[i-1] shards
	for r := range c.rounds {
		drainTimeWait(time.Minute)
		single := filepath.Join(dir, fmt.Sprintf("r%d-single", r))
		exec.Command(aq, "run", scen, "--out", single).Run()
		s, err := summaryOf(filepath.Join(single, "*"))
		if err != nil {
			return err
		}
		res[0] = append(res[0], shardRun{sum: s, identical: true})
		fmt.Printf("  round %d: 1 process      p50 %.3f ms p99 %.3f ms\n", r+1, s.Latency.P50, s.Latency.P99)
		for i, n := range c.ns {
			drainTimeWait(time.Minute)
			sr, err := shardRound(aq, scen, filepath.Join(dir, fmt.Sprintf("r%d-n%d", r, n)), n)
			if err != nil {
				return err
			}
			res[i+1] = append(res[i+1], sr)
			fmt.Printf("  round %d: %d shards merged p50 %.3f ms p99 %.3f ms, lag p99 %v ms\n", r+1, n, sr.sum.Latency.P50, sr.sum.Latency.P99, sr.lags)
		}
	}
	var rows []string
	rows = append(rows, c.row("1 process", res[0], res[0]))
	for i, n := range c.ns {
		rows = append(rows, c.row(fmt.Sprintf("%d shards merged", n), res[i+1], res[0]))
	}
	table := fmt.Sprintf(`<!-- shards -->
## Shards (`+"`bench shards`"+`)

One scenario at %g/s for %s against the trivial server answering after %s (`+"`trivial -delay`"+`), as one
process and as N shard processes on this machine (same total rate, common --start-at), merged with
`+"`authquake merge`"+`; %d alternating rounds (1 process, 1, 2, 4 shards, then again), medians over the rounds.
Measured %s.

| run | payments | outcomes (every round) | p50 ms | p99 ms | p50 / p99 vs 1 process | within 5%% | send-lag p99 per shard (ms, worst round) | merge twice identical |
|---|---|---|---|---|---|---|---|---|
%s
<!-- /shards -->
`, c.rate, c.dur, c.delay, c.rounds, time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.Join(rows, "\n"))
	return writeSection(*out, "shards", table)
}

// shardConfig is what bench shards runs.
type shardConfig struct {
	rate   float64
	dur    time.Duration
	delay  time.Duration
	rounds int
	ns     []int
}

// shardRun is one round of one configuration: its (merged) summary, each
// shard's send-lag p99, and whether merging twice was byte-identical.
type shardRun struct {
	sum       *analysis.Summary
	lags      []float64
	identical bool
}

// shardRound runs n shards into dir, reports each, and merges them twice.
func shardRound(aq, scen, dir string, n int) (shardRun, error) {
	dirs, err := runShards(aq, scen, dir, n)
	if err != nil {
		return shardRun{}, err
	}
	var r shardRun
	for _, d := range dirs {
		exec.Command(aq, "report", d).Run()
		s, err := summaryOf(d)
		if err != nil {
			return r, err
		}
		r.lags = append(r.lags, s.Generator.SendLag.P99)
	}
	m1, m2 := filepath.Join(dir, "merged"), filepath.Join(dir, "again")
	exec.Command(aq, append(append([]string{"merge"}, dirs...), "--out", m1)...).Run()
	exec.Command(aq, append(append([]string{"merge"}, dirs...), "--out", m2)...).Run()
	a, _ := os.ReadFile(filepath.Join(m1, "summary.json"))
	c, _ := os.ReadFile(filepath.Join(m2, "summary.json"))
	r.identical = len(a) > 0 && bytes.Equal(a, c)
	r.sum, err = summaryOf(m1)
	return r, err
}

// runShards runs n shard processes of scen from one start instant.
func runShards(aq, scen, out string, n int) ([]string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	listen := ln.Addr().String()
	ln.Close()
	start := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	env := append(os.Environ(), coord.TokenEnv+"="+coord.NewToken()) // the run's, as exported by hand
	var wg sync.WaitGroup
	for k := range n {
		args := []string{"run", scen, "--out", out, "--shard", fmt.Sprintf("%d/%d", k, n), "--start-at", start}
		if k == 0 {
			args = append(args, "--listen", listen)
		} else {
			args = append(args, "--coordinator", "http://"+listen)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := exec.Command(aq, args...)
			c.Env = env
			c.Run()
		}()
	}
	wg.Wait()
	dirs, _ := filepath.Glob(filepath.Join(out, "*-shard*"))
	if len(dirs) != n {
		return nil, fmt.Errorf("%d shard directories of %d", len(dirs), n)
	}
	return dirs, nil
}

func summaryOf(glob string) (*analysis.Summary, error) {
	dirs, _ := filepath.Glob(glob)
	if len(dirs) != 1 {
		return nil, fmt.Errorf("%s: %d run directories", glob, len(dirs))
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], "summary.json"))
	if err != nil {
		return nil, err
	}
	var s analysis.Summary
	return &s, json.Unmarshal(b, &s)
}

// row is a configuration's line: the median p50 and p99 over its rounds
// against the single process's medians.
func (c shardConfig) row(name string, runs, single []shardRun) string {
	p50, p99 := medianOf(runs, func(s *analysis.Summary) float64 { return s.Latency.P50 }), medianOf(runs, func(s *analysis.Summary) float64 { return s.Latency.P99 })
	s50, s99 := medianOf(single, func(s *analysis.Summary) float64 { return s.Latency.P50 }), medianOf(single, func(s *analysis.Summary) float64 { return s.Latency.P99 })
	same, identical := "=", true
	for k, r := range runs {
		if r.sum.Requests.Outcomes != single[k].sum.Requests.Outcomes || r.sum.Requests.Payments != single[k].sum.Requests.Payments {
			same = "differ"
		}
		identical = identical && r.identical
	}
	o, _ := json.Marshal(runs[0].sum.Requests.Outcomes)
	lag := "-"
	if runs[0].lags != nil {
		worst := make([]float64, len(runs[0].lags))
		for _, r := range runs {
			for i, l := range r.lags {
				worst[i] = max(worst[i], l)
			}
		}
		lag = strings.Trim(strings.ReplaceAll(fmt.Sprint(worst), " ", ", "), "[]")
	}
	d50, d99 := pct(p50, s50), pct(p99, s99)
	within := abs(d50) <= 5 && abs(d99) <= 5
	return fmt.Sprintf("| %s | %d | %s %s | %.3f | %.3f | %+.1f%% / %+.1f%% | %v | %s | %v |", name, runs[0].sum.Requests.Payments,
		strings.ReplaceAll(string(o), `"`, ""), same, p50, p99, d50, d99, within, lag, identical)
}

func medianOf(runs []shardRun, f func(*analysis.Summary) float64) float64 {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = f(r.sum)
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func abs(x float64) float64 { return math.Abs(x) }

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * (a - b) / b
}
