package replay

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
)

// ScenarioFile is the replay's scenario, written into its output directory.
const ScenarioFile = "replay.yaml"

// Options configure a replay.
type Options struct {
	// Out is where the replay scenario and the replays' run directories go.
	Out string
	// Times is how many replays to run (at least 1).
	Times int
	// Progress receives a line per replay as it ends; nil drops them.
	Progress io.Writer
}

// Outcome is what the replays of a run found.
type Outcome struct {
	// Original are the invariants the replayed run broke.
	Original []string
	// File is the scenario the replays ran.
	File string
	// Runs is each replay, in order.
	Runs []Replayed
	// Reproduced counts the replays that broke an invariant the original
	// broke; New those that broke one it did not (a new finding).
	Reproduced, New int
}

// Replayed is one replay and how it compares with the original.
type Replayed struct {
	Result
	Finding
}

// Write writes the replay scenario of r into dir, with a header saying
// where it comes from and what differs from the file as given, and checks
// it as `authquake run` would.
func Write(r *Run, dir string) (string, error) {
	d, notes, err := r.ReplayDoc()
	if err != nil {
		return "", exitcode.Invalidf("give a run directory that authquake run or merge wrote", "%v", err)
	}
	header := append([]string{fmt.Sprintf("Replay of %s (authquake replay): the scenario as it ran, seed %d, duration scale %g.", r.Dir, r.Meta.Seed, r.Scale()), ""}, notes...)
	if r.Scale() != 1 {
		header = append(header, fmt.Sprintf("Fault times are the file's own: the replay runs at duration scale %g, as the run did.", r.Scale()))
	}
	b, err := d.Bytes(header)
	if err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	file := filepath.Join(dir, ScenarioFile)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	if _, err := run.Load(file); err != nil {
		return file, exitcode.New(exitcode.Environment, fmt.Errorf("the replay scenario %s is not valid: %w", file, err), "this is a bug in authquake")
	}
	return file, nil
}

// Replay runs the run's scenario again o.Times times, one run after the
// other, and compares each with the original. The error is for the harness
// or an interrupt; the outcome holds the replays that ended before it.
func Replay(ctx context.Context, runner Runner, r *Run, o Options) (*Outcome, error) {
	file, err := Write(r, o.Out)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Original: Invariants(r.Broken), File: file}
	p := o.Progress
	if p == nil {
		p = io.Discard
	}
	for i := range max(o.Times, 1) {
		res, err := runner.Run(ctx, Trial{File: file, Out: o.Out, DurationScale: r.Scale(), Shards: r.Shards()})
		if err != nil {
			return out, err
		}
		rp := Replayed{Result: res, Finding: Compare(r.Broken, res)}
		out.Runs = append(out.Runs, rp)
		if len(rp.Reproduced) > 0 {
			out.Reproduced++
		}
		if len(rp.New) > 0 {
			out.New++
		}
		fmt.Fprintf(p, "replay %d/%d: %s  %s\n", i+1, max(o.Times, 1), rp.Line(r), res.Dir)
	}
	return out, nil
}

// Line says in a few words how a replay compares with the original.
func (rp Replayed) Line(r *Run) string {
	var parts []string
	for _, inv := range rp.Reproduced {
		same, of := SameKeys(r.Broken, r.Meta.KeyPrefix, rp.Result, inv)
		parts = append(parts, fmt.Sprintf("%s broke again (x%d; %d of its %d example payments as in the original)", inv, count(rp.Broken, inv), same, of))
	}
	if len(rp.Missing) > 0 {
		parts = append(parts, strings.Join(rp.Missing, " ")+" held")
	}
	if len(rp.New) > 0 {
		parts = append(parts, "NEW FINDING: "+strings.Join(rp.New, " ")+" broke (not in the original)")
	}
	if len(parts) == 0 {
		parts = append(parts, "no invariant broken")
	}
	verdict := "reproduced"
	if len(rp.Reproduced) == 0 {
		verdict = "not reproduced"
		if len(r.Broken) == 0 {
			verdict = "clean original"
		}
	}
	return fmt.Sprintf("%-14s %s", verdict, strings.Join(parts, "; "))
}

func count(r []audit.Violation, inv string) int {
	for _, v := range r {
		if v.Invariant == inv {
			return v.Count
		}
	}
	return 0
}
