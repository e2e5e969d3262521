package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
)

var runCommand = command{
	name: "run", usage: "SCENARIO.yaml",
	summary: "Run a scenario: start the target, drive the load and the fault timeline, record the results. " +
		"The run directory keeps the scenario, the seed, every attempt, the fault timeline and resource samples.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		out := fs.String("out", "results", "parent directory of run directories")
		seed := fs.Uint64("seed", 0, "seed for all randomness (0: the scenario's, or random if it has none)")
		scale := fs.Float64("duration-scale", 1, "scale every phase and every fault offset and duration, e.g. 0.1")
		remote := fs.Bool("allow-remote", false, "allow a url target that is not a loopback address")
		keep := fs.Bool("keep", false, "leave the target running after the run, for inspection, labelled as kept (authquake cleanup --run ID or --kept removes it)")
		keepFor := fs.Duration("keep-for", run.DefaultKeepFor, "with --keep, how long after the run's planned end the kept target stays; then any run or cleanup removes it (implies --keep)")
		metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics of the run at http://ADDR/metrics while it lasts, e.g. 127.0.0.1:9464")
		linger := fs.Duration("metrics-linger", 0, "keep serving --metrics-addr this long after the run, for a last scrape")
		bugs := fs.StringSlice("bugs", nil, `authsim known bugs to switch on, replacing the scenario's ("" for none)`)
		upload := fs.Bool("upload", false, "when the run is over, send its run directory to the coordinator (authquake swarm sets it)")
		procs := fs.String("procs", "auto", "threads that run the generator's Go code (GOMAXPROCS): auto is one per 5000 payments/s of the schedule's peak, at most the machine's CPUs")
		shard := shardFlags(fs)
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake run SCENARIO.yaml", "run: want one scenario file, got %d arguments", len(args))
			}
			nprocs, err := procsFlag(*procs, fs.Changed("procs"))
			if err != nil {
				return err
			}
			if !(*scale > 0 && *scale <= 100) { // NaN fails too
				return exitcode.Invalidf("e.g. --duration-scale 0.1", "run: --duration-scale must be more than 0 and at most 100")
			}
			if !(*keepFor > 0) {
				return exitcode.Invalidf("e.g. --keep-for 2h", "run: --keep-for must be more than 0")
			}
			tty := isTerminal(os.Stdout)
			o := run.Options{Scenario: args[0], Out: *out, Seed: *seed, DurationScale: *scale, AllowRemote: *remote, Log: io.Err,
				Progress: io.Out, TTY: tty, Version: Version, Keep: *keep || fs.Changed("keep-for"), KeepFor: *keepFor, Procs: nprocs}
			if o.Shard, err = shard(); err != nil {
				return err
			}
			var up *uploader
			if *upload {
				if o.Shard.Coordinator == "" {
					return exitcode.Invalidf("add --coordinator http://HOST:PORT, the endpoint of authquake swarm (which passes both)",
						"run: --upload needs --coordinator: the endpoint the run directory is sent to")
				}
				up = newUploader(o)
				o.OnDir = up.watch
			}
			if fs.Changed("bugs") {
				b := slices.DeleteFunc(*bugs, func(s string) bool { return s == "" })
				o.Bugs = &b
			}
			if *metricsAddr != "" {
				srv, err := serveLive(ctx, io, &o, *metricsAddr, *linger)
				if err != nil {
					return err
				}
				defer srv()
			}
			res, err := run.Run(ctx, o)
			if res == nil {
				up.halt()
				return err // nothing ran: nothing to report, nothing to send
			}
			var verdict error
			if res.Meta.BaseUnixNano != 0 { // something was sent: report it
				verdict = report(io.Out, res.Dir, time.Second)
			}
			uerr := up.finish(ctx, res.Dir) // the reports go with it, whatever the verdict
			switch {
			case exitcode.Of(verdict) == exitcode.InvariantBroken:
				return verdict // broken money outranks everything
			case err != nil:
				return err // aborted (4) or a harness error (5) outranks the SLO verdict
			case uerr != nil:
				return uerr // as a harness error
			case o.Shard.Shard.Count > 1 && exitcode.Of(verdict) == exitcode.SLOBreached:
				// A shard's part is not the run: the merged run is judged (its
				// launcher's, or authquake merge). This shard did its part, and
				// its task (a Swarm task, a Job's pod) completes.
				fmt.Fprintf(io.Err, "run: this shard's part breached an SLO (%v); exit 0: the merged run is the one judged\n", verdict)
				return nil
			}
			return verdict
		}
	},
}

