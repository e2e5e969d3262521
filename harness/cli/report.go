package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/reports"
)

var reportCommand = command{
	name: "report", usage: "RUN_DIR",
	summary: "Recompute the analysis, verdicts and reports of a saved run directory (summary.json, series.json, report.html, " +
		"report.md, junit.xml). No containers needed; the exit code follows the verdict.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		bucket := fs.Duration("bucket", time.Second, "time series bucket, 100ms or more")
		return func(_ context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake report results/RUN", "report: want one run directory")
			}
			if *bucket < 100*time.Millisecond {
				return exitcode.Invalidf("e.g. --bucket 500ms", "report: --bucket must be at least 100ms")
			}
			return report(io.Out, args[0], *bucket)
		}
	},
}

// report analyses a run directory, writes its reports, prints the terminal
// summary and returns the verdict's exit code as an error (nil for a pass).
func report(w io.Writer, dir string, bucket time.Duration) error {
	r, err := analysis.Load(dir)
	var damaged *rundir.DamagedMetaError
	if errors.As(err, &damaged) { // run.json cut short, corrupt or out of range: record_damaged
		return exitcode.New(exitcode.SLOBreached, fmt.Errorf("report: %v: the run cannot be judged", damaged), "")
	}
	if err != nil {
		return exitcode.Invalidf("give a directory that authquake run wrote", "report: %v", err)
	}
	s, series, err := analysis.Analyze(r, bucket)
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("analyse %s: %w", dir, err), "")
	}
	if err := reports.Write(r, s, series); err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("write reports: %w", err), "")
	}
	reports.Terminal(w, s, dir)
	if s.ExitCode == 0 {
		return nil
	}
	return exitcode.New(s.ExitCode, errors.New("verdict: "+s.Verdict), "")
}
