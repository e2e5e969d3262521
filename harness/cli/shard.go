package cli

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/traffic"
)

// ShardEnv is where a container engine puts a task's K/N when it cannot
// put it in the arguments (Swarm: {{.Task.Slot}} is templated in env only).
const ShardEnv = "AUTHQUAKE_SHARD"

// slotZero reads Swarm's rendering of a replicated job's slot: {{.Task.Slot}}
// is the slot number for slots 1 and up, and the task's id for slot 0 (as
// for a task without a slot), so a K that is not a number is shard 0.
func slotZero(v string) string {
	k, n, ok := strings.Cut(v, "/")
	if _, err := strconv.Atoi(k); ok && err != nil && k != "" && !strings.HasPrefix(k, "-") {
		return "0/" + n
	}
	return v
}

// shardFlags declares run's flags for one shard of a split run and returns
// their parser.
func shardFlags(fs *pflag.FlagSet) func() (run.ShardOptions, error) {
	shard := fs.String("shard", "", "send only shard K of N of the schedule (hit i belongs to shard i mod N), e.g. 1/3; shard 0 owns the faults (default $"+ShardEnv+")")
	startAt := fs.String("start-at", "", "the common start instant of every shard, RFC 3339 UTC, e.g. 2026-11-30T06:00:00Z")
	listen := fs.String("listen", run.DefaultListen, "shard 0: where the coordination endpoint listens (other shards poll it for a stop); "+
		"given, shard 0 serves it even with --coordinator")
	coordinator := fs.String("coordinator", "", "shards 1..N-1: shard 0's coordination endpoint, e.g. http://127.0.0.1:7190 "+
		"(with the run's token in $"+coord.TokenEnv+" or a file named by $"+coord.TokenFileEnv+")")
	return func() (run.ShardOptions, error) {
		var o run.ShardOptions
		if *shard == "" {
			*shard = slotZero(os.Getenv(ShardEnv)) // set per task by a container engine
		}
		if *shard == "" {
			if *startAt != "" || *coordinator != "" {
				return o, exitcode.Invalidf("add --shard K/N", "--start-at and --coordinator belong to a sharded run")
			}
			return o, nil
		}
		sh, err := traffic.ParseShard(*shard)
		if err != nil {
			return o, exitcode.Invalidf("e.g. --shard 0/3", "--shard: %v", err)
		}
		o.Shard, o.Listen, o.Coordinator = sh, *listen, *coordinator
		if sh.Index == 0 && fs.Changed("listen") {
			o.Coordinator = "" // the owner serves (the manifests of authquake k8s give every pod both flags)
		}
		if o.Token, err = coord.TokenFromEnv(); err != nil {
			return o, exitcode.Invalidf("export "+coord.TokenEnv+"=$(openssl rand -hex 32), the same for every shard", "%v", err)
		}
		if *startAt != "" {
			if o.StartAt, err = time.Parse(time.RFC3339Nano, *startAt); err != nil {
				return o, exitcode.Invalidf("e.g. --start-at 2026-11-30T06:00:00Z", "--start-at %q: %v", *startAt, err)
			}
		}
		return o, nil
	}
}