var validateCommand = command{
	name: "validate", usage: "FILE...", readsOnly: true,
	summary: "Check scenario files: every problem of every file at once, with file:line:column and a hint. Exit 2 if any.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		return func(ctx context.Context, io IO, args []string) error {
			if len(args) == 0 {
				return exitcode.Invalidf("authquake validate scenarios/*.yaml", "validate: no files given")
			}
			var all scenario.Problems
			for _, f := range args {
				warnings, err := run.Warnings(f)
				var probs scenario.Problems
				if errors.As(err, &probs) {
					all = append(all, probs...)
				} else if err != nil {
					return err
				}
				for _, w := range warnings { // valid all the same: exit 0
					fmt.Fprintf(io.Err, "warning: %s\n", w)
				}
			}
			if len(all) > 0 {
				return exitcode.New(exitcode.Invalid, fmt.Errorf("%d problems:\n%v", len(all), all), "")
			}
			fmt.Fprintf(io.Out, "%d files ok\n", len(args))
			return nil
		}
	},
}

var listCommand = command{
	name: "list", usage: "",
	summary: "List the fault kinds, load shapes, target kinds and ledger sources.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		return func(_ context.Context, io IO, _ []string) error {
			fmt.Fprintln(io.Out, "Fault kinds (faults: [{at, duration, kind, target, params}]):")
			family := ""
			for _, k := range fault.List() {
				if k.Family != family {
					family = k.Family
					fmt.Fprintf(io.Out, "  %s\n", family)
				}
				only := ""
				if k.Module != "" {
					only = " (target kind " + k.Module + ")"
				}
				fmt.Fprintf(io.Out, "    %-16s %s%s\n", k.Name, k.Summary, only)
				if len(k.Params) > 0 {
					fmt.Fprintf(io.Out, "    %-16s params: %s\n", "", strings.Join(k.Params, "; "))
				}
			}
			fmt.Fprintln(io.Out, "\nLoad shapes (traffic.phases[].shape): constant (rate), ramp (from, to), step (from, to, steps),")
			fmt.Fprintln(io.Out, "  spike (baseline, peak, rise, hold), sine (mean, amplitude, period)")
			fmt.Fprintln(io.Out, "\nTarget kinds (target.kind), one module each:")
			for _, m := range registry.List() {
				fmt.Fprintf(io.Out, "  %-16s %s\n", m.Kind(), m.Summary())
				if own := moduleAdds(m); own != "" {
					fmt.Fprintf(io.Out, "  %-16s %s\n", "", own)
				}
			}
			fmt.Fprintln(io.Out, "\nLedger sources (ledger.kind), read before teardown for the money audit: authsim (its admin API),")
			fmt.Fprintln(io.Out, "  sql (queries with a column mapping), http (a paginated JSON endpoint), none (every invariant unchecked)")
			files := bundledScenarios()
			if len(files) > 0 {
				fmt.Fprintln(io.Out, "\nScenarios (authquake run FILE):")
			}
			for _, f := range files {
				s, _, err := scenario.Load(f)
				if err != nil {
					fmt.Fprintf(io.Out, "  %-28s (invalid: authquake validate %s)\n", f, f)
					continue
				}
				desc := strings.Join(strings.Fields(s.Description), " ")
				mode := ""
				if m := failureMode.FindStringSubmatch(desc); m != nil {
					mode, desc = m[1]+" ", desc[len(m[0]):]
				}
				fmt.Fprintf(io.Out, "  %-28s %s%s\n", s.Name, mode, firstSentence(desc))
			}
			return nil
		}
	},
}

// moduleAdds says what a target module brings of its own: fault kinds,
// a ledger source, setup steps.
func moduleAdds(m target.Module) string {
	var own []string
	if fa, ok := m.(target.FaultAdder); ok {
		var names []string
		for _, k := range fa.Faults() {
			names = append(names, k.Name)
		}
		own = append(own, "faults: "+strings.Join(names, ", "))
	}
	if lk, ok := m.(target.LedgerKeeper); ok {
		own = append(own, "ledger: "+lk.Ledger())
	}
	if _, ok := m.(target.Provisioner); ok {
		own = append(own, "setup: its own, unless the scenario has one")
	}
	return strings.Join(own, "; ")
}

// failureMode is a description's leading FAILURE-MODES id, "S1. ".
var failureMode = regexp.MustCompile(`^(S[0-9]+)\. `)

// procsFlag reads --procs: "auto" (run.ProcsAuto) or a count. A GOMAXPROCS
// in the environment is the user's choice, and auto leaves it alone.
func procsFlag(v string, changed bool) (int, error) {
	if v == "auto" {
		if !changed && os.Getenv("GOMAXPROCS") != "" {
			return 0, nil
		}
		return run.ProcsAuto, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, exitcode.Invalidf("--procs auto, or --procs 2", "run: --procs %q: want auto or a count of at least 1", v)
	}
	return n, nil
}

// bundledScenarios lists the scenario files under scenarios/ of the working
// directory, or of the source tree.
func bundledScenarios() []string {
	dir := "scenarios"
	if _, err := os.Stat(dir); err != nil {
		src, err := images.FindSource()
		if err != nil {
			return nil
		}
		dir = filepath.Join(src, "scenarios")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	sort.Strings(files)
	return files
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
