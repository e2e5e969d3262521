// Command authquake is a load-and-chaos testing harness for payment
// authorisation services. main is thin: it runs the CLI and maps the error to
// a documented exit code (see harness/exitcode).
package main

import (
	"fmt"
	"os"

	"github.com/authquake/authquake/harness/cli"
	"github.com/authquake/authquake/harness/exitcode"
)

func main() {
	err := cli.Main(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authquake:", err)
	}
	os.Exit(exitcode.Of(err))
}
