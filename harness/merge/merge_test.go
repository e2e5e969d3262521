package merge

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/traffic"
)

// scenarioText plans 100 hits: shards of 2 have 50 each.
const scenarioText = "name: t/merge\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\n" +
	"traffic: {phases: [{duration: 1s, shape: constant, rate: 100/s}]}\nrequests: {client: {retries: {max_attempts: 2}}}\n"

// shard writes shard k of n as authquake run --shard would: its shard.json,
// run.json, scenario and seed copies, and one approved attempt per hit it
// owns. edit, when set, changes what is written first.
func shard(t testing.TB, k, n int, edit func(*rundir.ShardInfo, *rundir.Meta, *[]record.Attempt)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "t_merge-shard"+string(rune('0'+k)))
	os.MkdirAll(dir, 0o755)
	sh := traffic.Shard{Index: k, Count: n}
	info := rundir.ShardInfo{Shard: sh, StartAtUnixNano: 1_800_000_000_000_000_000, KeyPrefix: "aq1", RunPlanned: 100,
		Planned: sh.Planned(100), Status: rundir.StatusCompleted}
	meta := rundir.Meta{Version: 1, Scenario: "t/merge", Seed: 7, DurationScale: 1, Status: rundir.StatusCompleted, Shard: &info}
	var atts []record.Attempt
	for seq := uint64(0); seq < 100; seq++ {
		if sh.Owns(seq) {
			atts = append(atts, record.Attempt{Seq: seq, Attempt: 1, Outcome: record.Approved, Status: 201, Final: true})
		}
	}
	meta.Sent = uint64(len(atts))
	if edit != nil {
		edit(&info, &meta, &atts)
	}
	for name, v := range map[string]any{rundir.ShardFile: info, rundir.MetaFile: meta} {
		b, _ := json.Marshal(v)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), []byte(scenarioText), 0o644)
	os.WriteFile(filepath.Join(dir, rundir.SeedFile), []byte("7\n"), 0o644)
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range atts {
		w.Record(&atts[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMergeTakesTwoHonestShards(t *testing.T) {
	m, err := Merge([]string{shard(t, 0, 2, nil), shard(t, 1, 2, nil)}, filepath.Join(t.TempDir(), "merged"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Sent != 100 || m.Attempts != 100 || len(m.Shards) != 2 {
		t.Errorf("sent %d, attempts %d, %d shards; want 100, 100, 2", m.Sent, m.Attempts, len(m.Shards))
	}
}

// TestMergeTrustsNoShardFile: each case is a shard directory edited by
// hand; merge used to take every one of them (the first two are the
// review's: a copy of shard 0 relabelled shard 1 merged to a pass with 50
// hits twice, and a count of 2,000,000,000 allocated 3 GB).
func TestMergeTrustsNoShardFile(t *testing.T) {
	relabel := func(to int) func(*rundir.ShardInfo, *rundir.Meta, *[]record.Attempt) {
		return func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.Index = to }
	}
	tests := []struct {
		name string
		dirs func() []string
		says string
	}{
		{"shard 0 relabelled shard 1", func() []string { return []string{shard(t, 0, 2, nil), shard(t, 0, 2, relabel(1))} },
			"hit 0 belongs to shard 0, not to shard 1/2"},
		{"a count of 2,000,000,000", func() []string {
			return []string{shard(t, 0, 2, func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.Count = 2_000_000_000 })}
		}, "count 2000000000: a run has 1 to 1000 shards"},
		{"an index past the count", func() []string { return []string{shard(t, 0, 2, relabel(2))} }, "index 2 of 2 shards"},
		{"planned not its share", func() []string {
			return []string{shard(t, 0, 2, func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.Planned = 1000 })}
		}, "planned 1000, but shard 0/2 of 100 hits has 50"},
		{"a schedule the scenario does not plan", func() []string {
			edit := func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.RunPlanned, i.Planned = 1000, 500 }
			return []string{shard(t, 0, 2, edit), shard(t, 1, 2, func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.RunPlanned, i.Planned = 1000, 500 })}
		}, "run_planned 1000, but the run's scenario plans 100 hits"},
		{"sent past planned", func() []string {
			return []string{shard(t, 0, 2, nil), shard(t, 1, 2, func(_ *rundir.ShardInfo, m *rundir.Meta, _ *[]record.Attempt) { m.Sent = 4_000_000_000 })}
		}, "sent 4000000000 of the shard's 50"},
		{"an attempt recorded twice", func() []string {
			return []string{shard(t, 0, 2, nil), shard(t, 1, 2, func(_ *rundir.ShardInfo, _ *rundir.Meta, a *[]record.Attempt) { *a = append(*a, (*a)[3]) })}
		}, "hit 7 authorize attempt 1 is recorded twice"},
		{"an attempt past max_attempts", func() []string {
			return []string{shard(t, 0, 2, func(_ *rundir.ShardInfo, _ *rundir.Meta, a *[]record.Attempt) { (*a)[0].Attempt = 3 })}
		}, "attempt 3, but the scenario makes 1 to 2"},
		{"a hit past the plan", func() []string {
			return []string{shard(t, 0, 2, func(_ *rundir.ShardInfo, _ *rundir.Meta, a *[]record.Attempt) { (*a)[0].Seq = 200 })}
		}, "hit 200 is past the run's 100"},
		{"another seed", func() []string {
			other := shard(t, 1, 2, nil)
			os.WriteFile(filepath.Join(other, rundir.SeedFile), []byte("8\n"), 0o644)
			return []string{shard(t, 0, 2, nil), other}
		}, "their seeds differ"},
		{"another scenario", func() []string {
			other := shard(t, 1, 2, nil)
			os.WriteFile(filepath.Join(other, rundir.ScenarioFile), []byte(strings.Replace(scenarioText, "100/s", "101/s", 1)), 0o644)
			return []string{shard(t, 0, 2, nil), other}
		}, "their scenario copies (scenario.yaml) differ"},
		{"another duration scale", func() []string {
			return []string{shard(t, 0, 2, nil), shard(t, 1, 2, func(_ *rundir.ShardInfo, m *rundir.Meta, _ *[]record.Attempt) { m.DurationScale = 0.5 })}
		}, "their run.json (scenario, seed or duration scale) differ"},
		{"another start", func() []string {
			return []string{shard(t, 0, 2, nil), shard(t, 1, 2, func(i *rundir.ShardInfo, _ *rundir.Meta, _ *[]record.Attempt) { i.StartAtUnixNano++ })}
		}, "their start instants (--start-at) differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			_, err := Merge(tt.dirs(), out)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%v, want a refusal saying %q", err, tt.says)
			}
		})
	}
}
