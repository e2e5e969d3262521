package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/rundir"
)

func cmd(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{Out: &out, Err: &errOut})
	return out.String() + errOut.String(), err
}

func TestHelpForEveryCommand(t *testing.T) {
	out, err := cmd("--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("authquake --help does not list %s", c.name)
		}
		got, err := cmd(c.name, "--help")
		if err != nil {
			t.Errorf("%s --help: %v", c.name, err)
		}
		if !strings.Contains(got, "Usage: authquake "+c.name) {
			t.Errorf("%s --help printed %q", c.name, got)
		}
		// "help NAME" is the same as "NAME --help".
		if viaHelp, _ := cmd("help", c.name); viaHelp != got {
			t.Errorf("help %s differs from %s --help", c.name, c.name)
		}
	}
}

func TestBadUsageExitsTwoNamingTheProblem(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		// An unknown flag is named.
		{[]string{"run", "--bogus"}, "--bogus"},
		{[]string{"cleanup", "--nope=1"}, "--nope"},
		// A flag of the wrong type is named.
		{[]string{"up", "--for", "soon"}, "--for"},
		// An unknown command is named.
		{[]string{"launch"}, `"launch"`},
		// images takes no arguments.
		{[]string{"images", "extra"}, `"extra"`},
		// --procs is auto or a count.
		{[]string{"run", "--procs", "0", "x.yaml"}, "--procs"},
		{[]string{"run", "--procs", "many", "x.yaml"}, `"many"`},
		// A kept target stays for some time.
		{[]string{"run", "--keep-for", "0s", "x.yaml"}, "--keep-for"},
		// cleanup takes flags only.
		{[]string{"cleanup", "run-1"}, `"run-1"`},
		// compare's and trend's thresholds are from 0, ratios up to 1, never NaN:
		// a negative one made every run a regression.
		{[]string{"compare", "--max-failure-increase=-0.1", "a", "b"}, "--max-failure-increase -0.1"},
		{[]string{"compare", "--max-capacity-drop=2", "a", "b"}, "--max-capacity-drop 2"},
		{[]string{"compare", "--max-recovery-increase=-1s", "a", "b"}, "--max-recovery-increase -1"},
		{[]string{"trend", "--max-p99-increase=NaN", "a", "b"}, "--max-p99-increase NaN"},
	}
	for _, tt := range tests {
		_, err := cmd(tt.args...)
		if exitcode.Of(err) != exitcode.Invalid {
			t.Errorf("%v: exit %d (%v), want 2", tt.args, exitcode.Of(err), err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %q does not name %s", tt.args, err, tt.want)
		}
	}
}

// TestProcsFlag: auto sizes the generator to the schedule, unless the user
// set GOMAXPROCS; a count is taken as it is.
func TestProcsFlag(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	for _, c := range []struct {
		v       string
		changed bool
		env     string
		want    int
	}{
		{"auto", false, "", run.ProcsAuto},
		{"auto", false, "3", 0}, // the user's GOMAXPROCS stands
		{"auto", true, "3", run.ProcsAuto},
		{"2", true, "3", 2},
	} {
		t.Setenv("GOMAXPROCS", c.env)
		if got, err := procsFlag(c.v, c.changed); err != nil || got != c.want {
			t.Errorf("--procs %s (given: %v, GOMAXPROCS=%q): %d, %v; want %d", c.v, c.changed, c.env, got, err, c.want)
		}
	}
}

// TestValidateRefusesPastTheLimits: the scenarios (a rate that
// overflowed the payment count, a NaN rate) exit 2 naming file:line, and
// so do NaN flags.
func TestValidateRefusesPastTheLimits(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		rate, duration string
		want           string
	}{
		// 1e12/s for a million hours: the payment count overflowed.
		{"1e12/s", "1000000h", "big.yaml:4:"},
		// NaN/s validated, then run failed to write JSON.
		{"NaN/s", "10s", "big.yaml:4:"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "big.yaml")
		yaml := "name: big\ntraffic:\n  phases:\n    - {duration: " + tt.duration + ", shape: constant, rate: " + tt.rate + "}\n"
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"validate", "run"} {
			_, err := cmd(c, path)
			if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s: exit %d, %v; want 2 naming %s", c, tt.rate, exitcode.Of(err), err, tt.want)
			}
		}
	}
	for _, args := range [][]string{{"run", "--duration-scale", "NaN", "x.yaml"}, {"capacity", "--max-rate", "NaN", "x.yaml"},
		{"capacity", "--cpus", "NaN", "x.yaml"}} {
		if _, err := cmd(args...); exitcode.Of(err) != exitcode.Invalid {
			t.Errorf("%v: exit %d (%v), want 2", args, exitcode.Of(err), err)
		}
	}
	// --cpuset is checked before anything starts, naming the flag and the fix
	// (the rules themselves: capacity.TestPlanCpuset)
	for _, c := range [][2]string{{"banana", "--cpuset"}, {"4096", "does not exist"}, {"4096", "e.g. --cpuset"}} {
		_, err := cmd("capacity", "--cpus", "0.5", "--cpuset", c[0], "x.yaml")
		if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), c[1]) {
			t.Errorf("--cpuset %s: exit %d (%v), want 2 naming %q", c[0], exitcode.Of(err), err, c[1])
		}
	}
}

// TestReadOnlyCommandsStopOnSignal: validate, trend and compare end at
// once when a signal cancels the context (Main's first SIGINT or SIGTERM),
// exit 4, even while they wait on a read that never ends (here a FIFO
// nobody writes); before, they went on until their work was done.
func TestReadOnlyCommandsStopOnSignal(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "stuck.yaml")
	runDir := filepath.Join(dir, "run")
	os.Mkdir(runDir, 0o755)
	for _, p := range []string{fifo, filepath.Join(runDir, rundir.MetaFile), filepath.Join(runDir, "summary.json")} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { // let the readers left behind see the end of the file
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		})
	}
	for _, args := range [][]string{{"validate", fifo}, {"trend", runDir, runDir}, {"compare", runDir, runDir}} {
		ctx, cancel := context.WithCancelCause(context.Background())
		done := make(chan error, 1)
		go func() { done <- Run(ctx, args, IO{Out: io.Discard, Err: io.Discard}) }()
		cancel(ErrInterrupted)
		select {
		case err := <-done:
			if exitcode.Of(err) != exitcode.Aborted {
				t.Errorf("%v: exit %d (%v), want 4", args, exitcode.Of(err), err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%v: still working 30 s after the signal", args)
		}
	}
}

// TestValidateWarnsOfWebhooksAContainerCannotReach: a receiver on loopback
// for a containers target's service is valid (exit 0) but warned of, with
// file:line and what to do.
func TestValidateWarnsOfWebhooksAContainerCannotReach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hooks.yaml")
	yaml := "name: hooks\ntarget:\n  kind: containers\n  containers: {service: {image: 'svc:local', port: 8080}}\n" +
		"  webhooks: {key: ref, status: st, rules: [{equals: OK, outcome: approved}]}\n" +
		"traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := cmd("validate", path)
	if err != nil || !strings.Contains(out, "warning: "+path+":5:3: target.webhooks.listen: the receiver listens on 127.0.0.1:0") ||
		!strings.Contains(out, "1 files ok") {
		t.Errorf("validate: %v\n%s", err, out)
	}
}
