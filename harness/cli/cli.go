// Package cli is authquake's command line: one small function per
// subcommand, each with its own pflag set and --help, and the signal handling
// that turns a first Ctrl-C into an orderly stop (faults reverted, containers
// removed, results kept) and a second into a forced one.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/exitcode"
)

// ErrInterrupted is the cause of the run context when a signal stopped it.
var ErrInterrupted = exitcode.New(exitcode.Aborted, errors.New("interrupted"), "")

// command is one subcommand.
type command struct {
	name    string
	summary string
	// usage is the argument synopsis after "authquake NAME".
	usage string
	// flags declares the subcommand's flags on fs and returns its body.
	flags func(fs *pflag.FlagSet) func(ctx context.Context, io IO, args []string) error
	// readsOnly marks a command that starts nothing and changes nothing it
	// cannot leave half done (validate, compare, trend): a signal ends it at
	// once, exit 4, whatever it is reading or computing.
	readsOnly bool
}

// IO is where a subcommand writes.
type IO struct {
	Out, Err io.Writer
}

// commands lists every subcommand in the order --help shows them.
var commands = []command{
	runCommand, validateCommand, reportCommand, replayCommand, shrinkCommand, compareCommand, trendCommand, capacityCommand,
	exportCommand, mergeCommand, swarmCommand, k8sCommand, packCommand, upCommand, imagesCommand, cleanupCommand, listCommand, versionCommand,
}

// Main runs authquake with args (without the program name). The first SIGINT
// or SIGTERM cancels the context (orderly stop, exit 4); a second one reaps
// every container and network this process owns and exits 4 at once.
func Main(args []string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		fmt.Fprintf(stderr, "authquake: %v: stopping; reverting faults and removing containers (send again to force)\n", s)
		cancel(ErrInterrupted)
		<-sigs
		fmt.Fprintln(stderr, "authquake: forced stop: removing this process's containers and networks")
		forceCleanup(stderr)
		os.Exit(exitcode.Aborted)
	}()
	return Run(ctx, args, IO{Out: stdout, Err: stderr})
}

// forceCleanup removes everything this process created, bounded in time.
func forceCleanup(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := docker.Connect(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "authquake:", err)
		return
	}
	defer cli.Close()
	r, err := docker.Reap(ctx, cli, docker.Selector{Owner: docker.Self().String()})
	fmt.Fprintf(stderr, "authquake: removed %d containers, %d networks\n", len(r.Containers), len(r.Networks))
	if err != nil {
		fmt.Fprintln(stderr, "authquake: cleanup:", err)
	}
}

// Run dispatches args to a subcommand.
func Run(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			return Run(ctx, []string{args[1], "--help"}, io)
		}
		usage(io.Out)
		return nil
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
		fs.SetOutput(io.Err)
		fs.SortFlags = false
		body := c.flags(fs)
		fs.Usage = func() {
			fmt.Fprintf(io.Out, "Usage: authquake %s %s\n\n%s\n\nFlags:\n%s", c.name, c.usage, c.summary, fs.FlagUsages())
		}
		fs.SetOutput(io.Out)
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, pflag.ErrHelp) {
				return nil
			}
			return exitcode.Invalidf("see authquake "+c.name+" --help", "%s: %v", c.name, err)
		}
		if !c.readsOnly {
			return body(ctx, io, fs.Args())
		}
		done := make(chan error, 1)
		go func() { done <- body(ctx, io, fs.Args()) }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return exitcode.Invalidf("run authquake --help for the list", "unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `authquake: load-and-chaos testing for payment authorisation services.

Usage: authquake COMMAND [flags] [args]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, firstSentence(c.summary))
	}
	fmt.Fprint(w, `
Run authquake COMMAND --help for a command's flags.

Exit codes: 0 pass; 1 SLO breached; 2 invalid usage or scenario; 3 a money
invariant broken; 4 aborted (stop condition or interrupt); 5 environment or
harness error; 6 (replay) a new finding. replay and shrink: see their --help.
`)
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
