package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/reports"
)

// Trend's files, in --out.
const (
	TrendHTMLFile     = "trend.html"
	TrendMarkdownFile = "trend.md"
)

var trendCommand = command{
	name: "trend", usage: "RUN_DIR...", readsOnly: true,
	summary: "The trend over saved runs (e.g. a nightly CI's kept run directories, in any order): per run by start time " +
		"the verdict, failure ratio, p99, time to recover per fault, audit and generator; a chart of each; and the first run " +
		"where each regressed beyond compare's thresholds. Writes trend.html and trend.md, prints the Markdown.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		thresholds := thresholdFlags(fs)
		out := fs.String("out", ".", "directory for trend.html and trend.md")
		return func(_ context.Context, io IO, args []string) error {
			th, err := thresholds()
			if err != nil {
				return err
			}
			if len(args) < 2 {
				return exitcode.Invalidf("authquake trend results/nightly-*", "trend: want at least two run directories, got %d", len(args))
			}
			var in []reports.TrendInput
			for _, dir := range args {
				meta, err := rundir.ReadMeta(dir)
				if err != nil {
					return exitcode.Invalidf("give directories that authquake run wrote", "trend: %s is not a run directory: %v", dir, err)
				}
				s, err := summaryOf(dir)
				if err != nil || s == nil {
					return exitcode.Invalidf("give directories that authquake run wrote (not capacity runs)", "trend: %s: no summary: %v", dir, err)
				}
				if len(in) > 0 && s.Scenario != in[0].Summary.Scenario {
					return exitcode.Invalidf("give the runs of one scenario, e.g. authquake trend results/promo_midnight-spike-*",
						"trend: %s ran %s, %s ran %s: a trend compares runs of one scenario", in[0].Name, in[0].Summary.Scenario, dir, s.Scenario)
				}
				in = append(in, reports.TrendInput{Name: filepath.Base(filepath.Clean(dir)), Started: meta.Started, Summary: s})
			}
			t := reports.Trend(in, th)
			var md, page bytes.Buffer
			reports.TrendMarkdown(&md, t)
			if err := reports.TrendHTML(&page, t); err != nil {
				return err
			}
			if err := os.MkdirAll(*out, 0o755); err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			for name, b := range map[string][]byte{TrendHTMLFile: page.Bytes(), TrendMarkdownFile: md.Bytes()} {
				// Whole or not at all: a signal ends trend wherever it is.
				path := filepath.Join(*out, name)
				if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
					return exitcode.New(exitcode.Environment, err, "")
				}
				if err := os.Rename(path+".tmp", path); err != nil {
					return exitcode.New(exitcode.Environment, err, "")
				}
			}
			io.Out.Write(md.Bytes())
			fmt.Fprintf(io.Out, "\n%s\n", filepath.Join(*out, TrendHTMLFile))
			return nil
		}
	},
}
