package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/mem"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/load"
)

// report is what one make bench measured.
type report struct {
	cfg      config
	maxRate  [2]float64
	rates    ladder
	confirm  []trial
	cpu      [2]time.Duration
	cpuRSS   [2]uint64
	cpuEach  [2][]time.Duration // per trial, in the order run
	cpuSteal [2][]float64       // the hypervisor's steal in each, percent
	soak     run
	acc      accuracyResult
	analysis analysisResult
	took     time.Duration
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func machine() string {
	model := runtime.GOARCH
	if info, err := cpu.Info(); err == nil && len(info) > 0 {
		model = info[0].ModelName
	}
	total := ""
	if v, err := mem.VirtualMemory(); err == nil {
		total = fmt.Sprintf(", %.0f GiB", float64(v.Total)/(1<<30))
	}
	kernel := ""
	if k, err := host.KernelVersion(); err == nil {
		kernel = ", Linux " + k
	}
	return fmt.Sprintf("%s, %d cores%s%s, %s", model, runtime.NumCPU(), total, kernel, runtime.Version())
}

func (r *report) write() error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("<!-- generators -->\nMeasured by `make bench` (`go run ./cmd/bench`) on %s, %s UTC, in %s.\n",
		machine(), time.Now().UTC().Format("2006-01-02 15:04"), r.took.Round(time.Second))
	p("Both load generators run as their own processes against a trivial server (`targets/trivial`, started afresh for each\n")
	p("run) on 127.0.0.1, one after the other, on the same machine as the server. authquake sends full payment bodies with an idempotency key each\n")
	p("and records every attempt (gzip CSV); vegeta's CLI sends one fixed body and writes its gob results file.\n")
	p("authquake runs on the threads `authquake run --procs auto` takes for the rate (one per %d payments/s, here %d at %.0f/s\n", load.PerProc,
		min(int(math.Ceil(r.cfg.cpuRate/load.PerProc)), runtime.NumCPU()), r.cfg.cpuRate)
	p("and %d from %.0f/s); vegeta's CLI on all %d CPUs, its default.\n\n", min(int(math.Ceil(r.cfg.ladder[0]/load.PerProc)), runtime.NumCPU()), r.cfg.ladder[0], runtime.NumCPU())
	p("| measure | authquake | vegeta CLI | authquake / vegeta |\n|---|---|---|---|\n")
	p("| highest open-model rate sustained for %s by a majority of %d trials (sent within 1%%, send lag p99 of the last fifth under 50 ms) | %.0f/s | %.0f/s | %s |\n",
		r.cfg.probe, r.cfg.trials, r.maxRate[0], r.maxRate[1], ratio(r.maxRate[0], r.maxRate[1]))
	p("| CPU per request (user + sys) at %.0f/s for %s, median of %d alternating | %.1f µs | %.1f µs | %s |\n", r.cfg.cpuRate, r.cfg.cpu, r.cfg.cpuTrials,
		us(r.cpu[0]), us(r.cpu[1]), ratio(us(r.cpu[0]), us(r.cpu[1])))
	p("| peak RSS in those runs | %.1f MB | %.1f MB | %s |\n", mb(r.cpuRSS[0]), mb(r.cpuRSS[1]), ratio(mb(r.cpuRSS[0]), mb(r.cpuRSS[1])))
	p("| p50 / p99 with 50 ms added by Toxiproxy (500/s) | %s / %s | %s / %s | |\n", ms(r.acc.p50[0]), ms(r.acc.p99[0]), ms(r.acc.p50[1]), ms(r.acc.p99[1]))
	p("\nCPU per request, trial by trial (alternating): authquake %s; vegeta %s.\n", usList(r.cpuEach[0]), usList(r.cpuEach[1]))
	p("Hypervisor steal in those trials: authquake %s; vegeta %s%s.\n", pctList(r.cpuSteal[0]), pctList(r.cpuSteal[1]), stealNote(slices.Concat(r.cpuSteal[0], r.cpuSteal[1], []float64{r.soak.steal})))
	p("\nauthquake over %s at %.0f/s: peak RSS %.1f MB, final %.1f MB, slope over the second half %+.2f MB/min (steal %s%%).\n",
		r.cfg.soak, r.cfg.cpuRate, mb(r.soak.peakRSS), mb(last(r.soak.rss)), slope(r.soak.rss), pctCell(r.soak.steal))
	p("\nA scripted 5 s blackhole of the client link (Toxiproxy timeout toxic) through `authquake run`: in force %.3f-%.3f s;\n",
		r.acc.activeS, r.acc.revertS)
	p("reported time to impact %s and time to recover %s; the truth is 0 and 0, to within one bucket (%g s).\n",
		optS(r.acc.tti), optS(r.acc.ttr), r.acc.bucketS)
	p("\n%s\n", r.analysis.line())
	r.writeLadder(p)
	p("<!-- /generators -->\n")
	if _, err := os.Stat(r.cfg.out); os.IsNotExist(err) {
		os.WriteFile(r.cfg.out, []byte("# Benchmarks\n\n"), 0o644)
	}
	// Its own section: what other benchmarks and people wrote around it stays.
	return writeSection(r.cfg.out, "generators", b.String())
}

func usList(ds []time.Duration) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%.1f", us(d)))
	}
	return strings.Join(out, ", ") + " µs"
}

// pctList lists steal figures, in percent.
func pctList(xs []float64) string {
	var out []string
	for _, x := range xs {
		out = append(out, pctCell(x))
	}
	return strings.Join(out, ", ") + "%"
}

// stealNote warns when a trial of the CPU section or the soak saw more
// steal than analysis.StealWarn: its figures say as much of the host's
// other machines as of the generator.
func stealNote(steals []float64) string {
	most := mostSteal(steals...)
	if !(most > analysis.StealWarn) {
		return ""
	}
	return fmt.Sprintf(" (%s%% at most, past %g%%: other machines on this host took CPU time the trials needed; the ratios of alternating trials hold better than either figure)",
		pctCell(most), analysis.StealWarn)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// writeLadder writes every trial of the rate ladder and the confirmation
// at 1.3x vegeta's highest rate: the distribution, not one run.
func (r *report) writeLadder(p func(string, ...any)) {
	p("\n## Highest rate, trial by trial\n\nEach cell: trials that kept the schedule, and the median of their send-lag p99 (last fifth of the run).\n")
	p("Trials alternate authquake and vegeta, each against a fresh server once TIME_WAIT sockets have drained.\n\n")
	p("| rate | authquake | vegeta CLI |\n|---|---|---|\n")
	for _, step := range r.rates {
		cell := func(ts []trial) string {
			if len(ts) == 0 {
				return "-"
			}
			var steals []float64
			for _, t := range ts {
				steals = append(steals, t.steal)
			}
			return fmt.Sprintf("%d/%d, lag p99 %s, steal up to %s%%", passes(ts), len(ts), medianLag(ts).Round(time.Millisecond/10), pctCell(mostSteal(steals...)))
		}
		p("| %.0f/s | %s | %s |\n", step.rate, cell(step.trials[0]), cell(step.trials[1]))
	}
	if len(r.confirm) > 0 {
		var lags []string
		for _, t := range r.confirm {
			lags = append(lags, t.lagP99.Round(time.Millisecond/10).String())
		}
		p("\nauthquake at %.0f/s (1.3x vegeta's highest): kept the schedule in %d of %d trials (send-lag p99: %s).\n",
			r.confirm[0].rate, passes(r.confirm), len(r.confirm), strings.Join(lags, ", "))
	}
}
