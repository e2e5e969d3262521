package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
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
