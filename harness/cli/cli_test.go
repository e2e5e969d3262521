package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
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
}
