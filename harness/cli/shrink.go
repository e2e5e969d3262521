package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/harness/shrink"
)

var shrinkCommand = command{
	name: "shrink", usage: "RUN_DIR",
	summary: "Search for the smallest scenario that still breaks the invariant a run broke: drop faults (delta debugging), " +
		"shorten them, start the load later, bisect each phase's duration and rate, then the account count. Each candidate " +
		"runs up to --trials times, one run at a time, against a fresh target, and fails when at least --min-repro of its runs " +
		"break the invariant. Prints the candidates as it goes; writes shrunk.yaml, shrink.md and every candidate's runs into " +
		"--out, and shrink.json into RUN_DIR (its reports link the shrunk scenario). " +
		"Exit 0 when shrunk, and when the run broke no invariant (nothing to shrink); 1 when the run as it ran did not break it " +
		"in --min-repro of --trials runs; 4 on Ctrl-C (the smallest so far is kept).",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		out := fs.String("out", "", "the shrink's directory (default RUN_DIR/shrink, then shrink-2, ...)")
		budget := fs.Duration("budget", 30*time.Minute, "time for the search; the smallest failing scenario by then is the result")
		trials := fs.Int("trials", 5, "runs of each candidate at most")
		minRepro := fs.Int("min-repro", 4, "runs of a candidate that must break the invariant for it to count as failing")
		inv := fs.String("invariant", "", "the invariant to keep broken, e.g. I3 (default: the first the run broke)")
		remote := fs.Bool("allow-remote", false, "allow a url target that is not a loopback address")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake shrink results/RUN --budget 30m", "shrink: want one run directory, got %d arguments", len(args))
			}
			if err := shrinkFlags(*budget, *trials, *minRepro); err != nil {
				return err
			}
			r, err := openRun("shrink", args[0])
			if err != nil {
				return err
			}
			if len(r.Broken) == 0 {
				fmt.Fprintf(io.Out, "nothing to shrink: %s broke no invariant\n", r.Dir)
				return nil
			}
			if *inv == "" {
				*inv = r.Broken[0].Invariant
			} else if !slices.Contains(replay.Invariants(r.Broken), *inv) {
				return exitcode.Invalidf("give one it broke: "+strings.Join(replay.Invariants(r.Broken), ", "),
					"shrink: --invariant %s: the run did not break it", *inv)
			}
			base, err := shrink.NewBase(r)
			if err != nil {
				return exitcode.Invalidf("give a run directory that authquake run or merge wrote", "shrink: %v", err)
			}
			dir, logw, err := outDir(*out, args[0], "shrink")
			if err != nil {
				return err
			}
			defer logw.Close()
			fmt.Fprintf(io.Out, "shrinking %s: %s (%s) broke it; %d payments, %s, %s\n", r.Dir, *inv, audit.Name(*inv), r.Payments, faultsText(len(r.Timeline)), shardsText(r.Shards()))
			fmt.Fprintf(io.Out, "  budget %s; each candidate runs up to %d times and fails when %d of them break %s; the runs' own log: %s\n",
				*budget, *trials, *minRepro, *inv, logw.Name())
			rep, err := shrink.Shrink(ctx, replay.Local{Log: logw, AllowRemote: *remote, Version: Version}, base, shrink.Options{
				Run: args[0], Out: dir, Invariant: *inv, Budget: *budget, Trials: *trials, MinRepro: *minRepro, Shards: r.Shards(),
				Progress: io.Out, OnBest: func(rep *shrink.Report) error { return rep.Write(dir) }})
			shrinkSummary(io, rep, dir)
			if rep != nil && len(rep.FinalRuns) > 0 { // the run's reports link the shrunk scenario from now on
				if _, aerr := replay.Analyse(r.Dir); aerr != nil {
					fmt.Fprintf(io.Err, "warning: the reports of %s still lack the link to the shrunk scenario: %v\n", r.Dir, aerr)
				}
			}
			return err
		}
	},
}

// shrinkFlags checks the flags of shrink.
func shrinkFlags(budget time.Duration, trials, minRepro int) error {
	switch {
	case budget <= 0:
		return exitcode.Invalidf("e.g. --budget 30m", "shrink: --budget must be more than 0")
	case trials < 1 || trials > 100:
		return exitcode.Invalidf("e.g. --trials 5", "shrink: --trials must be from 1 to 100")
	case minRepro < 1 || minRepro > trials:
		return exitcode.Invalidf("e.g. --trials 5 --min-repro 4", "shrink: --min-repro must be from 1 to --trials (%d)", trials)
	}
	return nil
}

// shrinkSummary prints where the shrink got to.
func shrinkSummary(io IO, rep *shrink.Report, dir string) {
	if rep == nil || len(rep.Rows) == 0 {
		return
	}
	if rep.Status == shrink.StatusNotReproducible {
		fmt.Fprintf(io.Out, "not shrunk: see %s\n", filepath.Join(dir, shrink.ReportFile))
		return
	}
	k, n := rep.Odds()
	fmt.Fprintf(io.Out, "%s: %d -> %d payments, %d -> %d faults, %s -> %s of load; %s broke in %d of %d runs of it (%s)\n",
		map[string]string{shrink.StatusDone: "shrunk", shrink.StatusBudget: "shrunk (budget spent)", shrink.StatusInterrupted: "interrupted",
			shrink.StatusError: "stopped"}[rep.Status],
		rep.Base.Payments(rep.Original), rep.Base.Payments(rep.Final), len(rep.Original.Faults), len(rep.Final.Faults),
		replay.Seconds(rep.Base.Length(rep.Original).Seconds()), replay.Seconds(rep.Base.Length(rep.Final).Seconds()),
		rep.Invariant, k, n, (time.Duration(rep.WallS) * time.Second).String())
	if n > 0 {
		fmt.Fprintf(io.Out, "  scenario: %s\n", filepath.Join(dir, shrink.ShrunkFile))
	}
	fmt.Fprintf(io.Out, "  report:   %s\n", filepath.Join(dir, shrink.ReportFile))
}
