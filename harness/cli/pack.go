package cli

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/tarball"
)

var packCommand = command{
	name: "pack", usage: "DIR",
	summary: "Write DIR as a tar.gz to standard output (the authquake image has no tar: kubectl exec POD -- /app pack /out > shards.tar.gz). " +
		"With --hold, write nothing and wait for a signal: the collector pod that keeps the results volume mounted.",
	flags: func(fset *pflag.FlagSet) func(context.Context, IO, []string) error {
		hold := fset.Bool("hold", false, "wait until interrupted instead of packing")
		return func(ctx context.Context, o IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake pack /out > shards.tar.gz", "pack: want one directory")
			}
			if *hold {
				<-ctx.Done()
				return nil
			}
			if err := tarball.Write(o.Out, args[0]); err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			return nil
		}
	},
}
