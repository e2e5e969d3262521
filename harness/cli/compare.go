package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/capacity/verdict"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/reports"
)

var compareCommand = command{
	name: "compare", usage: "BASE_DIR NEW_DIR", readsOnly: true,
	summary: "Compare two runs (failure ratio, p99, recovery times, capacity) and exit 1 on a regression beyond the thresholds. " +
		"Prints a Markdown table for the CI log.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		thresholds := thresholdFlags(fs)
		return func(_ context.Context, io IO, args []string) error {
			if len(args) != 2 {
				return exitcode.Invalidf("authquake compare results/BASE results/NEW", "compare: want two run directories")
			}
			t, err := thresholds()
			if err != nil {
				return err
			}
			var sums [2]*analysis.Summary
			var caps [2]map[float64]reports.CapacityFigure
			for i, dir := range args {
				s, err := summaryOf(dir)
				if exitcode.Of(err) == exitcode.SLOBreached {
					return err // a damaged summary: inconclusive
				}
				if err != nil {
					return exitcode.Invalidf("give directories that authquake run or capacity wrote", "compare: %s: %v", dir, err)
				}
				sums[i] = s
				if caps[i], err = capacityOf(dir); err != nil {
					return err
				}
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

// thresholdFlags are compare's thresholds, which trend uses too. A
// threshold that no change could meet or that every change would (negative,
// past 100%, NaN) is refused with exit 2.
func thresholdFlags(fs *pflag.FlagSet) func() (reports.Thresholds, error) {
	var t reports.Thresholds
	fs.Float64Var(&t.FailureRatio, "max-failure-increase", 0.01, "allowed increase of the failure ratio, absolute (0 to 1)")
	fs.Float64Var(&t.P99, "max-p99-increase", 0.2, "allowed increase of p99 latency, relative (0 or more)")
	recover := fs.Duration("max-recovery-increase", 2*time.Second, "allowed increase of a fault's time to recover (0 or more)")
	fs.Float64Var(&t.Capacity, "max-capacity-drop", 0.1, "allowed drop of sustainable rate per CPU limit, relative (0 to 1)")
	return func() (reports.Thresholds, error) {
		t.RecoverS = recover.Seconds()
		for _, f := range []struct {
			name     string
			v, limit float64
		}{{"max-failure-increase", t.FailureRatio, 1}, {"max-p99-increase", t.P99, math.MaxFloat64},
			{"max-recovery-increase", t.RecoverS, math.MaxFloat64}, {"max-capacity-drop", t.Capacity, 1}} {
			if !(f.v >= 0 && f.v <= f.limit) { // NaN fails too
				return t, exitcode.Invalidf("e.g. --max-failure-increase 0.01 (one point), --max-p99-increase 0.2 (20%)",
					"--%s %g: must be from 0 to %g", f.name, f.v, f.limit)
			}
		}
		return t, nil
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
		if why := impossible(&s); why != "" {
			return nil, exitcode.New(exitcode.SLOBreached, fmt.Errorf("compare: %s is damaged: %s", path, why),
				"authquake report "+dir+" recomputes it")
		}
		return &s, nil
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.CapacityFile)); err == nil {
		return nil, nil
	}
	r, err := analysis.Load(dir)
	if err != nil {
		return nil, err
	}
	s, _, err := analysis.Analyze(r, time.Second)
	return s, err
}

// impossible says what in a summary no run could have measured: a ratio
// outside 0 to 1, a negative latency, count or time to recover.
func impossible(s *analysis.Summary) string {
	check := func(name string, v, limit float64) string {
		if !(v >= 0 && v <= limit) {
			return fmt.Sprintf("%s is %g, not from 0 to %g", name, v, limit)
		}
		return ""
	}
	why := []string{check("failure_ratio", s.FailureRatio, 1), check("latency_ms.p99", s.Latency.P99, math.MaxFloat64),
		check("latency_ms.max", s.Latency.Max, math.MaxFloat64)}
	for i, f := range s.Faults {
		if f.TimeToRecoverS != nil {
			why = append(why, check(fmt.Sprintf("faults[%d].time_to_recover_s", i), *f.TimeToRecoverS, math.MaxFloat64))
		}
	}
	for _, w := range why {
		if w != "" {
			return w
		}
	}
	return ""
}

// capacityOf reads the sustainable rate per CPU limit of a capacity run,
// with why a figure is no finding about the service (capacity's verdict:
// its binding limit other than the service's, or its flag); none for a
// directory without capacity.json. A negative limit or rate is a damaged
// file (exit 1).
func capacityOf(dir string) (map[float64]reports.CapacityFigure, error) {
	path := filepath.Join(dir, rundir.CapacityFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil
	}
	var c struct {
		Limits []struct {
			CPUs        float64 `json:"cpus"`
			Sustainable float64 `json:"sustainable_rate"`
			Binding     string  `json:"binding"`
			Flag        string  `json:"flag"`
		} `json:"limits"`
	}
	if json.Unmarshal(b, &c) != nil {
		return nil, nil
	}
	out := map[float64]reports.CapacityFigure{}
	for i, l := range c.Limits {
		if !(l.CPUs > 0 && l.Sustainable >= 0) {
			return nil, exitcode.New(exitcode.SLOBreached, fmt.Errorf("compare: %s is damaged: limits[%d] is %g CPUs at %g/s", path, i, l.CPUs, l.Sustainable),
				"authquake capacity writes it again")
		}
		f := reports.CapacityFigure{Rate: l.Sustainable}
		switch {
		case l.Flag != "":
			f.NotFinding = "flagged: " + l.Flag
		case l.Binding != "" && l.Binding != verdict.ServiceLimited && l.Binding != verdict.NotLimited:
			f.NotFinding = fmt.Sprintf("%g CPUs was %s", l.CPUs, l.Binding)
		}
		out[l.CPUs] = f
	}
	return out, nil
}
