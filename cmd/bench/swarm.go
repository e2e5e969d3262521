package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v3/load"

	"github.com/authquake/authquake/harness/analysis"
)

// swarmBench is `bench swarm` (make bench-swarm): one authsim scenario with
// a database blackhole, at one total rate, as a single `authquake run` and
// as `authquake swarm --workers 3` on a single-node swarm (the swarm
// command starts authsim once and owns the fault and the audit), in
// alternating trials with the same seed. The bar of issue 23: the same
// payments with the same outcome counts, the median p50 and p99 within 5%
// of the single run's, the fault's time to impact and to recover within one
// bucket. A swarm this engine is not part of is made for each swarm trial
// and left after it (docker_gwbridge too, if it made it). With -lock, each
// trial holds flock FILE. The table goes into BENCHMARKS.md between swarm
// markers; the runs stay in -out.
//
//	bench swarm [-quick] [-trials 3] [-lock FILE] [-out results/bench-swarm] [-o BENCHMARKS.md]
func swarmBench(args []string) error {
	fs := flag.NewFlagSet("swarm", flag.ExitOnError)
	quick := fs.Bool("quick", false, "a short scenario and one trial, to check the benchmark itself")
	trials := fs.Int("trials", 3, "alternating trials of each")
	lock := fs.String("lock", "", "hold flock FILE around each trial")
	out := fs.String("out", "results/bench-swarm", "where the runs go (emptied first)")
	md := fs.String("o", "BENCHMARKS.md", "the file whose swarm section is written")
	fs.Parse(args)
	c := swarmConfig{rate: 150, dur: 20 * time.Second, at: 8 * time.Second, length: 4 * time.Second, trials: *trials}
	if *quick {
		c = swarmConfig{rate: 100, dur: 10 * time.Second, at: 4 * time.Second, length: 2 * time.Second, trials: 1}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir := *out
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	aq := filepath.Join(dir, "authquake")
	if o, err := exec.Command("go", "build", "-o", aq, "./cmd/authquake").CombinedOutput(); err != nil {
		return fmt.Errorf("build authquake: %v\n%s", err, o)
	}
	scen := filepath.Join(dir, "s.yaml")
	os.WriteFile(scen, []byte(c.scenario()), 0o644)
	began, load0 := time.Now(), loadAvg()
	var res [2][]swarmTrial // [0]: authquake run; [1]: authquake swarm --workers 3
	for k := range c.trials {
		for i, name := range []string{"run", "swarm"} {
			out := filepath.Join(dir, fmt.Sprintf("%s-%d", name, k+1))
			args, glob := []string{"run", scen, "--out", out}, filepath.Join(out, "*")
			if i == 1 {
				args, glob = []string{"swarm", scen, "--workers", "3", "--out", out, "--lead", "10s", "--listen", freeAddr()}, filepath.Join(out, "*", "merged")
			}
			t, err := c.trial(ctx, *lock, i == 1, aq, args, glob)
			if err != nil {
				return fmt.Errorf("%s trial %d: %w", name, k+1, err)
			}
			fmt.Printf("  trial %d %-5s %s\n", k+1, name, t.cells())
			res[i] = append(res[i], t)
		}
	}
	return writeSection(*md, "swarm", c.table(res, began, load0))
}

// swarmConfig is the scenario bench swarm runs.
type swarmConfig struct {
	rate            float64
	dur, at, length time.Duration
	trials          int
}

func (c swarmConfig) scenario() string {
	return fmt.Sprintf(`name: bench/swarm
seed: 23
target: {kind: authsim}
accounts: {count: 200}
traffic: {phases: [{duration: %s, shape: constant, rate: %g/s}]}
requests: {client: {timeout: 1s, retries: {max_attempts: 1}}}
faults:
  - {name: db-blackhole, at: %s, duration: %s, kind: timeout, target: db}
`, c.dur, c.rate, c.at, c.length)
}

// swarmTrial is one run's summary and how long the command took.
type swarmTrial struct {
	sum  *analysis.Summary
	wall time.Duration
}

// trial runs authquake with args under the lock (and, for a swarm, on a
// swarm made for it if this engine is in none) and reads the summary.
func (c swarmConfig) trial(ctx context.Context, lock string, swarm bool, aq string, args []string, glob string) (swarmTrial, error) {
	unlock, err := flock(lock)
	if err != nil {
		return swarmTrial{}, err
	}
	defer unlock()
	if swarm {
		leave, err := singleNodeSwarm()
		if err != nil {
			return swarmTrial{}, err
		}
		defer leave()
	}
	began := time.Now()
	// Not CommandContext: a Ctrl-C reaches authquake from the terminal, and
	// a second signal would make it force its stop instead of reverting.
	o, err := exec.Command(aq, args...).CombinedOutput()
	wall := time.Since(began)
	if ctx.Err() != nil {
		return swarmTrial{}, ctx.Err()
	}
	s, serr := summaryOf(glob)
	if serr != nil {
		return swarmTrial{}, fmt.Errorf("%v (%v): %s", serr, err, lastLines(string(o), 5))
	}
	return swarmTrial{sum: s, wall: wall}, nil
}

// flock holds an exclusive lock on file until unlock; none without a file.
func flock(file string) (unlock func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// singleNodeSwarm makes this engine a single-node swarm manager unless it
// is in a swarm already; leave undoes what it made.
func singleNodeSwarm() (leave func(), err error) {
	state, err := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output()
	if err != nil {
		return nil, fmt.Errorf("docker info: %w", err)
	}
	if s := strings.TrimSpace(string(state)); s != "inactive" {
		return func() {}, nil // a swarm that is not ours (or pending): authquake swarm says what it makes of it
	}
	hadBridge := exec.Command("docker", "network", "inspect", "docker_gwbridge").Run() == nil
	if o, err := exec.Command("docker", "swarm", "init", "--listen-addr", "127.0.0.1:2377", "--advertise-addr", "127.0.0.1").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("docker swarm init: %v\n%s", err, o)
	}
	return func() {
		if o, err := exec.Command("docker", "swarm", "leave", "--force").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "docker swarm leave --force: %v\n%s", err, o)
		}
		if !hadBridge { // swarm init made it; leaving does not remove it
			exec.Command("docker", "network", "rm", "docker_gwbridge").Run()
		}
	}, nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:7190"
	}
	defer ln.Close()
	return ln.Addr().String()
}

