package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/analysis"
)

// shards is `bench shards`: the same scenario at the same total rate as one
// process and as 1, 2 and 4 shards merged, against the trivial server. It
// checks what sharding promises: each shard keeps its schedule (send-lag
// p99), the merged outcome counts equal the single run's, p50/p99 are
// within 5% of it, and merging twice gives byte-identical summaries. It
// writes its table into BENCHMARKS.md between shard markers.
//
//	bench shards [-quick] [-o BENCHMARKS.md]
func shards(args []string) error {
	fs := flag.NewFlagSet("shards", flag.ExitOnError)
	quick := fs.Bool("quick", false, "a short run, to check the benchmark itself")
	out := fs.String("o", "BENCHMARKS.md", "the file whose shard section is written")
	fs.Parse(args)
	rate, dur := 2000.0, 30*time.Second
	if *quick {
		rate, dur = 500, 8*time.Second
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
	url, stop, err := b.server()
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
`, url, dur, rate), 0o644)
	fmt.Printf("shards: %g/s for %s against the trivial server\n", rate, dur)
	exec.Command(aq, "run", scen, "--out", filepath.Join(dir, "single")).Run()
	single, err := summaryOf(filepath.Join(dir, "single", "*"))
	if err != nil {
		return err
	}
	var rows []string
	rows = append(rows, row("1 process", single, single, nil, true))
	for _, n := range []int{1, 2, 4} {
		runDir := filepath.Join(dir, fmt.Sprintf("n%d", n))
		dirs, err := runShards(aq, scen, runDir, n)
		if err != nil {
			return err
		}
		var lags []float64
		for _, d := range dirs {
			exec.Command(aq, "report", d).Run()
			s, err := summaryOf(d)
			if err != nil {
				return err
			}
			lags = append(lags, s.Generator.SendLag.P99)
		}
		m1, m2 := filepath.Join(runDir, "merged"), filepath.Join(runDir, "again")
		exec.Command(aq, append(append([]string{"merge"}, dirs...), "--out", m1)...).Run()
		exec.Command(aq, append(append([]string{"merge"}, dirs...), "--out", m2)...).Run()
		a, _ := os.ReadFile(filepath.Join(m1, "summary.json"))
		c, _ := os.ReadFile(filepath.Join(m2, "summary.json"))
		merged, err := summaryOf(m1)
		if err != nil {
			return err
		}
		rows = append(rows, row(fmt.Sprintf("%d shards merged", n), merged, single, lags, len(a) > 0 && bytes.Equal(a, c)))
	}
	table := fmt.Sprintf(`<!-- shards -->
## Shards (`+"`bench shards`"+`)

One scenario at %g/s for %s against the trivial server, as one process and as N shard processes
on this machine (same total rate, common --start-at), merged with `+"`authquake merge`"+`. Measured %s.

| run | payments | outcomes | p50 ms | p99 ms | p50 / p99 vs 1 process | send-lag p99 per shard (ms) | merge twice identical |
|---|---|---|---|---|---|---|---|
%s
<!-- /shards -->
`, rate, dur, time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.Join(rows, "\n"))
	fmt.Print(table)
	old, _ := os.ReadFile(*out)
	re := regexp.MustCompile(`(?s)<!-- shards -->.*<!-- /shards -->\n`)
	if re.Match(old) {
		old = re.ReplaceAll(old, []byte(table))
	} else {
		old = append(append(old, '\n'), table...)
	}
	return os.WriteFile(*out, old, 0o644)
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
	var wg sync.WaitGroup
	for k := range n {
		args := []string{"run", scen, "--out", out, "--shard", fmt.Sprintf("%d/%d", k, n), "--start-at", start}
		if k == 0 {
			args = append(args, "--listen", listen)
		} else {
			args = append(args, "--coordinator", "http://"+listen)
		}
		wg.Add(1)
		go func() { defer wg.Done(); exec.Command(aq, args...).Run() }()
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

func row(name string, s, single *analysis.Summary, lags []float64, identical bool) string {
	o, _ := json.Marshal(s.Requests.Outcomes)
	same := "="
	if s.Requests.Outcomes != single.Requests.Outcomes {
		same = "differ"
	}
	lag := "-"
	if lags != nil {
		lag = strings.Trim(strings.ReplaceAll(fmt.Sprint(lags), " ", ", "), "[]")
	}
	return fmt.Sprintf("| %s | %d | %s %s | %.3f | %.3f | %+.1f%% / %+.1f%% | %s | %v |", name, s.Requests.Payments, strings.ReplaceAll(string(o), `"`, ""), same,
		s.Latency.P50, s.Latency.P99, pct(s.Latency.P50, single.Latency.P50), pct(s.Latency.P99, single.Latency.P99), lag, identical)
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * (a - b) / b
}
