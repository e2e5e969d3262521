package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/reports"
)

var replayCommand = command{
	name: "replay", usage: "RUN_DIR",
	summary: "Run a saved run again as it ran: its scenario and seed, its duration scale, authsim bugs and shards, and its faults " +
		"at the instants they were injected (timeline.json), against a fresh target, with keys of its own for the same payments. " +
		"Says for each replay whether the invariants the run broke broke again, and the reproduction rate. " +
		"Exit 3 when a replay broke one of them again; 6 when none did but a replay broke another (a new finding, never a reproduction); " +
		"0 when no replay broke what the run broke.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		out := fs.String("out", "", "directory for the replay scenario (replay.yaml), the replays' run directories and their log (default RUN_DIR/replay, then replay-2, ...)")
		times := fs.Int("times", 1, "how many replays, one after the other: the reproduction rate is over them")
		remote := fs.Bool("allow-remote", false, "allow a url target that is not a loopback address")
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake replay results/RUN --times 5", "replay: want one run directory, got %d arguments", len(args))
			}
			if *times < 1 || *times > 1000 {
				return exitcode.Invalidf("e.g. --times 5", "replay: --times must be from 1 to 1000")
			}
			r, err := openRun("replay", args[0])
			if err != nil {
				return err
			}
			dir, logw, err := outDir(*out, args[0], "replay")
			if err != nil {
				return err
			}
			defer logw.Close()
			fmt.Fprintf(io.Out, "replaying %s: seed %d, duration scale %g, %d payments, %s, %s; it broke %s\n",
				r.Dir, r.Meta.Seed, r.Scale(), r.Payments, faultsText(len(r.Timeline)), shardsText(r.Shards()), brokenText(r))
			fmt.Fprintf(io.Out, "  the runs' own log: %s\n", logw.Name())
			o, err := replay.Replay(ctx, replay.Local{Log: logw, AllowRemote: *remote, Version: Version}, r,
				replay.Options{Out: dir, Times: *times, Progress: io.Out})
			if o == nil {
				return err
			}
			return replayVerdict(io.Out, r, o, err)
		}
	},
}

// replayVerdict prints the reproduction rate and returns the exit code:
// a reproduction (3) outranks an interrupt or a harness error, which
// outrank a new finding (6).
func replayVerdict(w io.Writer, r *replay.Run, o *replay.Outcome, err error) error {
	n := len(o.Runs)
	was := strings.Join(o.Original, " ")
	switch {
	case o.Reproduced > 0:
		msg := fmt.Sprintf("reproduced in %d of %d replays (%s)", o.Reproduced, n, was)
		fmt.Fprintf(w, "%s; shrink it: %s\n", msg, reports.ShrinkCommand(r.Dir))
		return exitcode.New(exitcode.InvariantBroken, errors.New(msg), "")
	case err != nil:
		fmt.Fprintf(w, "%d replays ran before: %v\n", n, err)
		return err
	case len(o.Original) == 0 && o.New > 0:
		msg := fmt.Sprintf("new finding: the run broke no invariant, and %d of %d replays broke one", o.New, n)
		fmt.Fprintln(w, msg)
		return exitcode.New(exitcode.NewFinding, errors.New(msg), "the replays' reports say which; this is not a reproduction")
	case o.New > 0:
		msg := fmt.Sprintf("not reproduced in %d replays (%s held), but %d broke another invariant: a new finding", n, was, o.New)
		fmt.Fprintln(w, msg)
		return exitcode.New(exitcode.NewFinding, errors.New(msg), "the replays' reports say which")
	case len(o.Original) == 0:
		fmt.Fprintf(w, "the run broke no invariant, and neither did %d replays\n", n)
	default:
		fmt.Fprintf(w, "not reproduced in %d replays: %s held each time\n", n, was)
	}
	return nil
}

// openRun reads a run directory for replay or shrink.
func openRun(cmd, dir string) (*replay.Run, error) {
	r, err := replay.Open(dir)
	if err != nil {
		return nil, exitcode.Invalidf("give a run directory that authquake run or merge wrote", "%s: %v", cmd, err)
	}
	return r, nil
}

// outDir makes the output directory (default RUN_DIR/NAME, then NAME-2,
// ...) and opens the runs' log file in it.
func outDir(out, runDir, name string) (string, *os.File, error) {
	if out == "" {
		out = filepath.Join(runDir, name)
		for i := 2; exists(out); i++ {
			out = filepath.Join(runDir, fmt.Sprintf("%s-%d", name, i))
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", nil, exitcode.New(exitcode.Environment, err, "")
	}
	f, err := os.Create(filepath.Join(out, name+".log"))
	if err != nil {
		return "", nil, exitcode.New(exitcode.Environment, err, "")
	}
	return out, f, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func brokenText(r *replay.Run) string {
	if len(r.Broken) == 0 {
		return "no invariant"
	}
	var parts []string
	for _, v := range r.Broken {
		parts = append(parts, fmt.Sprintf("%s x%d", v.Invariant, v.Count))
	}
	return strings.Join(parts, ", ")
}

func faultsText(n int) string {
	if n == 1 {
		return "1 fault"
	}
	return fmt.Sprintf("%d faults", n)
}

func shardsText(n int) string {
	if n > 1 {
		return fmt.Sprintf("%d shards in this process", n)
	}
	return "one process"
}
