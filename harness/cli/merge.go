package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/merge"
)

var mergeCommand = command{
	name: "merge", usage: "SHARD_DIR... --out DIR",
	summary: "Merge the run directories of a run's shards (authquake run --shard K/N) into one run directory, " +
		"and analyse and report it exactly as a single run: latency from the merged attempts, outcomes summed, " +
		"the owner's fault timeline and ledger, every shard's planned and sent hits and clock skew. " +
		"A shard that was killed or is missing is reported with the hits it never sent.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		out := fs.String("out", "", "the merged run directory to write (new or empty)")
		bucket := fs.Duration("bucket", time.Second, "time series bucket, 100ms or more")
		return func(_ context.Context, io IO, args []string) error {
			if len(args) == 0 || *out == "" {
				return exitcode.Invalidf("authquake merge results/s-shard0-* results/s-shard1-* --out results/merged", "merge: want shard directories and --out")
			}
			m, err := merge.Merge(args, *out)
			if err != nil {
				return exitcode.Invalidf("give every shard's run directory of one run", "%v", err)
			}
			for _, s := range m.Shards {
				fmt.Fprintf(io.Err, "shard %d/%d %-10s %-11s planned %d sent %d unsent %d\n", s.Index, s.Count, s.Host, s.Status, s.Planned, s.Sent, s.Unsent)
			}
			return report(io.Out, *out, *bucket)
		}
	},
}
