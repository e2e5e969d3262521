package merge

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// merge takes nothing a shard directory says on trust: shard.json and
// run.json are files anyone could have edited (a copy of shard 0 relabelled
// shard 1 merged to a pass with every hit twice; "count": 2000000000 made
// merge allocate 3 GB). Each shard's numbers are checked against one plan,
// recomputed from the scenario copy, and each attempt against the shard it
// came from.
//
//	shard.json  index < count <= traffic.MaxShards, planned = its share of run_planned
//	every shard the same scenario copy, seed, duration scale, start, key prefix
//	run_planned = the plan of that scenario, as it ran
//	attempt     seq < run_planned, owned by its shard, attempt 1..max_attempts, once

// checkInfo refuses a shard.json whose numbers cannot be a shard's.
func checkInfo(path string, i rundir.ShardInfo) error {
	switch {
	case i.Count < 1 || i.Count > traffic.MaxShards:
		return fmt.Errorf("merge: %s: count %d: a run has 1 to %d shards", path, i.Count, traffic.MaxShards)
	case i.Index < 0 || i.Index >= i.Count:
		return fmt.Errorf("merge: %s: index %d of %d shards", path, i.Index, i.Count)
	case i.RunPlanned > scenario.MaxPayments:
		return fmt.Errorf("merge: %s: run_planned %d is past the %d payments a run may plan", path, i.RunPlanned, uint64(scenario.MaxPayments))
	case i.Planned != i.Shard.Planned(i.RunPlanned):
		return fmt.Errorf("merge: %s: planned %d, but shard %s of %d hits has %d", path, i.Planned, i.Shard, i.RunPlanned, i.Shard.Planned(i.RunPlanned))
	}
	return nil
}

// sameRun refuses b when it is not a shard of a's run: the same scenario
// copy, seed, duration scale, start instant, key prefix and schedule.
func sameRun(a, b *shardDir) error {
	differ := func(what string) error {
		return fmt.Errorf("merge: %s and %s are shards of different runs: their %s differ", a.dir, b.dir, what)
	}
	x, y := a.info, b.info
	switch {
	case x.Count != y.Count:
		return differ("shard counts")
	case x.StartAtUnixNano != y.StartAtUnixNano:
		return differ("start instants (--start-at)")
	case x.KeyPrefix != y.KeyPrefix:
		return differ("key prefixes")
	case x.RunPlanned != y.RunPlanned:
		return differ("schedules")
	case !bytes.Equal(a.scenario, b.scenario):
		return differ("scenario copies (" + rundir.ScenarioFile + ")")
	case !bytes.Equal(a.seed, b.seed):
		return differ("seeds")
	case a.meta != nil && b.meta != nil && (a.meta.Seed != b.meta.Seed || a.meta.DurationScale != b.meta.DurationScale || a.meta.Scenario != b.meta.Scenario):
		return differ("run.json (scenario, seed or duration scale)")
	}
	return nil
}

// planOf is the plan the run's shards split, read from base's scenario copy
// as it ran, and the most attempts a payment may have.
func planOf(base *shardDir) (total uint64, maxAttempts int, err error) {
	r, err := analysis.Load(base.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("merge: %s: %w", base.dir, err)
	}
	if total = r.Plan.Total(); total != base.info.RunPlanned {
		return 0, 0, fmt.Errorf("merge: %s: run_planned %d, but the run's scenario plans %d hits", filepath.Join(base.dir, rundir.ShardFile), base.info.RunPlanned, total)
	}
	if base.meta.Seed != r.Meta.Seed || base.seed != nil && !bytes.Equal(bytes.TrimSpace(base.seed), []byte(fmt.Sprint(r.Meta.Seed))) {
		return 0, 0, fmt.Errorf("merge: %s: run.json and %s name different seeds", base.dir, rundir.SeedFile)
	}
	return total, r.Scenario.Requests.Client.Retries.MaxAttempts, nil
}

// calls is how many requests a payment's flow may make: the authorisation,
// a capture or a void, and a reversal.
const calls = 3

// attempts checks each attempt of shard s as it is read, and that the
// shard records no more than its share of the plan can make.
type attempts struct {
	s           *shardDir
	total       uint64
	maxAttempts int
	rows        uint64
}

func (c *attempts) check(a *record.Attempt) error {
	c.rows++
	switch {
	case c.rows > c.s.info.Planned*calls*uint64(c.maxAttempts):
		return fmt.Errorf("more than the %d attempts its %d hits can make", c.s.info.Planned*calls*uint64(c.maxAttempts), c.s.info.Planned)
	case a.Seq >= c.total:
		return fmt.Errorf("hit %d is past the run's %d", a.Seq, c.total)
	case !c.s.info.Shard.Owns(a.Seq):
		return fmt.Errorf("hit %d belongs to shard %d, not to shard %s", a.Seq, a.Seq%uint64(c.s.info.Count), c.s.info.Shard)
	case a.Attempt < 1 || a.Attempt > c.maxAttempts:
		return fmt.Errorf("hit %d: attempt %d, but the scenario makes 1 to %d", a.Seq, a.Attempt, c.maxAttempts)
	}
	return nil
}

// call is an attempt's call, "" read as the authorisation.
func call(a *record.Attempt) record.Call {
	if a.Call == "" {
		return record.Authorize
	}
	return a.Call
}

// less orders attempts by hit, call and attempt: one order whatever order
// the shards were given in, in which an attempt recorded twice is next to
// itself.
func less(a, b *record.Attempt) bool {
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	if ca, cb := call(a), call(b); ca != cb {
		return ca < cb
	}
	return a.Attempt < b.Attempt
}

// duplicate is the first attempt of sorted recorded twice, or nil.
func duplicate(sorted []record.Attempt) *record.Attempt {
	for i := 1; i < len(sorted); i++ {
		if !less(&sorted[i-1], &sorted[i]) {
			return &sorted[i]
		}
	}
	return nil
}

// readFile is a file of the shard directory, nil when it is absent.
func readFile(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	return b
}