func loadAvg() string {
	if a, err := load.Avg(); err == nil {
		return fmt.Sprintf("%.2f", a.Load1)
	}
	return "?"
}

// db is the trial's database fault, if the summary has it.
func (t swarmTrial) db() analysis.FaultStats {
	for _, f := range t.sum.Faults {
		if f.Name == "db-blackhole" {
			return f
		}
	}
	return analysis.FaultStats{}
}

func (t swarmTrial) cells() string {
	s, f := t.sum, t.db()
	r := s.Requests
	return fmt.Sprintf("| %d | %d | %d | %d | %.2f | %.1f | %s | %s | %s | %s | %.0f |", r.Payments, r.Approved, r.Declined, r.Failures(),
		s.Latency.P50, s.Latency.P99, optS(f.TimeToImpactS), optS(f.TimeToRecoverS), f.State, auditCell(s), t.wall.Seconds())
}

func auditCell(s *analysis.Summary) string {
	a := s.Audit
	switch {
	case a == nil || !a.Checked:
		return "not checked"
	case len(a.Violations) > 0:
		return fmt.Sprintf("%d violations", len(a.Violations))
	case a.Inconclusive:
		return "inconclusive: " + a.Note
	}
	return fmt.Sprintf("clean, %d keys (%s)", a.Keys, a.Source)
}

