package merge

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// FuzzShardFile: no shard.json beside an honest shard 0 makes merge panic,
// allocate by a count it was told, or merge anything but each hit of the
// plan once, by the shard that owns it.
func FuzzShardFile(f *testing.F) {
	honest, _ := os.ReadFile(filepath.Join(shard(f, 1, 2, nil), rundir.ShardFile))
	f.Add(honest)
	f.Add([]byte(`{"index":1,"count":2000000000,"run_planned":100,"planned":50,"start_at_unix_nano":1800000000000000000,"key_prefix":"aq1"}`))
	f.Add([]byte(`{"index":0,"count":2,"run_planned":100,"planned":50,"start_at_unix_nano":1800000000000000000,"key_prefix":"aq1"}`))
	f.Add([]byte(`{"index":1,"count":2,"run_planned":18446744073709551615,"planned":9223372036854775808}`))
	f.Add([]byte(`{"index":-1,"count":-2}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		one := shard(t, 1, 2, nil)
		os.WriteFile(filepath.Join(one, rundir.ShardFile), data, 0o644)
		out := filepath.Join(t.TempDir(), "merged")
		m, err := Merge([]string{shard(t, 0, 2, nil), one}, out)
		if err != nil {
			return
		}
		if len(m.Shards) != 2 || m.Planned != 100 || m.Sent > 100 {
			t.Fatalf("merged %d shards, planned %d, sent %d from shard.json %q", len(m.Shards), m.Planned, m.Sent, data)
		}
		seen := map[uint64]bool{}
		record.Read(filepath.Join(out, rundir.AttemptsFile), func(a *record.Attempt) error {
			if a.Seq >= 100 || seen[a.Seq] {
				t.Fatalf("hit %d merged twice or past the plan from shard.json %q", a.Seq, data)
			}
			seen[a.Seq] = true
			return nil
		})
		var info rundir.ShardInfo
		if json.Unmarshal(data, &info) == nil && info.Index != 1 {
			t.Fatalf("shard.json naming shard %d merged as shard 1's", info.Index)
		}
	})
}
