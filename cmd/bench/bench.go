// Command bench is `make bench`: it builds vegeta's own CLI from the same
// module version and a trivial server from this repo, and measures, in one
// invocation, side by side on 127.0.0.1: the highest open-model rate each
// load generator sustains, CPU time per request at a fixed rate, memory over
// a long run, and authquake's accuracy through Toxiproxy. It prints a table
// of ratios authquake / vegeta and writes BENCHMARKS.md.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/process"

	"github.com/authquake/authquake/harness/hostcpu"
)

// config is how long each measure runs; -quick shortens all of them.
type config struct {
	probe, cpu, soak time.Duration
	cpuRate          float64
	out              string
	// trials per rate of the ladder (a rate is sustained by a majority),
	// confirm: trials of authquake at 1.3x vegeta's highest rate.
	trials, confirm int
	// cpuTrials: alternating runs of each generator for CPU per request.
	cpuTrials int
	ladder    []float64
}

// gen is one load generator under test.
type gen struct {
	name string
	// cmd starts a run at rate for dur writing results to out.
	cmd func(rate float64, dur time.Duration, out string) *exec.Cmd
	// read returns how many requests were sent and the send lag p99 over
	// the last fifth of the run.
	read func(out string, rate float64) (sent int, lagP99 time.Duration, err error)
}

// run is one measured generator process.
type run struct {
	sent    int
	lagP99  time.Duration
	cpu     time.Duration
	peakRSS uint64
	rss     []uint64 // once a second
	// steal is the share of the machine's CPU time the hypervisor gave to
	// other machines during the run, in percent (NaN: unknown).
	steal float64
}

// measure runs generator i of a fresh pair against a fresh trivial server:
// a run that overloaded the server must not slow the next one down.
func measure(b *bins, i int, rate float64, dur time.Duration) (run, error) {
	url, stop, err := b.server()
	if err != nil {
		return run{}, err
	}
	defer stop()
	g := generators(b.self, b.vegeta, url, b.dir)[i]
	out := filepath.Join(b.dir, fmt.Sprintf("%s-%.0f.out", g.name, rate))
	cmd := g.cmd(rate, dur, out)
	cmd.Stderr = os.Stderr
	t0 := hostcpu.Now()
	if err := cmd.Start(); err != nil {
		return run{}, err
	}
	var r run
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	p, _ := process.NewProcess(int32(cmd.Process.Pid))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				return r, fmt.Errorf("%s: %w", g.name, err)
			}
			waiting = false
		case <-tick.C:
			if m, err := p.MemoryInfo(); err == nil {
				r.rss = append(r.rss, m.RSS)
				r.peakRSS = max(r.peakRSS, m.RSS)
			}
		}
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.steal = stealPct(t0, hostcpu.Now())
	r.sent, r.lagP99, err = g.read(out, rate)
	os.Remove(out)
	return r, err
}

// sustains reports whether a run kept up: within 1% of the offered count and
// no growing send lag.
func sustains(r run, rate float64, dur time.Duration) bool {
	return float64(r.sent) >= 0.99*rate*dur.Seconds() && r.lagP99 < 50*time.Millisecond
}

// bins are the programs the benchmark runs, built once.
type bins struct{ self, vegeta, trivial, dir string }

// server starts a trivial server with args and returns its URL and a stop
// function.
func (b *bins) server(args ...string) (string, func(), error) {
	srv := exec.Command(b.trivial, args...)
	stdout, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		return "", nil, err
	}
	url, err := bufio.NewReader(stdout).ReadString('\n')
	stop := func() { srv.Process.Kill(); srv.Wait(); time.Sleep(time.Second) }
	if err != nil {
		stop()
		return "", nil, err
	}
	return strings.TrimSpace(url), stop, nil
}

