package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/reports"
)

var compareCommand = command{
	name: "compare", usage: "BASE_DIR NEW_DIR",
	summary: "Compare two runs (failure ratio, p99, recovery times, capacity) and exit 1 on a regression beyond the thresholds. " +
		"Prints a Markdown table for the CI log.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		thresholds := thresholdFlags(fs)
		return func(_ context.Context, io IO, args []string) error {
			if len(args) != 2 {
				return exitcode.Invalidf("authquake compare results/BASE results/NEW", "compare: want two run directories")
			}
			t := thresholds()
			var sums [2]*analysis.Summary
			var caps [2]map[float64]float64
			for i, dir := range args {
				s, err := summaryOf(dir)
				if exitcode.Of(err) == exitcode.SLOBreached {
					return err // a damaged summary: inconclusive
				}
				if err != nil {
					return exitcode.Invalidf("give directories that authquake run or capacity wrote", "compare: %s: %v", dir, err)
				}
				sums[i], caps[i] = s, capacityOf(dir)
			}
			var rows []reports.Row
			if sums[0] != nil && sums[1] != nil {
				rows = reports.Compare(sums[0], sums[1], t)
			}
			rows = append(rows, reports.CompareCapacity(caps[0], caps[1], t)...)
			if len(rows) == 0 {
				return exitcode.Invalidf("compare two runs, or two capacity runs", "compare: nothing in common to compare")
			}
			if reports.CompareMarkdown(io.Out, filepath.Base(args[0]), filepath.Base(args[1]), rows) {
				return exitcode.New(exitcode.SLOBreached, errors.New("regression"), "")
			}
			return nil
		}
	},
}

// thresholdFlags are compare's thresholds, which trend uses too.
func thresholdFlags(fs *pflag.FlagSet) func() reports.Thresholds {
	var t reports.Thresholds
	fs.Float64Var(&t.FailureRatio, "max-failure-increase", 0.01, "allowed increase of the failure ratio, absolute")
	fs.Float64Var(&t.P99, "max-p99-increase", 0.2, "allowed increase of p99 latency, relative")
	recover := fs.Duration("max-recovery-increase", 2*time.Second, "allowed increase of a fault's time to recover")
	fs.Float64Var(&t.Capacity, "max-capacity-drop", 0.1, "allowed drop of sustainable rate per CPU limit, relative")
	return func() reports.Thresholds {
		t.RecoverS = recover.Seconds()
		return t
	}
}

// summaryOf reads a run's summary.json, computing it if it is missing; nil
// for a capacity directory.
func summaryOf(dir string) (*analysis.Summary, error) {
	path := filepath.Join(dir, reports.SummaryFile)
	if b, err := os.ReadFile(path); err == nil {
		var s analysis.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			read := int64(0)
			var serr *json.SyntaxError
			if errors.As(err, &serr) {
				read = serr.Offset
			}
			return nil, exitcode.New(exitcode.SLOBreached, fmt.Errorf("compare: %s is damaged: read %d of %d bytes: %v", path, read, len(b), err),
				"authquake report "+dir+" recomputes it")
		}
		return &s, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "capacity.json")); err == nil {
		return nil, nil
	}
	r, err := analysis.Load(dir)
	if err != nil {
		return nil, err
	}
	s, _, err := analysis.Analyze(r, time.Second)
	return s, err
}

// capacityOf reads the sustainable rate per CPU limit of a capacity run.
func capacityOf(dir string) map[float64]float64 {
	b, err := os.ReadFile(filepath.Join(dir, "capacity.json"))
	if err != nil {
		return nil
	}
	var c struct {
		Limits []struct {
			CPUs        float64 `json:"cpus"`
			Sustainable float64 `json:"sustainable_rate"`
		} `json:"limits"`
	}
	if json.Unmarshal(b, &c) != nil {
		return nil
	}
	out := map[float64]float64{}
	for _, l := range c.Limits {
		out[l.CPUs] = l.Sustainable
	}
	return out
}