// median of f over trials; NaN when a trial has no value.
func median(ts []swarmTrial, f func(swarmTrial) *float64) float64 {
	var xs []float64
	for _, t := range ts {
		v := f(t)
		if v == nil {
			return math.NaN()
		}
		xs = append(xs, *v)
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func (c swarmConfig) table(res [2][]swarmTrial, began time.Time, load0 string) string {
	var rows []string
	names := []string{"`authquake run`", "`authquake swarm --workers 3`"}
	for k := range c.trials {
		for i := range 2 {
			rows = append(rows, fmt.Sprintf("| %d | %s %s", k+1, names[i], res[i][k].cells()))
		}
	}
	num := func(x float64) *float64 { return &x }
	m := func(i int, f func(swarmTrial) *float64) float64 { return median(res[i], f) }
	get := []func(swarmTrial) *float64{
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Approved)) },
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Declined)) },
		func(t swarmTrial) *float64 { return num(float64(t.sum.Requests.Failures())) },
		func(t swarmTrial) *float64 { return num(t.sum.Latency.P50) },
		func(t swarmTrial) *float64 { return num(t.sum.Latency.P99) },
		func(t swarmTrial) *float64 { return t.db().TimeToImpactS },
		func(t swarmTrial) *float64 { return t.db().TimeToRecoverS },
	}
	var med [2][]float64
	for i := range 2 {
		cells := []string{}
		for _, f := range get {
			med[i] = append(med[i], m(i, f))
			cells = append(cells, strings.Replace(fmt.Sprintf("%.4g", med[i][len(med[i])-1]), "NaN", "-", 1))
		}
		rows = append(rows, fmt.Sprintf("| median | %s | | %s | | | | |", names[i], strings.Join(cells, " | ")))
	}
	// The bar, each part from the medians.
	samePayments := true
	for i := range 2 {
		for _, t := range res[i] {
			samePayments = samePayments && t.sum.Requests.Payments == res[0][0].sum.Requests.Payments
		}
	}
	spread := func(i, j int) float64 { // the most one outcome count moves between trials of run i
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range res[i] {
			v := *get[j](t)
			lo, hi = min(lo, v), max(hi, v)
		}
		return hi - lo
	}
	var outcomes []string
	within := true
	for j, o := range []string{"approved", "declined", "failed"} {
		d := med[1][j] - med[0][j]
		within = within && abs(d) <= spread(0, j)
		outcomes = append(outcomes, fmt.Sprintf("%s %+.0f (single runs among themselves: %.0f)", o, d, spread(0, j)))
	}
	d50, d99 := pct(med[1][3], med[0][3]), pct(med[1][4], med[0][4])
	dI, dR := med[1][5]-med[0][5], med[1][6]-med[0][6]
	bucket := res[0][0].sum.BucketS
	held := func(ok bool) string {
		if ok {
			return "held"
		}
		return "**not met**"
	}
	fault := held(abs(dI) <= bucket && abs(dR) <= bucket)
	if math.IsNaN(dI + dR) {
		fault = "**not comparable**: a trial saw no impact or no recovery"
	}
	payments := fmt.Sprintf("the same %d in every run", res[0][0].sum.Requests.Payments)
	if !samePayments {
		payments = "**they differ**"
	}
	return fmt.Sprintf(`<!-- swarm -->
## Swarm with an authsim target (`+"`make bench-swarm`"+`)

`+"`go run ./cmd/bench swarm -lock /tmp/authquake-swarm.lock`"+`: authsim with a database blackhole (timeout on db, at %s for %s),
%g/s for %s, seed 23, one attempt a payment with a 1 s timeout, as a single `+"`authquake run`"+` and as `+"`authquake swarm --workers 3`"+`
(`+"`--lead 10s`"+`; the swarm command starts authsim once, runs the fault from the shards' start instant and reads the ledger),
alternating, %d trials each, on a single-node swarm made for each swarm trial and left after it. Measured %s to %s UTC on %s;
load average %s at the start, %s at the end (what else ran shows there). Failed: shed, error, timeout, connection error.

| trial | run | payments | approved | declined | failed | p50 ms | p99 ms | db fault: time to impact | time to recover | state | audit | wall s |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
%s

The bar (swarm medians against the single run's):
- payments: %s (the schedule's payments are a function of the seed). Which of them the blackhole catches
  depends on when each is answered, so no two runs have equal outcome counts, single runs included; the bar
  taken: the swarm's median counts within the single runs' own spread: %s (%s).
- p50 %+.1f%%, p99 %+.1f%%: %s (within 5%%).
- time to impact %+.2f s, to recover %+.2f s: %s (within one bucket, %g s).
<!-- /swarm -->
`, c.at, c.length, c.rate, c.dur, c.trials, began.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"), machine(), load0, loadAvg(),
		strings.Join(rows, "\n"), payments, held(within), strings.Join(outcomes, ", "),
		d50, d99, held(abs(d50) <= 5 && abs(d99) <= 5), dI, dR, fault, bucket)
}
