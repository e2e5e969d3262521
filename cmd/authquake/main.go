// Command authquake is a load-and-chaos testing harness for payment
// authorisation services. main is thin: it runs the CLI and maps the error to
// a documented exit code (see harness/exitcode).
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/authquake/authquake/harness/cli"
	"github.com/authquake/authquake/harness/exitcode"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The load generator allocates a little for every request: with
		// Go's default the collector runs every few milliseconds at
		// 10,000 requests/s. A heap four times the live one (tens of MB)
		// gives that CPU back to keeping the schedule. GOGC overrides it.
		debug.SetGCPercent(400)
	}
	err := cli.Main(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authquake:", err)
	}
	os.Exit(exitcode.Of(err))
}