func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	quick := fs.Bool("quick", false, "short runs, to check the benchmark itself")
	out := fs.String("o", "BENCHMARKS.md", "where to write the table")
	fs.Parse(args)
	c := config{probe: 10 * time.Second, cpu: 20 * time.Second, soak: 5 * time.Minute, cpuRate: 5000, out: *out,
		trials: 3, confirm: 5, cpuTrials: 5,
		ladder: []float64{6000, 8000, 9000, 10000, 11000, 12000, 13000, 14000, 16000, 20000, 24000, 28000, 32000}}
	if *quick {
		c = config{probe: 3 * time.Second, cpu: 5 * time.Second, soak: 20 * time.Second, cpuRate: 2000, out: *out,
			trials: 1, confirm: 1, cpuTrials: 1, ladder: []float64{2000, 4000}}
	}
	start := time.Now()
	b, err := build()
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)
	self, vegetaBin, dir := b.self, b.vegeta, b.dir
	rep := &report{cfg: c}
	names := []string{"authquake", "vegeta"}
	// CPU first, on a quiet machine; the median of alternating runs, since
	// a shared machine's CPU time varies from run to run.
	fmt.Printf("1. CPU per request at %.0f/s for %s (median of %d alternating)\n", c.cpuRate, c.cpu, c.cpuTrials)
	var per [2][]time.Duration
	for k := 0; k < c.cpuTrials; k++ {
		for i := range 2 {
			r, err := measure(b, i, c.cpuRate, c.cpu)
			if err != nil {
				return err
			}
			per[i] = append(per[i], r.cpu/time.Duration(max(r.sent, 1)))
			rep.cpuSteal[i] = append(rep.cpuSteal[i], r.steal)
			rep.cpuRSS[i] = max(rep.cpuRSS[i], r.peakRSS)
			fmt.Printf("  %-9s sent %d, CPU %s, %s per request, peak RSS %.1f MB, steal %s%%\n", names[i], r.sent, r.cpu.Round(time.Millisecond), per[i][k], mb(r.peakRSS), pctCell(r.steal))
		}
	}
	rep.cpuEach = [2][]time.Duration{slices.Clone(per[0]), slices.Clone(per[1])}
	for i := range 2 {
		sort.Slice(per[i], func(x, y int) bool { return per[i][x] < per[i][y] })
		rep.cpu[i] = per[i][len(per[i])/2]
	}
	fmt.Printf("2. authquake memory over %s at %.0f/s\n", c.soak, c.cpuRate)
	soak, err := measure(b, 0, c.cpuRate, c.soak)
	if err != nil {
		return err
	}
	rep.soak = soak
	fmt.Printf("  peak %.1f MB, final %.1f MB, slope over the second half %+.2f MB/min\n", mb(soak.peakRSS), mb(last(soak.rss)), slope(soak.rss))
	fmt.Printf("3. highest sustained open-model rate (%d alternating trials per rate, fresh server, TIME_WAIT drained)\n", c.trials)
	if rep.rates, err = rateLadder(b, c); err != nil {
		return err
	}
	rep.maxRate = rep.rates.highest(c.trials)
	if rep.maxRate[1] > 0 {
		target := math.Ceil(1.3*rep.maxRate[1]/500) * 500
		fmt.Printf("   authquake at 1.3x vegeta's highest (%.0f/s), %d trials\n", target, c.confirm)
		rep.confirm, err = confirm(b, c, target)
		if err != nil {
			return err
		}
	}
	time.Sleep(time.Minute) // the overloaded probes' sockets leave TIME_WAIT
	fmt.Println("4. accuracy through Toxiproxy")
	url, stop, err := b.server()
	if err != nil {
		return err
	}
	defer stop()
	if rep.acc, err = accuracy(self, vegetaBin, url, dir, *quick); err != nil {
		return err
	}
	long := time.Hour
	if *quick {
		long = time.Minute
	}
	fmt.Printf("5. memory of the analysis of a recorded %s at %.0f/s\n", long, c.cpuRate)
	adir := filepath.Join(dir, "analysis")
	if err := os.Mkdir(adir, 0o755); err != nil {
		return err
	}
	if rep.analysis, err = analyseLong(long, c.cpuRate, adir); err != nil {
		return err
	}
	fmt.Println("  " + rep.analysis.line())
	rep.took = time.Since(start)
	return rep.write()
}

// build makes a scratch directory and builds the programs the benchmark
// runs into it: vegeta's CLI, the trivial server and this command.
func build() (*bins, error) {
	dir, err := os.MkdirTemp("", "authquake-bench-")
	if err != nil {
		return nil, err
	}
	b := &bins{dir: dir}
	for _, x := range []struct {
		into      *string
		name, pkg string
	}{{&b.vegeta, "vegeta", "github.com/tsenart/vegeta/v12"}, {&b.trivial, "trivial", "./targets/trivial"}, {&b.self, "bench", "./cmd/bench"}} {
		*x.into = filepath.Join(dir, x.name)
		if o, err := exec.Command("go", "build", "-o", *x.into, x.pkg).CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("build %s: %v\n%s", x.pkg, err, o)
		}
	}
	return b, nil
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func last(xs []uint64) uint64 {
	if len(xs) == 0 {
		return 0
	}
	return xs[len(xs)-1]
}

// slope fits RSS over the second half of the run, in MB per minute.
func slope(rss []uint64) float64 {
	half := rss[len(rss)/2:]
	n := float64(len(half))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, v := range half {
		x, y := float64(i)/60, mb(v)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}
